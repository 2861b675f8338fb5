import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';
import nunjucks from 'nunjucks';
import { wantsFragment } from './htmx.js';

export const TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../templates');

/** One nunjucks environment: autoescape on, templates compiled once and kept. */
export const views = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATES_DIR, { noCache: false }), {
  autoescape: true,
  throwOnUndefined: false,
  trimBlocks: true,
  lstripBlocks: true,
});

const dateFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });
const dateTimeFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/Paris' });
views.addFilter('date', (d: Date | string | null) => (d ? dateFormat.format(new Date(d)) : ''));
views.addFilter('datetime', (d: Date | string | null) => (d ? dateTimeFormat.format(new Date(d)) : ''));

/** What every template may read about the request. */
function baseContext(ctx: Context): Record<string, unknown> {
  const s = ctx.state;
  return {
    tenant: s.tenant,
    member: s.member,
    services: s.services ?? [],
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
