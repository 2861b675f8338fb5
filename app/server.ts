import crypto from 'node:crypto';
import path from 'node:path';
import { ROOT } from './paths.js';
import Koa, { type Context, type Next } from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import serve from 'koa-static';
import { config } from './config.js';
import { currentDatabase } from './db/index.js';
import { csrfToken, isHttps, loadMember, verifyCsrf } from './auth/middleware.js';
import { authRouter } from './auth/routes.js';
import { ERROR_PAGES, HttpError } from './http/errors.js';
import { formParser } from './http/body.js';
import { render } from './http/render.js';
import { log } from './lib/log.js';
import { hostOf, tenantForHost } from './tenancy/registry.js';
import { tenantAssetsRouter } from './tenancy/assets.js';
import { homepageRouter } from './modules/homepage/routes.js';
import { pageCache } from './http/page-cache.js';
import { securityHeadersFor } from './http/security-headers.js';
import { dashboardRouter } from './modules/dashboard/routes.js';
import { adminRouter } from './modules/admin/routes.js';
import { publicPublicationRouter } from './modules/publication/public-routes.js';
import { editorRouter } from './modules/publication/editor-routes.js';
import { mediaRouter } from './modules/publication/media-routes.js';
import { noticesRouter } from './modules/notices/routes.js';
import { agendaRouter } from './modules/agenda/routes.js';
import { messagingRouter } from './modules/messaging/routes.js';
import { messagingSettingsRouter } from './modules/messaging/settings-routes.js';
import { broadcastsRouter, mailingListsRouter, outboxAdminRouter } from './modules/mailing/routes.js';


/** Shared state between the server and the process: readiness goes off first on SIGTERM. */
export const lifecycle = { ready: true };

/** Request id, timing and one log line per request with its school. */
async function requestLog(ctx: Context, next: Next) {
  const started = process.hrtime.bigint();
  // A proxy's request id is kept when it looks like one, so logs of both can be joined.
  const given = ctx.get('X-Request-Id');
  const id = /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : crypto.randomUUID();
  ctx.state.requestId = id;
  ctx.set('X-Request-Id', id);
  try {
    await next();
  } finally {
    const level = ctx.status >= 500 ? 'error' : 'info';
    if (log.isLevelEnabled(level)) {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const line = { req: id, tenant: ctx.state.tenant?.slug, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10 };
      log[level](line, 'request');
    }
  }
}

function isDatabaseDown(err: any): boolean {
  const code = String(err?.code ?? '');
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P02', '57P03', '53300', '08006', '08001', '08003'].includes(code) ||
    /Knex: Timeout acquiring a connection|Connection terminated/.test(String(err?.message))
  );
}

/** Every error becomes a French page (or a bare fragment for htmx); unexpected ones are logged, never shown. */
async function errorPages(ctx: Context, next: Next) {
  try {
    await next();
    if (ctx.status === 404 && ctx.body == null) throw new HttpError(404, 'not_found');
    if (ctx.status === 405 && (ctx.body == null || typeof ctx.body === 'string')) throw new HttpError(405, 'method_not_allowed');
  } catch (err: any) {
    let status = 500;
    let headers: Record<string, string> = {};
    if (err instanceof HttpError) {
      status = err.status;
      headers = err.headers;
    } else if (isDatabaseDown(err)) {
      status = 503;
      headers = { 'Retry-After': '5' };
      log.warn({ req: ctx.state.requestId, err: err.message }, 'database unavailable');
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      status = err.status; // body parser: 413, 415, 400
    } else {
      log.error({ req: ctx.state.requestId, tenant: ctx.state.tenant?.slug, err }, 'unexpected error');
    }
    const page = ERROR_PAGES[status] ?? ERROR_PAGES[500];
    ctx.set(headers);
    ctx.set('Cache-Control', 'no-store');
    render(ctx, { page: 'errors/error.njk', fragment: 'errors/_error.njk', status }, { title: page.title, error: page, status });
  }
}

/** The request's school, from its Host; an unknown host gets a 404 page and no data. */
async function resolveTenant(ctx: Context, next: Next) {
  const tenant = await tenantForHost(hostOf(ctx.get('Host')), config().publicBaseDomain);
  if (!tenant) throw new HttpError(404, 'unknown_host');
  ctx.state.tenant = tenant;
  await next();
}

async function health(ctx: Context, next: Next) {
  if (ctx.path === '/healthz') {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
    return;
  }
  if (ctx.path === '/readyz') {
    ctx.set('Cache-Control', 'no-store');
    if (!lifecycle.ready) {
      ctx.status = 503;
      ctx.body = { status: 'stopping' };
      return;
    }
    try {
      await Promise.race([
        currentDatabase().knex.raw('select 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000)),
      ]);
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'database unavailable' };
    }
    return;
  }
  await next();
}

async function securityHeaders(ctx: Context, next: Next) {
  ctx.set(securityHeadersFor(isHttps(ctx)));
  await next();
}

/** Every feature's routes, in the order they are tried (tests walk this list to cover every route). */
export const ROUTERS = [
  tenantAssetsRouter,
  homepageRouter,
  publicPublicationRouter,
  agendaRouter,
  mediaRouter,
  authRouter,
  dashboardRouter,
  editorRouter,
  noticesRouter,
  adminRouter,
  mailingListsRouter,
  broadcastsRouter,
  outboxAdminRouter,
  messagingRouter,
  messagingSettingsRouter,
];

/** Builds the Koa application. The order of the middleware below is the architecture. */
export function createApp(): Koa {
  const app = new Koa();
  app.proxy = config().trustProxy;
  // Behind one trusted proxy, the client is the last X-Forwarded-For entry, the one that proxy added: earlier
  // entries come from the client and would let it pick the IP the throttles count.
  app.maxIpsCount = 1;

  app.use(requestLog);
  app.use(health);
  app.use(securityHeaders);
  app.use(errorPages);
  // Static files are the same for every school: served before any tenant or session work.
  const staticFiles = serve(path.join(ROOT, 'static'), { maxage: 7 * 24 * 3600 * 1000, gzip: false, brotli: false });
  app.use(async (ctx, next) => {
    if (ctx.path.startsWith('/static/')) {
      const original = ctx.path;
      ctx.path = original.slice('/static'.length);
      await staticFiles(ctx, async () => {});
      ctx.path = original;
      if (ctx.body == null) throw new HttpError(404, 'not_found');
      return;
    }
    await next();
  });
  app.use(resolveTenant);
  // Visitors' public pages are served from bytes kept per school, before any body, session or transaction work.
  app.use(pageCache);
  const parseForm = formParser('256kb');
  const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: '256kb' });
  app.use((ctx, next) => (ctx.method === 'GET' || ctx.method === 'HEAD' ? next() : parseForm(ctx, () => parseJson(ctx, next))));
  app.use(loadMember);
  app.use(csrfToken);
  app.use(verifyCsrf);
  // Every feature's routes under one router, so one allowedMethods answers 405 for all of them.
  const root = new Router();
  for (const router of ROUTERS) root.use(router.routes());
  app.use(root.routes());
  app.use(root.allowedMethods());
  app.on('error', () => {
    /* already answered and logged by errorPages */
  });
  return app;
}
