import type { Context, Next } from 'koa';
import pg from 'pg';
import { isHttps, sessionCookieName } from '../auth/middleware.js';
import { config } from '../config.js';
import { currentDatabase, systemDb } from '../db/index.js';
import { now } from '../lib/clock.js';
import { log } from '../lib/log.js';

/**
 * Visitors' public pages — the homepage, rubric pages, article pages — cached per school as bytes and served
 * before any session or database work (every family opens the same pages at 8:00 on a Monday).
 *
 * Mount `pageCache` in app/server.ts right after `resolveTenant` (it needs ctx.state.tenant and nothing
 * else), before the body parser, loadMember and the CSRF middleware. A route opts in by setting
 * `ctx.state.pageCache` (PageCacheHint) on a visitor's page; nothing else is ever stored. Members (a session
 * cookie), htmx requests and addresses with other query strings than `?page=N` always reach the routes.
 *
 * An entry is served while (1) nobody has changed what it shows: every committed change to articles,
 * rubrics, media, homepage versions, notices, events or the tenant row sends NOTIFY preau_homepage '<tenant
 * id>' (migration 20261123002700), heard here on a connection of its own (PostgreSQL) or on PGlite's one
 * connection, and drops the school's entries and those of the schools showing that institution's news;
 * (2) its "valid until" has not passed: the next scheduled publish/expiry (and, for the homepage, notice and
 * event start/end) after it was rendered, at most MAX_AGE_MS. Until the listener is up nothing is cached.
 * The builder's changes also drop the entries in-process right after their commit.
 */

const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 20_000;
/** The process's memory target is 250 MB: the cache keeps at most this many bytes of pages. */
const MAX_BYTES = 48 * 1024 * 1024;
export const PAGE_CHANNEL = 'preau_homepage';

interface Entry {
  body: Buffer;
  type: string;
  cacheControl: string;
  vary: string;
  validUntil: number;
  /** Tenants whose changes alter this page: the school and the institutions it shows. */
  deps: string[];
}

const entries = new Map<string, Entry>();
/** Keys of the entries each tenant's changes drop. */
const keysByDep = new Map<string, Set<string>>();
let storedBytes = 0;
let listening: Promise<boolean> | undefined;
let listenerOk = false;
let pgListener: pg.Client | undefined;
/** Bumped by every invalidation: a page rendered while one happened may be stale and is not kept. */
let generation = 0;

/** Drops the cached pages of this tenant, and of every school showing this institution's news. */
export function pageCacheInvalidator(tenantId: string): void {
  generation++;
  const keys = keysByDep.get(tenantId);
  if (!keys) return;
  keysByDep.delete(tenantId);
  for (const key of keys) drop(key);
}

function drop(key: string) {
  const e = entries.get(key);
  if (!e) return;
  storedBytes -= e.body.length;
  entries.delete(key);
}

/** Drops every cached page (a lost listener may have missed notifications). */
export function pageCacheClearer(): void {
  generation++;
  entries.clear();
  keysByDep.clear();
  storedBytes = 0;
}

export function cachedPageCount(): number {
  return entries.size;
}

export function cachedPageBytes(): number {
  return storedBytes;
}

function store(key: string, entry: Entry) {
  drop(key);
  // Full: start again rather than track recency; the hot pages come back within seconds.
  if (entries.size >= MAX_ENTRIES || storedBytes + entry.body.length > MAX_BYTES) pageCacheClearer();
  entries.set(key, entry);
  storedBytes += entry.body.length;
  for (const dep of entry.deps) {
    let keys = keysByDep.get(dep);
    if (!keys) keysByDep.set(dep, (keys = new Set()));
    keys.add(key);
  }
}

function onNotification(msg: { channel: string; payload?: string }) {
  if (msg.channel === PAGE_CHANNEL && msg.payload) pageCacheInvalidator(msg.payload);
}

