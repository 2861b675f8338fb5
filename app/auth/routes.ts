import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { db, tenantTx } from '../db/index.js';
import { formBody, seeOther } from '../http/body.js';
import { render } from '../http/render.js';
import { recordAudit } from '../lib/audit.js';
import { hashPassword, needsRehash, verifyPassword } from './password.js';
import {
  clearCsrfCookie,
  clearSessionCookie,
  inTenantTx,
  requireMember,
  setSessionCookie,
} from './middleware.js';
import { memberSessionsInvalidator, sessionCreator, sessionInvalidator } from './session.js';
import { throttleFailureRecorder, throttleKeys, throttleLoginReset, throttleRetryAfter } from './throttle.js';

export const SignInSchema = z.object({
  login: z.string().trim().min(1).max(200),
  password: z.string().min(1).max(1024),
  suite: z.string().optional(),
});

const REFUSED = 'Identifiant ou mot de passe incorrect.';

/** Only a local path may follow sign-in (no open redirect). */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/espace';
  return next;
}

function signInPage(ctx: Context, data: { status?: number; error?: string; login?: string; suite?: string }) {
  render(
    ctx,
    { page: 'auth/login.njk', status: data.status },
    { title: 'Connexion', error: data.error, login: data.login ?? '', suite: data.suite ?? '' },
  );
  ctx.set('Cache-Control', 'no-store');
}

export const authRouter = new Router();

authRouter.get('/connexion', (ctx) => {
  if (ctx.state.member) return ctx.redirect(safeNext(ctx.query.suite));
  signInPage(ctx, { suite: typeof ctx.query.suite === 'string' ? ctx.query.suite : '' });
});

authRouter.post('/connexion', async (ctx) => {
  const body = formBody(ctx);
  const parsed = SignInSchema.safeParse(body);
  const login = typeof body.login === 'string' ? body.login.slice(0, 200) : '';
  const suite = typeof body.suite === 'string' ? body.suite : '';
  if (!parsed.success) return signInPage(ctx, { status: 422, error: 'Saisissez votre identifiant et votre mot de passe.', login, suite });
  const input = parsed.data;
  const tenant = ctx.state.tenant;
  const keys = throttleKeys(input.login, ctx.ip);

  await tenantTx(tenant, async () => {
    const wait = await throttleRetryAfter(keys);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      return signInPage(ctx, {
        status: 429,
        error: `Trop de tentatives. Réessayez dans ${Math.ceil(wait / 60)} minute${wait > 60 ? 's' : ''}.`,
        login: input.login,
        suite,
      });
    }
    // The account is global; a membership in *this* school is what lets it in here.
    const account = await db()('accounts').whereRaw('lower(login) = lower(?)', [input.login]).first('id', 'password_hash', 'disabled_at');
    const membership = account
      ? await db()('memberships').where({ tenant_id: tenant.id, account_id: account.id }).whereNull('left_at').first('id', 'profile')
      : undefined;
    const ok = await verifyPassword(membership && !account.disabled_at ? account.password_hash : null, input.password);
    if (!ok || !account || !membership) {
      await throttleFailureRecorder(keys);
      await recordAudit({ action: 'auth.sign_in_failed', actorAccountId: membership ? account.id : null, ip: ctx.ip });
      return signInPage(ctx, { status: 422, error: REFUSED, login: input.login, suite });
    }
    await throttleLoginReset(input.login);
    if (needsRehash(account.password_hash)) {
      await db()('accounts').where('id', account.id).update({ password_hash: await hashPassword(input.password) });
    }
    // A new token at every sign-in: a session cookie planted before is worthless after.
    const previous = ctx.state.member?.session.id;
    if (previous) await sessionInvalidator(previous);
    const { token, session } = await sessionCreator({ accountId: account.id, membershipId: membership.id, profile: membership.profile });
    await recordAudit({ action: 'auth.sign_in', actorAccountId: account.id, actorMembershipId: membership.id, ip: ctx.ip });
    setSessionCookie(ctx, token, session.absolute_expires_at);
    clearCsrfCookie(ctx);
    seeOther(ctx, safeNext(input.suite));
  });
});

authRouter.post('/deconnexion', inTenantTx, async (ctx) => {
  const member = ctx.state.member;
  if (member) {
    await sessionInvalidator(member.session.id);
    await recordAudit({ action: 'auth.sign_out', actorAccountId: member.accountId, actorMembershipId: member.membershipId, ip: ctx.ip });
  }
  clearSessionCookie(ctx);
  seeOther(ctx, '/');
});

authRouter.get('/preferences/sessions', requireMember, inTenantTx, async (ctx) => {
  const member = ctx.state.member;
  const sessions = await db()('sessions')
    .where({ tenant_id: member.tenantId, membership_id: member.membershipId })
    .orderBy('last_seen_at', 'desc')
    .select('id', 'created_at', 'last_seen_at');
  render(ctx, { page: 'auth/sessions.njk' }, {
    title: 'Mes sessions',
    sessions: sessions.map((s: { id: string }) => ({ ...s, current: s.id === member.session.id })),
    ended: ctx.query.fin === '1',
  });
});

authRouter.post('/preferences/sessions/autres', requireMember, inTenantTx, async (ctx) => {
  const member = ctx.state.member;
  const n = await memberSessionsInvalidator(member.membershipId, member.session.id);
  await recordAudit({
    action: 'auth.other_sessions_ended',
    actorAccountId: member.accountId,
    actorMembershipId: member.membershipId,
    details: { count: n },
    ip: ctx.ip,
  });
  seeOther(ctx, '/preferences/sessions?fin=1');
});
