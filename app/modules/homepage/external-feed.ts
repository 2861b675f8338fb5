import { htmlToText } from '../../lib/html.js';
import dns from 'node:dns/promises';
import net from 'node:net';
import { parseFeed } from '@rowanmanning/feed-parser';
import { config } from '../../config.js';
import { currentTenant, db, systemDb, tenantTx } from '../../db/index.js';
import { defineJob, enqueueJob } from '../../jobs/queue.js';
import { now } from '../../lib/clock.js';
import { log } from '../../lib/log.js';

/**
 * External RSS/Atom feeds for the homepage's "feed" tiles. Visitors never cause a fetch: a job fetches each
 * feed (when a tile is saved, then every 20 minutes) with a timeout and a size limit, parses it with
 * @rowanmanning/feed-parser, keeps plain-text titles and http(s) links only, and caches the items in
 * external_feeds (migration 20261123103100). The homepage reads that cache in its one statement, so a source
 * that is down changes nothing but the "mis à jour le" date; new items send the homepage's NOTIFY
 * (migration 20261123103300) and the cached page is dropped.
 *
 * Addresses: only http and https, and — unless the policy allows private addresses — only hosts that resolve
 * to public addresses (no loopback, private, link-local, unique-local…; checked at every redirect). Private
 * addresses are allowed when NODE_ENV=test (the tests serve feeds from 127.0.0.1) or when the deployment sets
 * FEEDS_ALLOW_PRIVATE=true (an intranet feed); never otherwise.
 */
export const FEED_QUEUE = 'homepage-external-feed';
export const MAX_FEED_ITEMS = 10;

export const feedPolicy = {
  timeoutMs: 8_000,
  maxBytes: 1024 * 1024,
  maxRedirects: 3,
  /** Overrides the configuration (tests of the refusal); undefined: NODE_ENV=test or FEEDS_ALLOW_PRIVATE. */
  allowPrivate: undefined as boolean | undefined,
};

function privateAllowed(): boolean {
  return feedPolicy.allowPrivate ?? (config().env === 'test' || config().feedsAllowPrivate);
}

export interface ExternalItem {
  title: string;
  url: string;
  /** ISO date, or null when the feed gives none. */
  date: string | null;
}

export class FeedFetchError extends Error {}

const blocked = new net.BlockList();
for (const [net4, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net4, bits, 'ipv4');
for (const [net6, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) blocked.addSubnet(net6, bits, 'ipv6');

/** Whether an IP address is loopback, private, link-local or otherwise not on the public Internet. */
export function isPrivateAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = net.isIP(ip);
  if (family === 4) return blocked.check(ip, 'ipv4');
  if (family === 6) return blocked.check(ip, 'ipv6');
  return true;
}

/** The URL if it is one a feed may be fetched from (scheme only; the host is checked when resolved). */
export function feedUrlError(raw: string): string | null {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'Adresse du flux non valide.';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Indiquez une adresse http ou https.';
  if (u.username || u.password) return 'L’adresse ne doit pas contenir d’identifiant ni de mot de passe.';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!privateAllowed() && (host === 'localhost' || (net.isIP(host) && isPrivateAddress(host)))) return 'Cette adresse n’est pas accessible depuis Internet.';
  return null;
}

async function checkHost(u: URL): Promise<void> {
  if (privateAllowed()) return;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const addresses = net.isIP(host) ? [{ address: host }] : await dns.lookup(host, { all: true, verbatim: true }).catch(() => []);
  if (!addresses.length) throw new FeedFetchError('host not found');
  if (addresses.some((a) => isPrivateAddress(a.address))) throw new FeedFetchError('private address refused');
}

