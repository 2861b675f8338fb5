import Router from '@koa/router';
import type { Context } from 'koa';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { db } from '../../db/index.js';
import { HttpError } from '../../http/errors.js';
import { wantsFragment } from '../../http/htmx.js';
import { formBody, seeOther } from '../../http/body.js';
import { render } from '../../http/render.js';
import { isUuid } from '../../lib/ids.js';
import { FUNCTION_NAMES, PROFILE_NAMES, ROLE_NAMES, SERVICES, SERVICES_BY_KEY, TARGET_TYPE_NAMES } from '../../rights/catalogue.js';
import { listRules, RuleCreateSchema, RuleError, ruleAdder, ruleRemover } from '../../rights/rules.js';
import { authorizeAdministration } from './policy.js';

export const adminRouter = new Router({ prefix: '/admin' });

adminRouter.use(requireMember, inTenantTx, async (ctx, next) => {
  authorizeAdministration(ctx.state.member);
  await next();
});

/** Everything a rule's target may name in this school, for the "à qui" list and for readable labels. */
async function targetChoices(tenantId: string) {
  // One after another: they share the request's transaction, hence one connection.
  const classes = await db()('classes').where('tenant_id', tenantId).orderBy('code').select('id', 'code', 'name');
  const groups = await db()('groups').where('tenant_id', tenantId).orderBy('code').select('id', 'code', 'name');
  const subjects = await db()('subjects').where('tenant_id', tenantId).orderBy('name').select('id', 'code', 'name');
  const choices = [
    { label: TARGET_TYPE_NAMES.school, options: [{ value: 'school:', label: 'Tout l’établissement' }] },
    { label: 'Profils', options: Object.entries(PROFILE_NAMES).map(([k, v]) => ({ value: `profile:${k}`, label: v })) },
    { label: 'Fonctions', options: Object.entries(FUNCTION_NAMES).map(([k, v]) => ({ value: `function:${k}`, label: v })) },
    { label: 'Classes', options: classes.map((c: any) => ({ value: `class:${c.id}`, label: `Classe ${c.code}` })) },
    { label: 'Groupes', options: groups.map((g: any) => ({ value: `group:${g.id}`, label: `Groupe ${g.name}` })) },
    { label: 'Matières', options: subjects.map((s: any) => ({ value: `subject:${s.id}`, label: `Matière ${s.name}` })) },
  ].filter((g) => g.options.length > 0);
  const labels = new Map<string, string>();
  for (const g of choices) for (const o of g.options) labels.set(o.value, o.label);
  return { choices, labels };
}

async function matrix(ctx: Context) {
  const { choices, labels } = await targetChoices(ctx.state.tenant.id);
  const rules = await listRules();
  const services = SERVICES.map((s) => ({
    ...s,
    roleOptions: s.roles.map((r) => ({ value: r, label: ROLE_NAMES[r] ?? r })),
    rules: rules
      .filter((r) => r.service_key === s.key)
      .map((r) => ({
        ...r,
        targetLabel: labels.get(`${r.target_type}:${r.target_value}`) ?? `${TARGET_TYPE_NAMES[r.target_type]} ${r.target_value}`,
        roleLabel: ROLE_NAMES[r.role] ?? r.role,
      })),
  }));
  return { services, choices };
}

function serviceOr404(key: string) {
  const s = SERVICES_BY_KEY.get(key);
  if (!s) throw new HttpError(404, 'not_found');
  return s;
}

/** Answers a change: the service's block for htmx (with an announcement), a redirect to the page otherwise. */
async function answer(ctx: Context, serviceKey: string, extra: { errors?: Record<string, string>; values?: Record<string, string>; status?: number; announce?: string }) {
  const m = await matrix(ctx);
  const service = m.services.find((s) => s.key === serviceKey)!;
  if (wantsFragment(ctx)) {
    return render(ctx, { page: 'admin/_service.njk', status: extra.status }, {
      service,
      choices: m.choices,
      serviceErrors: extra.errors ?? {},
      serviceValues: extra.values ?? {},
      announce: extra.announce,
    });
  }
  if (extra.status === 422) {
    return render(ctx, { page: 'admin/services.njk', status: 422 }, { title: 'Services et droits', ...m, failed: serviceKey, ...extra });
  }
  seeOther(ctx, `/admin/services#service-${serviceKey}`);
}

adminRouter.get('/', (ctx) => ctx.redirect('/admin/services'));

adminRouter.get('/services', async (ctx) => {
  render(ctx, { page: 'admin/services.njk' }, { title: 'Services et droits', ...(await matrix(ctx)) });
});

adminRouter.post('/services/:key/regles', async (ctx) => {
  const service = serviceOr404(ctx.params.key);
  const body = formBody(ctx);
  const [target_type, ...rest] = String(body.target ?? '').split(':');
  const values = { target: String(body.target ?? ''), role: String(body.role ?? '') };
  const parsed = RuleCreateSchema.safeParse({ target_type, target_value: rest.join(':'), role: body.role });
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const i of parsed.error.issues) errors[i.path[0] === 'role' ? 'role' : 'target'] ??= i.message;
    return answer(ctx, service.key, { errors, values, status: 422 });
  }
  try {
    await ruleAdder({ serviceKey: service.key, rule: parsed.data, actor: ctx.state.member, ip: ctx.ip });
  } catch (e) {
    if (!(e instanceof RuleError)) throw e;
    return answer(ctx, service.key, { errors: { [e.field === 'role' ? 'role' : 'target']: e.message }, values, status: 422 });
  }
  await answer(ctx, service.key, { announce: `Règle ajoutée au service ${service.name}.` });
});

adminRouter.post('/services/:key/regles/:id/suppression', async (ctx) => {
  const service = serviceOr404(ctx.params.key);
  if (!isUuid(ctx.params.id)) throw new HttpError(404, 'not_found');
  const removed = await ruleRemover({ serviceKey: service.key, ruleId: ctx.params.id, actor: ctx.state.member, ip: ctx.ip });
  if (!removed) throw new HttpError(404, 'not_found');
  await answer(ctx, service.key, { announce: `Règle retirée du service ${service.name}.` });
});
