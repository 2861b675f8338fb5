import path from 'node:path';
import { ROOT } from '../paths.js';
import type { Context } from 'koa';
import nunjucks from 'nunjucks';
import { wantsFragment } from './htmx.js';

export const TEMPLATES_DIR = path.join(ROOT, 'templates');

/** One nunjucks environment: autoescape on, templates compiled once and kept. */
export const views = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATES_DIR, { noCache: false }), {
  autoescape: true,
  throwOnUndefined: false,
  trimBlocks: true,
  lstripBlocks: true,
});

/**
 * French dates, formatted once per minute shown: Intl formatting costs about a microsecond a call, and a
 * mailbox page formats fifty dates that the next page view formats again. Both formats show nothing finer
 * than the minute, so the minute is the key; each memo is emptied when it grows past MEMO_MAX.
 */
const MEMO_MAX = 10_000;
function minuteFormatter(format: Intl.DateTimeFormat): (d: Date | string | null) => string {
  const memo = new Map<number, string>();
  return (d) => {
    if (!d) return '';
    const time = new Date(d).getTime();
    if (Number.isNaN(time)) return format.format(new Date(d)); // "Invalid Date" would throw, as before
    const minute = Math.floor(time / 60_000);
    let text = memo.get(minute);
    if (text === undefined) {
      if (memo.size >= MEMO_MAX) memo.clear();
      text = format.format(minute * 60_000);
      memo.set(minute, text);
    }
    return text;
  };
}

export const formatDate = minuteFormatter(new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' }));
export const formatDateTime = minuteFormatter(
  new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' }),
);
views.addFilter('date', formatDate);
views.addFilter('datetime', formatDateTime);

/** What every template may read about the request. */
function baseContext(ctx: Context): Record<string, unknown> {
  const s = ctx.state;
  return {
    tenant: s.tenant,
    member: s.member,
    // Named apart from any page's own `services` (the rights matrix lists every service of the catalogue).
    memberServices: s.services ?? [],
    path: ctx.path,
    csrfToken: s.csrfToken ? () => s.csrfToken() : () => '',
    year: new Date().getFullYear(),
  };
}

export interface RenderOptions {
  /** The page template (whole page, extends a layout). */
  page: string;
  /** The partial that answers an htmx request targeting it; defaults to the page. */
  fragment?: string;
  status?: number;
}

/** Renders the whole page, or only the fragment for an htmx partial request. */
export function render(ctx: Context, opts: RenderOptions, data: Record<string, unknown> = {}): void {
  const template = opts.fragment && wantsFragment(ctx) ? opts.fragment : opts.page;
  ctx.status = opts.status ?? 200;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = views.render(template, { ...baseContext(ctx), ...data });
}

/** Renders a template to a string with the request's context (for fragments sent alone). */
export function renderToString(ctx: Context, template: string, data: Record<string, unknown> = {}): string {
  return views.render(template, { ...baseContext(ctx), ...data });
}