async function startListening(): Promise<boolean> {
  try {
    const database = currentDatabase();
    const url = config().databaseUrl;
    if (!database.embedded && url) {
      const client = new pg.Client({ connectionString: url });
      client.on('notification', onNotification);
      client.on('error', (err) => {
        log.warn({ err: err.message }, 'page cache listener lost');
        listenerOk = false;
        listening = undefined;
        pageCacheClearer();
        client.end().catch(() => {});
      });
      await client.connect();
      await client.query(`listen ${PAGE_CHANNEL}`);
      pgListener = client;
    } else {
      // PGlite: one connection shared by everything; it receives its own notifications at commit.
      const knexClient = (database.knex as any).client;
      const conn = await knexClient.acquireConnection();
      try {
        conn.on('notification', onNotification);
        await new Promise<void>((resolve, reject) => conn.query(`listen ${PAGE_CHANNEL}`, (err: Error | null) => (err ? reject(err) : resolve())));
      } finally {
        await knexClient.releaseConnection(conn);
      }
    }
    listenerOk = true;
    return true;
  } catch (err: any) {
    log.warn({ err: err?.message }, 'page cache listener not started: no caching');
    listening = undefined;
    return false;
  }
}

/** Starts the listener (once); the cache stays off until it is up. */
export function pageCacheListenerStarter(): Promise<boolean> {
  listening ??= startListening();
  return listening;
}

/** Stops the PostgreSQL listener (graceful shutdown, tests). */
export async function pageCacheListenerStopper(): Promise<void> {
  const c = pgListener;
  pgListener = undefined;
  listening = undefined;
  listenerOk = false;
  pageCacheClearer();
  if (c) await c.end().catch(() => {});
}

/** Only the query strings public pages use; anything else would let junk addresses fill the cache. */
const CACHEABLE_QUERY = /^(page=\d{1,4})?$/;

function cacheable(ctx: Context): boolean {
  return (
    (ctx.method === 'GET' || ctx.method === 'HEAD') &&
    CACHEABLE_QUERY.test(ctx.querystring) &&
    !ctx.get('HX-Request') &&
    !ctx.cookies.get(sessionCookieName(ctx))
  );
}

/** What a route tells the cache about the visitor's page it rendered. */
export interface PageCacheHint {
  /** When the page changes by itself (a scheduled time), if the route knows. */
  validUntil?: Date | null;
  /** Other tenants whose changes alter the page (the institutions whose news it shows). */
  deps?: string[];
  /** The page lists or links articles: it changes at the school's next scheduled publication or expiry. */
  followsPublication?: boolean;
}

/** The school's next scheduled publication or expiry (migration 20261123106100), read once per stored page. */
async function nextPublicationChange(tenantId: string): Promise<Date | null> {
  const { rows } = await systemDb().raw('select next_publication_change(?, ?) as at', [tenantId, now()]);
  return rows[0]?.at ? new Date(rows[0].at) : null;
}

/** The middleware (see the comment at the top for where to mount it). */
export async function pageCache(ctx: Context, next: Next): Promise<void> {
  if (!cacheable(ctx)) return next();
  const tenantId: string = ctx.state.tenant.id;
  // Keyed by the address too: pages link to the institutions' portals the way the school was reached.
  const key = `${tenantId} ${isHttps(ctx) ? 'https' : 'http'}://${ctx.get('Host').toLowerCase()}${ctx.url}`;
  const hit = entries.get(key);
  if (hit && listenerOk) {
    if (hit.validUntil > now().getTime()) {
      ctx.status = 200;
      ctx.type = hit.type;
      ctx.set('Cache-Control', hit.cacheControl);
      if (hit.vary) ctx.set('Vary', hit.vary);
      ctx.set('X-Page-Cache', 'hit');
      ctx.body = hit.body;
      return;
    }
    drop(key);
  }
  if (!listenerOk) void pageCacheListenerStarter();
  const startedAt = generation;
  await next();
  const hint: PageCacheHint | undefined = ctx.state.pageCache;
  if (!hint || !listenerOk || ctx.status !== 200 || typeof ctx.body !== 'string' || ctx.response.get('Set-Cookie')) return;
  const body = ctx.body;
  const at = now().getTime();
  let until = Math.min(at + MAX_AGE_MS, hint.validUntil ? hint.validUntil.getTime() : Infinity);
  if (hint.followsPublication) {
    const next = await nextPublicationChange(tenantId);
    if (next) until = Math.min(until, next.getTime());
  }
  // A change heard while the page was made may not be in it: such a page is served, not kept.
  if (generation !== startedAt || until <= at) return;
  store(key, {
    body: Buffer.from(body),
    type: String(ctx.response.get('Content-Type') || 'text/html; charset=utf-8'),
    cacheControl: String(ctx.response.get('Cache-Control') || 'public, max-age=60'),
    vary: String(ctx.response.get('Vary') || ''),
    validUntil: until,
    deps: [tenantId, ...(hint.deps ?? [])],
  });
  ctx.set('X-Page-Cache', 'miss');
}
