import crypto from 'node:crypto';
import type { Context, Next } from 'koa';
import { config } from '../config.js';
import { tenantTx } from '../db/index.js';
import { formBody, seeOther } from '../http/body.js';
import { HttpError } from '../http/errors.js';
import { servicesFor } from '../rights/policy.js';
import { memberForSession } from './member.js';
import { randomToken, sessionIdOf, sessionInvalidator } from './session.js';

/** Whether this request reached us over TLS: configured, or told by a trusted proxy. Never NODE_ENV. */
export function isHttps(ctx: Context): boolean {
  return config().https || (config().trustProxy && ctx.secure);
}

export function sessionCookieName(ctx: Context): string {
  return isHttps(ctx) ? '__Host-preau_session' : 'preau_session';
}

export function csrfCookieName(ctx: Context): string {
  return isHttps(ctx) ? '__Host-preau_csrf' : 'preau_csrf';
}

function cookieOptions(ctx: Context, maxAgeMs?: number) {
  if (isHttps(ctx)) (ctx.cookies as unknown as { secure: boolean }).secure = true;
  return { httpOnly: true, sameSite: 'lax' as const, secure: isHttps(ctx), path: '/', overwrite: true, maxAge: maxAgeMs };
}

export function setSessionCookie(ctx: Context, token: string, expiresAt: Date): void {
  ctx.cookies.set(sessionCookieName(ctx), token, cookieOptions(ctx, expiresAt.getTime() - Date.now()));
}

export function clearSessionCookie(ctx: Context): void {
  ctx.cookies.set(sessionCookieName(ctx), '', { ...cookieOptions(ctx), maxAge: 0 });
}

export function clearCsrfCookie(ctx: Context): void {
  ctx.cookies.set(csrfCookieName(ctx), '', { ...cookieOptions(ctx), maxAge: 0 });
}

/**
 * Loads the signed-in member in one round trip, without holding a transaction: a page that needs the
 * database runs in the school's transaction through `inTenantTx` (or tenantTx in its handler).
 */
export async function loadMember(ctx: Context, next: Next): Promise<void> {
  const token = ctx.cookies.get(sessionCookieName(ctx));
  if (!token || !/^[a-z2-7]{32}$/.test(token)) return next();
  const tenant = ctx.state.tenant;
  const member = await memberForSession(tenant, sessionIdOf(token));
  if (member && !member.disabled && !member.expired) {
    ctx.state.member = member;
    ctx.state.services = servicesFor(member.rights);
  } else {
    // An expired session, or one whose account was disabled, is deleted, not just ignored.
    if (member) await tenantTx(tenant, () => sessionInvalidator(member.session.id));
    clearSessionCookie(ctx);
  }
  await next();
}

/** Runs the rest of the request inside the school's transaction (routes that read or write its rows). */
export function inTenantTx(ctx: Context, next: Next): Promise<void> {
  return tenantTx(ctx.state.tenant, () => next());
}

/**
 * The CSRF token of the request: a signed-in member's comes from the session; a visitor's is a random value
 * in a cookie set the first time a form needs it (double submit). Pages that show no form set no cookie.
 */
export async function csrfToken(ctx: Context, next: Next): Promise<void> {
  let cached: string | undefined;
  ctx.state.csrfToken = () => {
    if (cached) return cached;
    if (ctx.state.member) return (cached = ctx.state.member.session.csrf_token as string);
    const existing = ctx.cookies.get(csrfCookieName(ctx));
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return (cached = existing);
    cached = randomToken();
    ctx.cookies.set(csrfCookieName(ctx), cached, cookieOptions(ctx));
    return cached;
  };
  await next();
}

function sameToken(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || typeof b !== 'string' || !a || a.length !== b.length) return false;
  return crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

// [mailing, issue 5] The one-click unsubscribe URL of list mails (app/modules/mailing/routes.ts).
const ONE_CLICK_PATH = /^\/listes\/desabonnement\/[A-Za-z0-9_-]{43}$/;

function isOneClickUnsubscribe(ctx: Context): boolean {
  return ctx.method === 'POST' && ONE_CLICK_PATH.test(ctx.path) && formBody(ctx)['List-Unsubscribe'] === 'One-Click';
}

/**
 * Refuses a state change that comes from another site (Origin or Sec-Fetch-Site), or that lacks the form's
 * `_csrf` field or htmx's X-CSRF-Token header. Another school's host counts as another site.
 */
export async function verifyCsrf(ctx: Context, next: Next): Promise<void> {
  if (SAFE_METHODS.has(ctx.method)) return next();
  // [mailing, issue 5] The one exemption: a one-click unsubscribe (RFC 8058) is POSTed by the recipient's
  // mail system without cookies or Origin; its unguessable token in the path is the credential, and all it
  // can do is end that one subscription. Only that path AND the RFC's exact body qualify.
  if (isOneClickUnsubscribe(ctx)) return next();
  const site = ctx.get('Sec-Fetch-Site');
  if (site && site !== 'same-origin' && site !== 'none') throw new HttpError(403, 'csrf_foreign_site');
  const origin = ctx.get('Origin');
  if (origin) {
    let host = '';
    try {
      host = new URL(origin).host;
    } catch {
      /* a malformed Origin is foreign */
    }
    if (host !== ctx.get('Host')) throw new HttpError(403, 'csrf_foreign_origin');
  }
  const expected = ctx.state.member
    ? ctx.state.member.session.csrf_token
    : ctx.cookies.get(csrfCookieName(ctx));
  // A multipart upload is not parsed yet at this point: without JavaScript its form carries the token in the
  // action's query string (the page that holds it is the member's own; logs record the path only).
  const fromQuery = ctx.is('multipart') ? ctx.query._csrf : undefined;
  const sent = ctx.get('X-CSRF-Token') || formBody(ctx)._csrf || fromQuery;
  if (!sameToken(sent, expected)) throw new HttpError(403, 'csrf_token');
  await next();
}

/** Routes for members only: a visitor goes to the sign-in page and comes back after. */
export async function requireMember(ctx: Context, next: Next): Promise<void> {
  if (!ctx.state.member) {
    if (ctx.method === 'GET') {
      seeOther(ctx, `/connexion?suite=${encodeURIComponent(ctx.originalUrl)}`);
      return;
    }
    throw new HttpError(401, 'unauthenticated');
  }
  ctx.set('Cache-Control', 'no-store');
  await next();
}
