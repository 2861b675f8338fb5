import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { currentTenant, db } from '../../db/index.js';
import { fieldList, formBody, seeOther } from '../../http/body.js';
import { wantsFragment } from '../../http/htmx.js';
import { render } from '../../http/render.js';
import { PROFILE_NAMES } from '../../rights/catalogue.js';
import { authorize } from '../../rights/policy.js';
import { authorizeAdministration } from '../admin/policy.js';
import { sendingSuspendedNotice } from './limits.js';
import {
  AUDIENCE_NAMES,
  AUDIENCES,
  type Audience,
  describeRecipients,
  effectiveRules,
  overrideOf,
  RULE_PROFILES,
  searchRecipients,
} from './recipients.js';
import {
  ExternalAccessSchema,
  externalAccessSetter,
  messagingSettings,
  recipientRulesSetter,
  SettingsError,
  sendingSwitcher,
} from './settings-store.js';

/**
 * The recipient picker's search (GET /messagerie/destinataires: the results fragment for htmx, a whole page
 * with checkboxes without JavaScript) and the school's messaging settings (/admin/messagerie).
 */
export const messagingSettingsRouter = new Router();


export const RecipientsSearchSchema = z.object({
  q: z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().trim().max(100).default('')),
  recipients: z.preprocess(fieldList, z.array(z.string().max(300)).max(200)),
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

interface PageExtra {
  errors?: Record<string, string>;
  status?: number;
  values?: { profiles: string[]; levels: string[]; classes: string[] };
  /** The « Qui peut écrire à qui » matrix as submitted (re-shown on a 422). */
  rules?: Record<string, Audience[]>;
}

async function settingsPage(ctx: Context, extra: PageExtra = {}) {
  const t = currentTenant().id;
  const settings = await messagingSettings();
  const levels = await db()('levels').where('tenant_id', t).orderBy(['position', 'code']).select('id', 'code', 'name');
  const classes = await db()('classes').where('tenant_id', t).orderBy('code').select('id', 'code', 'name');
  const values = extra.values ?? { profiles: settings.externalProfiles, levels: settings.externalLevelIds, classes: settings.externalClassIds };
  const rules = extra.rules ?? effectiveRules(settings.recipientRules);
  render(ctx, { page: 'messaging/settings.njk', status: extra.status }, {
    title: 'Messagerie',
    settings,
    profiles: Object.entries(PROFILE_NAMES).map(([value, label]) => ({ value, label, checked: values.profiles.includes(value) })),
    levels: levels.map((l: any) => ({ value: l.id, label: l.name, checked: values.levels.includes(l.id) })),
    classes: classes.map((c: any) => ({ value: c.id, label: c.code, checked: values.classes.includes(c.id) })),
    audiences: AUDIENCES.map((value) => ({ value, label: AUDIENCE_NAMES[value] })),
    rules: RULE_PROFILES.map((p) => ({
      value: p.value,
      label: p.label,
      cells: AUDIENCES.map((a) => ({ value: `${p.value}:${a}`, label: `${p.label} → ${AUDIENCE_NAMES[a]}`, checked: (rules[p.value] ?? []).includes(a) })),
    })),
    rulesCustomised: Boolean(settings.recipientRules),
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
  seeOther(ctx, '/admin/messagerie?enregistre=1');
});

messagingSettingsRouter.post('/admin/messagerie/adresses-externes', ...admin, async (ctx) => {
  const body = formBody(ctx);
  const parsed = ExternalAccessSchema.safeParse(body);
  const values = { profiles: fieldList(body.profiles), levels: fieldList(body.levels), classes: fieldList(body.classes) };
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
  seeOther(ctx, '/admin/messagerie?enregistre=1');
});

const RULE_PAIRS = new Set(RULE_PROFILES.flatMap((p) => AUDIENCES.map((a) => `${p.value}:${a}`)));

/** The « Qui peut écrire à qui » form: every ticked pair `<profile>:<audience>`; unknown pairs are refused. */
export const RecipientRulesFormSchema = z.object({
  rules: z.preprocess(fieldList, z.array(z.string().refine((v) => RULE_PAIRS.has(v), 'Règle inconnue : cochez seulement les cases du tableau.')).max(RULE_PAIRS.size * 2)),
});

function matrixOf(pairs: string[]): Record<string, Audience[]> {
  const out: Record<string, Audience[]> = Object.fromEntries(RULE_PROFILES.map((p) => [p.value, []]));
  for (const pair of pairs) {
    const [profile, audience] = pair.split(':');
    if (RULE_PAIRS.has(pair) && !out[profile].includes(audience as Audience)) out[profile].push(audience as Audience);
  }
  return out;
}

messagingSettingsRouter.post('/admin/messagerie/destinataires-autorises', ...admin, async (ctx) => {
  const body = formBody(ctx);
  const parsed = RecipientRulesFormSchema.safeParse(body);
  if (!parsed.success) {
    return settingsPage(ctx, { status: 422, errors: { rules: parsed.error.issues[0]?.message ?? 'Règles invalides.' }, rules: matrixOf(fieldList(body.rules)) });
  }
  await recipientRulesSetter({ rules: overrideOf(matrixOf(parsed.data.rules)), actor: ctx.state.member, ip: ctx.ip });
  seeOther(ctx, '/admin/messagerie?enregistre=1');
});

messagingSettingsRouter.post('/admin/messagerie/destinataires-autorises/defaut', ...admin, async (ctx) => {
  await recipientRulesSetter({ rules: null, actor: ctx.state.member, ip: ctx.ip });
  seeOther(ctx, '/admin/messagerie?enregistre=1');
});
