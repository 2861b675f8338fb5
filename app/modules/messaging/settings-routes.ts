import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { currentTenant, db } from '../../db/index.js';
import { formBody } from '../../http/body.js';
import { wantsFragment } from '../../http/htmx.js';
import { render } from '../../http/render.js';
import { PROFILE_NAMES } from '../../rights/catalogue.js';
import { authorize } from '../../rights/policy.js';
import { authorizeAdministration } from '../admin/policy.js';
import { sendingSuspendedNotice } from './limits.js';
import { describeRecipients, searchRecipients } from './recipients.js';
import { ExternalAccessSchema, externalAccessSetter, messagingSettings, SettingsError, sendingSwitcher } from './settings-store.js';

/**
 * The recipient picker's search (GET /messagerie/destinataires: the results fragment for htmx, a whole page
 * with checkboxes without JavaScript) and the school's messaging settings (/admin/messagerie).
 */
export const messagingSettingsRouter = new Router();

const asArray = (v: unknown) => (v == null || v === '' ? [] : Array.isArray(v) ? v : [v]);

export const RecipientsSearchSchema = z.object({
  q: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().trim().max(100).default('')),
  recipients: z.preprocess(asArray, z.array(z.string().max(300)).max(200)),
  // Where the page without JavaScript sends the chosen recipients back: a page of the messaging only.
  retour: z.preprocess(
    (v) => (Array.isArray(v) ? v[0] : v),
    z.string().regex(/^\/messagerie(\/[A-Za-z0-9_-]+)*$/).catch('/messagerie/nouveau').default('/messagerie/nouveau'),
  ),
});

messagingSettingsRouter.get('/messagerie/destinataires', requireMember, inTenantTx, async (ctx) => {
  const member = ctx.state.member;
  authorize(member.rights, 'messaging');
  const query = RecipientsSearchSchema.parse(ctx.query);
  if (wantsFragment(ctx)) {
    const results = query.q ? await searchRecipients(member, query.q) : [];
    return render(ctx, { page: 'messaging/_picker-results.njk' }, { results, q: query.q });
  }
  const chosen = await describeRecipients(member, query.recipients);
  const chosenKeys = new Set(chosen.map((r) => r.key));
  const results = query.q ? (await searchRecipients(member, query.q, 50)).filter((r) => !chosenKeys.has(r.key)) : [];
  render(ctx, { page: 'messaging/_picker-page.njk' }, {
    title: 'Choisir des destinataires',
    q: query.q,
    chosen,
    results,
    retour: query.retour,
    suspended: await sendingSuspendedNotice(),
  });
});

const admin = [requireMember, inTenantTx, async (ctx: Context, next: () => Promise<unknown>) => {
  authorizeAdministration(ctx.state.member);
  await next();
}];

async function settingsPage(ctx: Context, extra: { errors?: Record<string, string>; status?: number; values?: { profiles: string[]; levels: string[]; classes: string[] } } = {}) {
  const t = currentTenant().id;
  const settings = await messagingSettings();
  const levels = await db()('levels').where('tenant_id', t).orderBy(['position', 'code']).select('id', 'code', 'name');
  const classes = await db()('classes').where('tenant_id', t).orderBy('code').select('id', 'code', 'name');
  const values = extra.values ?? { profiles: settings.externalProfiles, levels: settings.externalLevelIds, classes: settings.externalClassIds };
  render(ctx, { page: 'messaging/settings.njk', status: extra.status }, {
    title: 'Messagerie',
    settings,
    profiles: Object.entries(PROFILE_NAMES).map(([value, label]) => ({ value, label, checked: values.profiles.includes(value) })),
    levels: levels.map((l: any) => ({ value: l.id, label: l.name, checked: values.levels.includes(l.id) })),
    classes: classes.map((c: any) => ({ value: c.id, label: c.code, checked: values.classes.includes(c.id) })),
    errors: extra.errors ?? {},
    saved: ctx.query.enregistre === '1',
  });
}

messagingSettingsRouter.get('/admin/messagerie', ...admin, async (ctx) => settingsPage(ctx));

export const SendingSwitchSchema = z.object({ suspend: z.enum(['0', '1']) });

messagingSettingsRouter.post('/admin/messagerie/envoi', ...admin, async (ctx) => {
  const parsed = SendingSwitchSchema.safeParse(formBody(ctx));
  if (!parsed.success) return settingsPage(ctx, { status: 422, errors: { suspend: 'Choix inconnu.' } });
  await sendingSwitcher({ suspend: parsed.data.suspend === '1', actor: ctx.state.member, ip: ctx.ip });
  ctx.status = 303;
  ctx.redirect('/admin/messagerie?enregistre=1');
});

messagingSettingsRouter.post('/admin/messagerie/adresses-externes', ...admin, async (ctx) => {
  const body = formBody(ctx);
  const parsed = ExternalAccessSchema.safeParse(body);
  const values = { profiles: asArray(body.profiles).map(String), levels: asArray(body.levels).map(String), classes: asArray(body.classes).map(String) };
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const i of parsed.error.issues) errors[String(i.path[0])] ??= i.message;
    return settingsPage(ctx, { status: 422, errors, values });
  }
  try {
    await externalAccessSetter({ access: parsed.data, actor: ctx.state.member, ip: ctx.ip });
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    return settingsPage(ctx, { status: 422, errors: { [e.field]: e.message }, values });
  }
  ctx.status = 303;
  ctx.redirect('/admin/messagerie?enregistre=1');
});
