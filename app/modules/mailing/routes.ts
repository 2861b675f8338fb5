import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import type { Member } from '../../auth/member.js';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { tenantTx } from '../../db/index.js';
import { formBody, seeOther } from '../../http/body.js';
import { forbidden, notFound } from '../../http/errors.js';
import { wantsFragment } from '../../http/htmx.js';
import { render } from '../../http/render.js';
import { isUuid } from '../../lib/ids.js';
import { authorize } from '../../rights/policy.js';
import { authorizeAdministration } from '../admin/policy.js';
import { canManageRubric, canReadRubric } from '../publication/policy.js';
import { rubricById, rubricBySlug, type Rubric } from '../publication/rubrics.js';
import { fieldErrors } from '../publication/schemas.js';
import { AUDIENCE_PROFILES, AudienceError, AudienceSchema, audienceChoices, checkAudience, resolveAudience, SCOPE_ROLES } from './audience.js';
import { BroadcastMessageSchema, broadcastById, broadcastHistory, broadcastProgress, broadcastSender } from './broadcasts.js';
import { outboxCounts } from './outbox.js';
import { deadLetterById, deadLetterRetrier, latestDeadLetters } from './outbox-admin.js';
import {
  isToken,
  listSwitcher,
  memberAddress,
  memberSubscriber,
  memberSubscription,
  memberUnsubscriber,
  pendingConfirmation,
  subscriptionConfirmer,
  subscriptionEnder,
  subscriptionOfUnsubscribeToken,
  visitorSubscriber,
} from './lists.js';
import { throttleRequestCounter } from '../../auth/throttle.js';
import { listThrottleKeys, waitInWords } from './list-throttle.js';

const member = (ctx: Context) => ctx.state.member as Member;
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

// ========================================================================================================
// Rubric mailing lists: subscription page, double opt-in, one-click unsubscribe, the manager's switch.

export const mailingListsRouter = new Router();

type ListRubric = Rubric & { mailing_list_enabled: boolean };

/** The rubric of the slug when its list is open to this reader (else 404: nothing to subscribe to). */
async function listRubricOr404(ctx: Context): Promise<ListRubric> {
  const slug = ctx.params.slug ?? '';
  if (!SLUG.test(slug)) throw notFound();
  const rubric = (await rubricBySlug(slug)) as ListRubric | undefined;
  if (!rubric || rubric.archived_at || !rubric.mailing_list_enabled || !canReadRubric(ctx.state.member, rubric)) throw notFound();
  // A visitor may subscribe to a public rubric only.
  if (!ctx.state.member && rubric.visibility !== 'public') throw notFound();
  return rubric;
}

export const VisitorSubscriptionSchema = z.object({
  email: z.string({ message: 'Indiquez votre adresse électronique.' }).trim().min(1, 'Indiquez votre adresse électronique.').max(320, 'Adresse trop longue.').email('Adresse électronique invalide (exemple : prenom.nom@exemple.fr).'),
});

async function subscriptionPage(ctx: Context, rubric: ListRubric, extra: Record<string, unknown> = {}, status = 200) {
  const m = ctx.state.member as Member | undefined;
  const subscribed = m ? Boolean(await memberSubscription(rubric.id, m.membershipId)) : false;
  const address = m ? await memberAddress(m.membershipId) : null;
  ctx.set('Cache-Control', 'no-store');
  render(ctx, { page: 'mailing/subscribe.njk', fragment: 'mailing/_subscribe.njk', status }, { title: `Liste de diffusion — ${rubric.name}`, rubric, subscribed, address, values: {}, errors: {}, ...extra });
}

mailingListsRouter.get('/rubriques/:slug/abonnement', (ctx) =>
  tenantTx(ctx.state.tenant, async () => {
    const rubric = await listRubricOr404(ctx);
    await subscriptionPage(ctx, rubric);
  }),
);

mailingListsRouter.post('/rubriques/:slug/abonnement', (ctx) =>
  tenantTx(ctx.state.tenant, async () => {
    const rubric = await listRubricOr404(ctx);
    const m = ctx.state.member as Member | undefined;
    const body = formBody(ctx);
    if (m) {
      if (body.action === 'unsubscribe') await memberUnsubscriber(rubric, m);
      else await memberSubscriber(rubric, m);
      return subscriptionPage(ctx, rubric, { announce: body.action === 'unsubscribe' ? 'Vous êtes désabonné(e) de la liste.' : 'Vous êtes abonné(e) à la liste.' });
    }
    const parsed = VisitorSubscriptionSchema.safeParse(body);
    if (!parsed.success) return subscriptionPage(ctx, rubric, { values: { email: String(body.email ?? '') }, errors: fieldErrors(parsed.error) }, 422);
    // Per address and per client (list-throttle.ts): over the limit, no mail, the form again with the address.
    const wait = await throttleRequestCounter(listThrottleKeys(parsed.data.email, ctx.ip));
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      const throttled = `Trop de demandes d’abonnement en peu de temps : aucun courriel n’a été envoyé. Réessayez dans ${waitInWords(wait)}.`;
      return subscriptionPage(ctx, rubric, { values: { email: parsed.data.email }, throttled }, 429);
    }
    await visitorSubscriber(rubric, parsed.data.email);
    return subscriptionPage(ctx, rubric, { sentTo: parsed.data.email });
  }),
);