/** GETs the feed: redirects followed by hand (each target checked), the whole within the timeout, the body within the size. */
export async function feedFetcher(raw: string): Promise<string> {
  const signal = AbortSignal.timeout(feedPolicy.timeoutMs);
  let url = raw;
  for (let hop = 0; ; hop++) {
    const problem = feedUrlError(url);
    if (problem) throw new FeedFetchError(problem);
    const u = new URL(url);
    await checkHost(u);
    let res: Response;
    try {
      res = await fetch(u, { redirect: 'manual', signal, headers: { Accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8', 'User-Agent': 'Preau/1 (homepage feed tile)' } });
    } catch (err: any) {
      throw new FeedFetchError(err?.name === 'TimeoutError' ? 'timeout' : `fetch failed: ${err?.cause?.code ?? err?.message}`);
    }
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      await res.body?.cancel().catch(() => {});
      if (hop >= feedPolicy.maxRedirects) throw new FeedFetchError('too many redirects');
      url = new URL(res.headers.get('location')!, u).toString();
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => {});
      throw new FeedFetchError(`HTTP ${res.status}`);
    }
    if (Number(res.headers.get('content-length') ?? 0) > feedPolicy.maxBytes) {
      await res.body?.cancel().catch(() => {});
      throw new FeedFetchError('too large');
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > feedPolicy.maxBytes) throw new FeedFetchError('too large');
        chunks.push(chunk);
      }
    } catch (err: any) {
      if (err instanceof FeedFetchError) throw err;
      throw new FeedFetchError(err?.name === 'TimeoutError' ? 'timeout' : 'read failed');
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

const plain = (s: string | null | undefined) => htmlToText(s);

/** The items of a feed document: plain-text titles, absolute http(s) links, at most MAX_FEED_ITEMS. */
export function feedItemsOf(xml: string): ExternalItem[] {
  let feed: ReturnType<typeof parseFeed>;
  try {
    feed = parseFeed(xml);
  } catch {
    throw new FeedFetchError('not a feed');
  }
  const out: ExternalItem[] = [];
  for (const item of feed.items) {
    const title = plain(item.title).slice(0, 300);
    const link = item.url ?? '';
    if (!title || !/^https?:\/\//i.test(link)) continue;
    let url: string;
    try {
      url = new URL(link).toString();
    } catch {
      continue;
    }
    const date = item.published ?? item.updated;
    out.push({ title, url, date: date && !Number.isNaN(date.getTime()) ? date.toISOString() : null });
    if (out.length >= MAX_FEED_ITEMS) break;
  }
  return out;
}

/**
 * Fetches one school's feed and updates its cache: new items replace the old ones (the homepage's NOTIFY
 * follows); a failure keeps them and records the error. Never throws for the source's faults.
 */
export async function externalFeedRefresher(tenantId: string, url: string): Promise<{ ok: boolean; error?: string }> {
  let items: ExternalItem[] | undefined;
  let error: string | undefined;
  try {
    items = feedItemsOf(await feedFetcher(url));
  } catch (err) {
    if (!(err instanceof FeedFetchError)) throw err;
    error = err.message;
  }
  const tenant: { id: string; slug: string } | undefined = await systemDb()('tenants').where({ id: tenantId }).first('id', 'slug');
  if (!tenant) return { ok: false, error: 'no such school' };
  await tenantTx(tenant, async () => {
    const at = now();
    const row = await db()('external_feeds').where({ tenant_id: tenantId, url }).first();
    if (!row) return; // the tile was removed meanwhile
    if (items) {
      const changed = JSON.stringify(row.items) !== JSON.stringify(items);
      await db()('external_feeds')
        .where({ tenant_id: tenantId, url })
        .update({ ...(changed ? { items: JSON.stringify(items) } : {}), fetched_at: at, checked_at: at, last_error: null });
    } else {
      await db()('external_feeds').where({ tenant_id: tenantId, url }).update({ checked_at: at, last_error: error });
    }
  });
  if (error) log.warn({ tenantId, url, error }, 'homepage: external feed not refreshed (the cached items stay)');
  return items ? { ok: true } : { ok: false, error };
}

/** The URLs the school's draft or published feed tiles show. */
async function usedFeedUrls(): Promise<string[]> {
  const rows = await db()('homepage_versions').where({ tenant_id: currentTenant().id }).whereIn('status', ['draft', 'published']).select('tiles');
  const urls = new Set<string>();
  for (const r of rows) for (const t of (r.tiles ?? []) as any[]) if (t?.type === 'feed' && typeof t.settings?.url === 'string') urls.add(t.settings.url);
  return [...urls];
}

/**
 * In the tenant transaction that saves tiles: a cache row for each feed the draft or published version shows
 * (new ones get an immediate fetch, committed with the tile), and none for feeds no longer shown.
 */
export async function externalFeedsSync(opts: { refresh?: string[] } = {}): Promise<void> {
  const tenantId = currentTenant().id;
  const urls = await usedFeedUrls();
  if (urls.length) await db()('external_feeds').where({ tenant_id: tenantId }).whereNotIn('url', urls).delete();
  else await db()('external_feeds').where({ tenant_id: tenantId }).delete();
  for (const url of urls) {
    const inserted = await db()('external_feeds').insert({ tenant_id: tenantId, url }).onConflict(['tenant_id', 'url']).ignore().returning('url');
    if (inserted.length || opts.refresh?.includes(url)) await enqueueJob(FEED_QUEUE, { tenantId, url }, { singletonKey: `${tenantId} ${url}` });
  }
}

/** Every school's cached feeds, queued for a refresh (the cron run). */
async function everyFeedQueuer(): Promise<number> {
  const tenants: { id: string; slug: string }[] = await systemDb()('tenants').select('id', 'slug');
  let n = 0;
  for (const t of tenants) {
    const urls: { url: string }[] = await tenantTx(t, () => db()('external_feeds').where({ tenant_id: t.id }).select('url'));
    for (const { url } of urls) {
      await enqueueJob(FEED_QUEUE, { tenantId: t.id, url }, { singletonKey: `${t.id} ${url}` });
      n++;
    }
  }
  return n;
}

defineJob<{ tenantId?: string; url?: string }>(
  FEED_QUEUE,
  async (data) => {
    if (data.tenantId && data.url) await externalFeedRefresher(data.tenantId, data.url);
    else await everyFeedQueuer();
  },
  { cron: '*/20 * * * *' },
);
