import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { z } from 'zod';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { formBody, seeOther } from '../../http/body.js';
import { forbidden, notFound } from '../../http/errors.js';
import { wantsFragment } from '../../http/htmx.js';
import { render } from '../../http/render.js';
import { now } from '../../lib/clock.js';
import { isUuid } from '../../lib/ids.js';
import { PROFILE_NAMES } from '../../rights/catalogue.js';
import { audienceClassesKnown, schoolClasses } from '../notices/service.js';
import { isPublicationManager } from '../publication/policy.js';
import { fieldErrors } from '../publication/schemas.js';
import { agendaIcs } from './ics.js';
import { AgendaEventsUpdateSchema } from './schemas.js';
import {
  createEvent,
  deleteEvent,
  eventById,
  eventsBetween,
  listEvents,
  updateEvent,
  type AgendaEvent,
  type AgendaEventRow,
} from './service.js';
import { frenchHour, frenchLongDate, parisDate, parisParts, parisTime, parisToUtc } from '../../lib/paris-time.js';

/** The school's agenda: /agenda (month and list views), /agenda.ics, and its management. */
export const agendaRouter = new Router();

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
const WEEKDAYS = [
  { short: 'lun.', long: 'lundi' },
  { short: 'mar.', long: 'mardi' },
  { short: 'mer.', long: 'mercredi' },
  { short: 'jeu.', long: 'jeudi' },
  { short: 'ven.', long: 'vendredi' },
  { short: 'sam.', long: 'samedi' },
  { short: 'dim.', long: 'dimanche' },
];

export const AgendaQuerySchema = z.object({
  mois: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
    .optional()
    .catch(undefined),
  vue: z.enum(['mois', 'liste']).optional().catch(undefined),
});

const monthKey = (y: number, m: number) => `${y}-${String(m).padStart(2, '0')}`;
const shift = (y: number, m: number, by: number) => {
  const i = y * 12 + (m - 1) + by;
  return { y: Math.floor(i / 12), m: (i % 12) + 1 };
};

/** The Paris days an event covers ('YYYY-MM-DD', first and last). */
function daysOf(e: AgendaEvent): { first: string; last: string } {
  const first = parisDate(e.starts_at);
  if (!e.ends_at) return { first, last: first };
  const lastInstant = e.all_day || parisTime(e.ends_at) === '00:00' ? new Date(e.ends_at.getTime() - 1) : e.ends_at;
  const last = parisDate(lastInstant);
  return { first, last: last < first ? first : last };
}

function whenLabel(e: AgendaEvent): string {
  const { first, last } = daysOf(e);
  if (e.all_day) {
    return first === last ? `${frenchLongDate(e.starts_at)}, toute la journée` : `du ${frenchLongDate(e.starts_at)} au ${frenchLongDate(new Date(e.ends_at!.getTime() - 1))}`;
  }
  if (!e.ends_at) return `${frenchLongDate(e.starts_at)} à ${frenchHour(e.starts_at)}`;
  if (first === last) return `${frenchLongDate(e.starts_at)}, de ${frenchHour(e.starts_at)} à ${frenchHour(e.ends_at)}`;
  return `du ${frenchLongDate(e.starts_at)} à ${frenchHour(e.starts_at)} au ${frenchLongDate(e.ends_at)} à ${frenchHour(e.ends_at)}`;
}

function forView(e: AgendaEvent) {
  return { ...e, when: whenLabel(e), hour: e.all_day ? 'Journée' : frenchHour(e.starts_at), day: parisDate(e.starts_at), dayLabel: frenchLongDate(e.starts_at) };
}

