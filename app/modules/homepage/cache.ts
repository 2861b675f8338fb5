import type { Context, Next } from 'koa';
import pg from 'pg';
import { isHttps, sessionCookieName } from '../../auth/middleware.js';
import { config } from '../../config.js';
import { currentDatabase } from '../../db/index.js';
import { now } from '../../lib/clock.js';
import { log } from '../../lib/log.js';

/**
 * The visitors' homepage, cached per school as bytes and served before any session or database work.
 *
 * Mount `homepageCache` in app/server.ts right after `resolveTenant` (it needs ctx.state.tenant and nothing
 * else), before the body parser, loadMember and the CSRF middleware.
 *
 * An entry is served while (1) nobody has changed what it shows: every committed change to articles,
 * rubrics, media, homepage versions, notices, events or the tenant row sends NOTIFY preau_homepage '<tenant
 * id>' (migration 20261123002700), heard here on a connection of its own (PostgreSQL) or on PGlite's one
 * connection, and drops the school's entry and those of the schools showing that institution's news;
 * (2) its "valid until" has not passed: the next scheduled publish/expiry/start/end after it was rendered,
 * at most MAX_AGE_MS. Until the listener is up nothing is cached. The builder's changes also drop the entry
 * in-process right after their commit.
 */

const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 20_000;
export const HOMEPAGE_CHANNEL = 'preau_homepage';

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
let listening: Promise<boolean> | undefined;
let listenerOk = false;
let pgListener: pg.Client | undefined;
/** Bumped by every invalidation: a page rendered while one happened may be stale and is not kept. */
let generation = 0;

/** Drops the cached homepage of this tenant, and of every school showing this institution's news. */
export function homepageInvalidator(tenantId: string): void {
  generation++;
  for (const [key, e] of entries) if (e.deps.includes(tenantId)) entries.delete(key);
}

/** Drops every cached homepage (a lost listener may have missed notifications). */
export function homepageCacheClearer(): void {
  generation++;
  entries.clear();
}

export function cachedHomepageCount(): number {
  return entries.size;
}

function onNotification(msg: { channel: string; payload?: string }) {
  if (msg.channel === HOMEPAGE_CHANNEL && msg.payload) homepageInvalidator(msg.payload);
}

async function startListening(): Promise<boolean> {
  try {
    const database = currentDatabase();
    const url = config().databaseUrl;
    if (!database.embedded && url) {
      const client = new pg.Client({ connectionString: url });
      client.on('notification', onNotification);
      client.on('error', (err) => {
        log.warn({ err: err.message }, 'homepage cache listener lost');
        listenerOk = false;
        listening = undefined;
        homepageCacheClearer();
        client.end().catch(() => {});
      });
      await client.connect();
      await client.query(`listen ${HOMEPAGE_CHANNEL}`);
      pgListener = client;
    } else {
      // PGlite: one connection shared by everything; it receives its own notifications at commit.
      const knexClient = (database.knex as any).client;
      const conn = await knexClient.acquireConnection();
      try {
        conn.on('notification', onNotification);
        await new Promise<void>((resolve, reject) => conn.query(`listen ${HOMEPAGE_CHANNEL}`, (err: Error | null) => (err ? reject(err) : resolve())));
      } finally {
        await knexClient.releaseConnection(conn);
      }
    }
    listenerOk = true;
    return true;
  } catch (err: any) {
    log.warn({ err: err?.message }, 'homepage cache listener not started: no caching');
    listening = undefined;
    return false;
  }
}

/** Starts the listener (once); the cache stays off until it is up. */
export function homepageListenerStarter(): Promise<boolean> {
  listening ??= startListening();
  return listening;
}

/** Stops the PostgreSQL listener (graceful shutdown, tests). */
export async function homepageListenerStopper(): Promise<void> {
  const c = pgListener;
  pgListener = undefined;
  listening = undefined;
  listenerOk = false;
  entries.clear();
  if (c) await c.end().catch(() => {});
}

function cacheable(ctx: Context): boolean {
  return (
    (ctx.method === 'GET' || ctx.method === 'HEAD') &&
    ctx.path === '/' &&
    ctx.querystring === '' &&
    !ctx.get('HX-Request') &&
    !ctx.cookies.get(sessionCookieName(ctx))
  );
}

/** What the homepage route tells the cache about the page it rendered. */
export interface HomepageCacheHint {
  validUntil: Date | null;
  deps: string[];
}

/** The middleware (see the comment at the top for where to mount it). */
export async function homepageCache(ctx: Context, next: Next): Promise<void> {
  if (!cacheable(ctx)) return next();
  const tenantId: string = ctx.state.tenant.id;
  // Keyed by the address too: the page links to the institutions' portals the way it was reached.
  const key = `${tenantId} ${isHttps(ctx) ? 'https' : 'http'}://${ctx.get('Host').toLowerCase()}`;
  const hit = entries.get(key);
  if (hit && listenerOk) {
    if (hit.validUntil > now().getTime()) {
      ctx.status = 200;
      ctx.type = hit.type;
      ctx.set('Cache-Control', hit.cacheControl);
      if (hit.vary) ctx.set('Vary', hit.vary);
      ctx.set('X-Homepage-Cache', 'hit');
      ctx.body = hit.body;
      return;
    }
    entries.delete(key);
  }
  if (!listenerOk) void homepageListenerStarter();
  const startedAt = generation;
  await next();
  const hint: HomepageCacheHint | undefined = ctx.state.homepageCache;
  if (!hint || !listenerOk || generation !== startedAt || ctx.status !== 200 || typeof ctx.body !== 'string' || ctx.response.get('Set-Cookie')) return;
  const at = now().getTime();
  const validUntil = Math.min(at + MAX_AGE_MS, hint.validUntil ? hint.validUntil.getTime() : Infinity);
  if (validUntil <= at) return;
  if (entries.size >= MAX_ENTRIES) entries.clear();
  entries.set(key, {
    body: Buffer.from(ctx.body),
    type: String(ctx.response.get('Content-Type') || 'text/html; charset=utf-8'),
    cacheControl: String(ctx.response.get('Cache-Control') || 'public, max-age=60'),
    vary: String(ctx.response.get('Vary') || ''),
    validUntil,
    deps: [tenantId, ...hint.deps],
  });
  ctx.set('X-Homepage-Cache', 'miss');
}