// Double opt-in: the link shows a button (a link scanner opening it confirms nothing); the POST confirms.
mailingListsRouter.get('/listes/confirmation/:token', (ctx) =>
  tenantTx(ctx.state.tenant, async () => {
    const pending = await pendingConfirmation(ctx.params.token ?? '');
    ctx.set('Cache-Control', 'no-store');
    render(ctx, { page: 'mailing/confirm.njk', status: pending ? 200 : 404 }, { title: 'Confirmer l’abonnement', pending, token: ctx.params.token });
  }),
);

mailingListsRouter.post('/listes/confirmation/:token', (ctx) =>
  tenantTx(ctx.state.tenant, async () => {
    const pending = await pendingConfirmation(ctx.params.token ?? '');
    if (!pending) throw notFound();
    await subscriptionConfirmer(pending.id);
    ctx.set('Cache-Control', 'no-store');
    render(ctx, { page: 'mailing/confirm.njk' }, { title: 'Abonnement confirmé', confirmed: pending });
  }),
);

// One-click unsubscribe (RFC 8058). GET shows a button; POST (from that button, or from the mail client with
// `List-Unsubscribe=One-Click`, without cookies: exempt from the CSRF check, the token is the credential)
// ends the subscription at once.
mailingListsRouter.get('/listes/desabonnement/:token', (ctx) =>
  tenantTx(ctx.state.tenant, async () => {
    const sub = await subscriptionOfUnsubscribeToken(ctx.params.token ?? '');
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    render(ctx, { page: 'mailing/unsubscribe.njk', status: sub ? 200 : 404 }, { title: 'Se désabonner', sub, token: ctx.params.token });
  }),
);

mailingListsRouter.post('/listes/desabonnement/:token', (ctx) =>
  tenantTx(ctx.state.tenant, async () => {
    const token = ctx.params.token ?? '';
    const sub = isToken(token) ? await subscriptionOfUnsubscribeToken(token) : undefined;
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    // Already unsubscribed (the token went with the subscription) or unknown: the same answer, 200, so a mail
    // client retrying does not see an error, and a guess learns nothing.
    if (sub) await subscriptionEnder(sub.id);
    render(ctx, { page: 'mailing/unsubscribe.njk' }, { title: 'Désabonnement', done: true, rubricName: sub?.rubric_name });
  }),
);

// The rubric manager's switch (audited), from the rubric administration page.
mailingListsRouter.post('/publication/rubriques/:id/liste-de-diffusion', requireMember, inTenantTx, async (ctx) => {
  if (!isUuid(ctx.params.id)) throw notFound();
  const rubric = (await rubricById(ctx.params.id)) as ListRubric | undefined;
  if (!rubric) throw notFound();
  if (!canManageRubric(member(ctx), rubric)) throw forbidden();
  const enabled = formBody(ctx).enabled === 'on' || formBody(ctx).enabled === 'true';
  await listSwitcher({ actor: member(ctx), rubric, enabled, ip: ctx.ip });
  seeOther(ctx, `/publication/rubriques#rubrique-${rubric.id}`);
});

// ========================================================================================================
// Targeted broadcasts: /publication/communication-ciblee (service `mailing`, manager: head and admins).

export const broadcastsRouter = new Router({ prefix: '/publication/communication-ciblee' });

broadcastsRouter.use(requireMember, inTenantTx, async (ctx, next: Next) => {
  authorize(member(ctx).rights, 'mailing', ['manager']);
  await next();
});

type FormValues = Record<string, unknown>;

function rawValues(body: Record<string, unknown>): FormValues {
  const many = (k: string) => (body[k] == null || body[k] === '' ? [] : Array.isArray(body[k]) ? (body[k] as unknown[]).map(String) : [String(body[k])]);
  return {
    everyone: body.everyone === 'on',
    profiles: many('profiles'),
    level_ids: many('level_ids'),
    class_ids: many('class_ids'),
    group_ids: many('group_ids'),
    scope_roles: body.scope_roles == null ? [] : many('scope_roles'),
    subject: String(body.subject ?? ''),
    body: String(body.body ?? ''),
    notice: body.notice === 'on',
  };
}