/** The month grid: weeks of seven cells (Monday first), null outside the month, each day with its events. */
function monthGrid(y: number, m: number, events: AgendaEvent[], today: string) {
  const firstDow = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7;
  const length = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const spans = events.map((e) => ({ e: forView(e), ...daysOf(e) }));
  const cells: ({ date: string; day: number; label: string; today: boolean; events: ReturnType<typeof forView>[] } | null)[] = [];
  for (let i = 0; i < firstDow; i++) cells.push(null);
  for (let d = 1; d <= length; d++) {
    const date = `${monthKey(y, m)}-${String(d).padStart(2, '0')}`;
    cells.push({
      date,
      day: d,
      label: frenchLongDate(parisToUtc(y, m, d, 12)),
      today: date === today,
      events: spans.filter((s) => s.first <= date && date <= s.last).map((s) => s.e),
    });
  }
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

agendaRouter.get('/agenda', async (ctx) => {
  const q = AgendaQuerySchema.parse(ctx.query);
  const at = now();
  const p = parisParts(at);
  const [y, m] = q.mois ? q.mois.split('-').map(Number) : [p.year, p.month];
  const view = q.vue ?? 'mois';
  const from = parisToUtc(y, m, 1);
  const next = shift(y, m, 1);
  const prev = shift(y, m, -1);
  const to = parisToUtc(next.y, next.m, 1);
  // One statement outside any transaction: public events, plus the member's audience when signed in.
  const events = await eventsBetween(ctx.state.tenant, from, to, null, ctx.state.member);
  ctx.set('Cache-Control', ctx.state.member ? 'private, no-store' : 'public, max-age=60');
  const monthName = `${MONTHS[m - 1]} ${y}`;
  render(ctx, { page: 'agenda/index.njk', fragment: 'agenda/_view.njk' }, {
    title: `Agenda — ${monthName}`,
    view,
    monthName,
    month: monthKey(y, m),
    prevMonth: monthKey(prev.y, prev.m),
    prevName: `${MONTHS[prev.m - 1]} ${prev.y}`,
    nextMonth: monthKey(next.y, next.m),
    nextName: `${MONTHS[next.m - 1]} ${next.y}`,
    weekdays: WEEKDAYS,
    weeks: view === 'mois' ? monthGrid(y, m, events, parisDate(at)) : [],
    events: events.map(forView),
  });
});

agendaRouter.get('/agenda.ics', async (ctx) => {
  const at = now();
  // Public events only, whoever asks: calendar applications subscribe without a session.
  const events = await eventsBetween(ctx.state.tenant, new Date(at.getTime() - 90 * 86400_000), null, 1000);
  ctx.type = 'text/calendar; charset=utf-8';
  ctx.set('Cache-Control', 'public, max-age=300');
  ctx.set('Content-Disposition', 'inline; filename="agenda.ics"');
  ctx.body = agendaIcs({ schoolName: ctx.state.tenant.name, schoolSlug: ctx.state.tenant.slug, url: `${ctx.protocol}://${ctx.host}/agenda`, events, stamp: at });
});

// ——— Management: /publication/agenda (publication managers) ———

const PATH = '/publication/agenda';

function authorizeManager(ctx: Context): void {
  if (!isPublicationManager(ctx.state.member)) throw forbidden();
}

async function manager(ctx: Context, next: Next): Promise<void> {
  authorizeManager(ctx);
  await next();
}

type FormValues = Record<string, string | string[] | boolean>;

function valuesOf(e: AgendaEventRow): FormValues {
  const { last } = daysOf(e);
  return {
    title: e.title,
    date: parisDate(e.starts_at),
    all_day: e.all_day,
    start_time: e.all_day ? '' : parisTime(e.starts_at),
    end_date: e.ends_at && last !== parisDate(e.starts_at) ? (e.all_day ? last : parisDate(e.ends_at)) : '',
    end_time: e.ends_at && !e.all_day ? parisTime(e.ends_at) : '',
    place: e.place,
    description: e.description,
    audience: e.audience,
    audience_profiles: e.audience_profiles,
    audience_class_ids: e.audience_class_ids,
  };
}

function rawValues(body: Record<string, unknown>): FormValues {
  const one = (k: string) => (body[k] == null ? '' : String(body[k]));
  const many = (k: string) => (body[k] == null || body[k] === '' ? [] : Array.isArray(body[k]) ? (body[k] as unknown[]).map(String) : [String(body[k])]);
  return {
    title: one('title'),
    date: one('date'),
    all_day: ['on', 'true', '1'].includes(one('all_day')),
    start_time: one('start_time'),
    end_date: one('end_date'),
    end_time: one('end_time'),
    place: one('place'),
    description: one('description'),
    audience: one('audience') || 'public',
    audience_profiles: many('audience_profiles'),
    audience_class_ids: many('audience_class_ids'),
  };
}

interface Failure {
  form: string;
  errors: Record<string, string>;
  values: FormValues;
}

async function answer(ctx: Context, opts: { failure?: Failure; announce?: string } = {}): Promise<void> {
  if (!opts.failure && !wantsFragment(ctx) && ctx.method === 'POST') {
    seeOther(ctx, PATH);
    return;
  }
  const classes = await schoolClasses(ctx.state.tenant.id);
  const classLabels = new Map(classes.map((c) => [c.id, `Classe ${c.code}`]));
  const at = now();
  const events = (await listEvents(new Date(at.getTime() - 86400_000))).map((e) => ({
    ...forView(e),
    audienceLabel:
      e.audience === 'public'
        ? 'Public'
        : [...e.audience_profiles.map((p) => PROFILE_NAMES[p] ?? p), ...e.audience_class_ids.map((id) => classLabels.get(id) ?? 'classe supprimée')].join(', ') ||
          'Tous les membres connectés',
    values: opts.failure?.form === e.id ? opts.failure.values : valuesOf(e),
    errors: opts.failure?.form === e.id ? opts.failure.errors : {},
  }));
  render(ctx, { page: 'agenda/manage.njk', fragment: 'agenda/_manage.njk', status: opts.failure ? 422 : 200 }, {
    title: 'Agenda — gestion',
    events,
    classes,
    profiles: Object.entries(PROFILE_NAMES).map(([value, label]) => ({ value, label })),
    newValues: opts.failure?.form === 'new' ? opts.failure.values : { audience: 'public', audience_profiles: [], audience_class_ids: [] },
    newErrors: opts.failure?.form === 'new' ? opts.failure.errors : {},
    announce: opts.announce,
  });
}

async function parse(ctx: Context) {
  const parsed = AgendaEventsUpdateSchema.safeParse(formBody(ctx));
  if (!parsed.success) return { errors: fieldErrors(parsed.error) };
  const v = parsed.data;
  if (!(await audienceClassesKnown(ctx.state.tenant.id, v.audience_class_ids))) return { errors: { audience_class_ids: 'Classe inconnue.' } };
  return { input: v };
}

async function loadEvent(ctx: Context): Promise<AgendaEventRow> {
  const id = ctx.params.id;
  const e = isUuid(id) ? await eventById(id) : undefined;
  if (!e) throw notFound();
  authorizeManager(ctx);
  return e;
}

agendaRouter.get(PATH, requireMember, manager, inTenantTx, async (ctx) => {
  await answer(ctx);
});

agendaRouter.post(PATH, requireMember, manager, inTenantTx, async (ctx) => {
  const { input, errors } = await parse(ctx);
  if (!input) return answer(ctx, { failure: { form: 'new', errors: errors!, values: rawValues(formBody(ctx)) } });
  await createEvent(ctx.state.member, input);
  await answer(ctx, { announce: `Événement « ${input.title} » ajouté.` });
});

agendaRouter.post(`${PATH}/:id`, requireMember, inTenantTx, async (ctx) => {
  const event = await loadEvent(ctx);
  const { input, errors } = await parse(ctx);
  if (!input) return answer(ctx, { failure: { form: event.id, errors: errors!, values: rawValues(formBody(ctx)) } });
  await updateEvent(ctx.state.member, event.id, input);
  await answer(ctx, { announce: `Événement « ${input.title} » enregistré.` });
});

agendaRouter.post(`${PATH}/:id/suppression`, requireMember, inTenantTx, async (ctx) => {
  const event = await loadEvent(ctx);
  await deleteEvent(ctx.state.member, event);
  await answer(ctx, { announce: `Événement « ${event.title} » supprimé.` });
});

