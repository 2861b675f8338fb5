import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { db } from '../../db/index.js';
import { formBody, seeOther } from '../../http/body.js';
import { forbidden, notFound } from '../../http/errors.js';
import { wantsFragment } from '../../http/htmx.js';
import { render } from '../../http/render.js';
import { now } from '../../lib/clock.js';
import { isUuid } from '../../lib/ids.js';
import { PROFILE_NAMES } from '../../rights/catalogue.js';
import { isPublicationManager } from '../publication/policy.js';
import { dateToParisLocal, fieldErrors } from '../publication/schemas.js';
import { NoticesUpdateSchema } from './schemas.js';
import {
  audienceClassesKnown,
  createNotice,
  deleteNotice,
  endNotice,
  listNotices,
  NOTICE_LEVEL_NAMES,
  noticeById,
  schoolClasses,
  updateNotice,
  type NoticeInput,
  type NoticeRow,
} from './service.js';

/** Notices (annonces): managed at /publication/annonces, shown first on the homepage and on /espace. */
export const noticesRouter = new Router();

const PATH = '/publication/annonces';

function authorizeManager(ctx: Context): void {
  if (!isPublicationManager(ctx.state.member)) throw forbidden();
}

async function manager(ctx: Context, next: Next): Promise<void> {
  authorizeManager(ctx);
  await next();
}


type FormValues = Record<string, string | string[]>;

function valuesOf(n: NoticeRow): FormValues {
  return {
    level: n.level,
    title: n.title,
    body: n.body,
    link_url: n.link_url ?? '',
    starts_at: dateToParisLocal(n.starts_at),
    ends_at: dateToParisLocal(n.ends_at),
    audience: n.audience,
    audience_profiles: n.audience_profiles,
    audience_class_ids: n.audience_class_ids,
  };
}

function rawValues(body: Record<string, unknown>): FormValues {
  const one = (k: string) => (body[k] == null ? '' : String(body[k]));
  const many = (k: string) => (body[k] == null || body[k] === '' ? [] : Array.isArray(body[k]) ? (body[k] as unknown[]).map(String) : [String(body[k])]);
  return {
    level: one('level'),
    title: one('title'),
    body: one('body'),
    link_url: one('link_url'),
    starts_at: one('starts_at'),
    ends_at: one('ends_at'),
    audience: one('audience') || 'public',
    audience_profiles: many('audience_profiles'),
    audience_class_ids: many('audience_class_ids'),
  };
}

interface Failure {
  /** 'new' or a notice id. */
  form: string;
  errors: Record<string, string>;
  values: FormValues;
}

/** The management section (page, or fragment for htmx), optionally with one form's errors and values. */
async function answer(ctx: Context, opts: { failure?: Failure; announce?: string } = {}): Promise<void> {
  const classes = await schoolClasses(ctx.state.tenant.id);
  const classLabels = new Map(classes.map((c) => [c.id, `Classe ${c.code}`]));
  const notices = (await listNotices()).map((n) => ({
    ...n,
    levelName: NOTICE_LEVEL_NAMES[n.level],
    audienceLabel:
      n.audience === 'public'
        ? 'Public (tout le monde)'
        : [...n.audience_profiles.map((p) => PROFILE_NAMES[p] ?? p), ...n.audience_class_ids.map((id) => classLabels.get(id) ?? 'classe supprimée')].join(', ') ||
          'Tous les membres connectés',
    values: opts.failure?.form === n.id ? opts.failure.values : valuesOf(n),
    errors: opts.failure?.form === n.id ? opts.failure.errors : {},
  }));
  const status = opts.failure ? 422 : 200;
  if (!opts.failure && !wantsFragment(ctx) && ctx.method === 'POST') {
    seeOther(ctx, PATH);
    return;
  }
  render(ctx, { page: 'notices/manage.njk', fragment: 'notices/_manage.njk', status }, {
    title: 'Annonces',
    notices,
    classes,
    profiles: Object.entries(PROFILE_NAMES).map(([value, label]) => ({ value, label })),
    levels: Object.entries(NOTICE_LEVEL_NAMES).map(([value, label]) => ({ value, label })),
    newValues: opts.failure?.form === 'new' ? opts.failure.values : { level: 'info', audience: 'public', audience_profiles: [], audience_class_ids: [] },
    newErrors: opts.failure?.form === 'new' ? opts.failure.errors : {},
    announce: opts.announce,
  });
}

/** Parses the form; class ids must be of this school. */
async function parse(ctx: Context): Promise<{ input?: NoticeInput; errors?: Record<string, string> }> {
  const parsed = NoticesUpdateSchema.safeParse(formBody(ctx));
  if (!parsed.success) return { errors: fieldErrors(parsed.error) };
  const v = parsed.data;
  if (!(await audienceClassesKnown(ctx.state.tenant.id, v.audience_class_ids))) return { errors: { audience_class_ids: 'Classe inconnue.' } };
  return { input: { ...v, starts_at: v.starts_at ?? now(), ends_at: v.ends_at } };
}

async function loadNotice(ctx: Context): Promise<NoticeRow> {
  const id = ctx.params.id;
  const n = isUuid(id) ? await noticeById(id) : undefined;
  if (!n) throw notFound();
  authorizeManager(ctx);
  return n;
}

noticesRouter.get(PATH, requireMember, manager, inTenantTx, async (ctx) => {
  await answer(ctx);
});

noticesRouter.post(PATH, requireMember, manager, inTenantTx, async (ctx) => {
  const { input, errors } = await parse(ctx);
  if (!input) return answer(ctx, { failure: { form: 'new', errors: errors!, values: rawValues(formBody(ctx)) } });
  await createNotice(ctx.state.member, input);
  await answer(ctx, { announce: `Annonce « ${input.title} » créée.` });
});

noticesRouter.post(`${PATH}/:id`, requireMember, inTenantTx, async (ctx) => {
  const notice = await loadNotice(ctx);
  const { input, errors } = await parse(ctx);
  if (!input) return answer(ctx, { failure: { form: notice.id, errors: errors!, values: rawValues(formBody(ctx)) } });
  await updateNotice(ctx.state.member, notice.id, input);
  await answer(ctx, { announce: `Annonce « ${input.title} » enregistrée.` });
});

noticesRouter.post(`${PATH}/:id/fin`, requireMember, inTenantTx, async (ctx) => {
  const notice = await loadNotice(ctx);
  await endNotice(ctx.state.member, notice);
  await answer(ctx, { announce: `Annonce « ${notice.title} » terminée.` });
});

noticesRouter.post(`${PATH}/:id/suppression`, requireMember, inTenantTx, async (ctx) => {
  const notice = await loadNotice(ctx);
  await deleteNotice(ctx.state.member, notice);
  await answer(ctx, { announce: `Annonce « ${notice.title} » supprimée.` });
});