async function formPage(ctx: Context, data: { values?: FormValues; errors?: Record<string, string>; preview?: unknown }, status = 200) {
  render(
    ctx,
    { page: 'mailing/broadcast-new.njk', fragment: data.preview !== undefined && status === 200 ? 'mailing/_preview.njk' : 'mailing/_broadcast-form.njk', status },
    {
      title: 'Nouvelle communication ciblée',
      choices: await audienceChoices(),
      profileOptions: Object.entries(AUDIENCE_PROFILES).map(([value, label]) => ({ value, label })),
      scopeOptions: Object.entries(SCOPE_ROLES).map(([value, label]) => ({ value, label })),
      values: data.values ?? { scope_roles: ['student', 'guardian'], profiles: [], level_ids: [], class_ids: [], group_ids: [] },
      errors: data.errors ?? {},
      preview: data.preview,
    },
  );
}

broadcastsRouter.get('/', async (ctx) => {
  render(ctx, { page: 'mailing/broadcasts.njk' }, { title: 'Communication ciblée', broadcasts: await broadcastHistory() });
});

broadcastsRouter.get('/nouvelle', (ctx) => formPage(ctx, {}));

/** Parses and checks the audience; 422 with the form on error. Null when it answered. */
async function audienceOf(ctx: Context, values: FormValues) {
  const parsed = AudienceSchema.safeParse(values);
  if (!parsed.success) {
    await formPage(ctx, { values, errors: fieldErrors(parsed.error) }, 422);
    return null;
  }
  try {
    await checkAudience(parsed.data);
  } catch (e) {
    if (e instanceof AudienceError) {
      await formPage(ctx, { values, errors: { [e.field]: e.message } }, 422);
      return null;
    }
    throw e;
  }
  return parsed.data;
}

// The preview: how many members the audience reaches, how many addresses, how many have none.
broadcastsRouter.post('/apercu', async (ctx) => {
  const values = rawValues(formBody(ctx));
  const audience = await audienceOf(ctx, values);
  if (!audience) return;
  const r = await resolveAudience(audience);
  await formPage(ctx, { values, preview: { members: r.members, addresses: r.addresses.length, withoutAddress: r.withoutAddress } });
});

broadcastsRouter.post('/', async (ctx) => {
  const values = rawValues(formBody(ctx));
  const audience = await audienceOf(ctx, values);
  if (!audience) return;
  const message = BroadcastMessageSchema.safeParse(values);
  if (!message.success) return formPage(ctx, { values, errors: fieldErrors(message.error) }, 422);
  const { id } = await broadcastSender({ actor: member(ctx), audience, message: message.data, ip: ctx.ip });
  seeOther(ctx, `/publication/communication-ciblee/${id}`);
});

async function broadcastOr404(ctx: Context) {
  if (!isUuid(ctx.params.id)) throw notFound();
  const b = await broadcastById(ctx.params.id!);
  if (!b) throw notFound();
  return b;
}

broadcastsRouter.get('/:id', async (ctx) => {
  const b = await broadcastOr404(ctx);
  render(ctx, { page: 'mailing/broadcast.njk', fragment: 'mailing/_progress.njk' }, { title: `Communication : ${b.subject}`, b, progress: await broadcastProgress(b) });
});

// Polled by the progress block (hx-trigger="every 2s") until every mail is sent or dead.
broadcastsRouter.get('/:id/progression', async (ctx) => {
  const b = await broadcastOr404(ctx);
  render(ctx, { page: 'mailing/broadcast.njk', fragment: 'mailing/_progress.njk' }, { title: `Communication : ${b.subject}`, b, progress: await broadcastProgress(b) });
});

// ========================================================================================================
// The administrators' outbox view: /admin/courriels.

export const outboxAdminRouter = new Router({ prefix: '/admin/courriels' });

outboxAdminRouter.use(requireMember, inTenantTx, async (ctx, next: Next) => {
  authorizeAdministration(member(ctx));
  await next();
});

async function outboxPage(ctx: Context, extra: Record<string, unknown> = {}) {
  render(ctx, { page: 'mailing/outbox.njk', fragment: 'mailing/_outbox.njk' }, { title: 'Courriels sortants', counts: await outboxCounts(), dead: await latestDeadLetters(), ...extra });
}

outboxAdminRouter.get('/', (ctx) => outboxPage(ctx));

outboxAdminRouter.post('/:id/relance', async (ctx) => {
  if (!isUuid(ctx.params.id)) throw notFound();
  const letter = await deadLetterById(ctx.params.id!);
  if (!letter) throw notFound();
  await deadLetterRetrier({ actor: member(ctx), letter, ip: ctx.ip });
  if (wantsFragment(ctx)) return outboxPage(ctx, { announce: `Le courriel à ${letter.to_address} est remis en file d’envoi.` });
  seeOther(ctx, '/admin/courriels');
});
