import type { Context } from 'koa';

/** The parsed form or JSON body as a plain record (empty when there is none). */
export function formBody(ctx: Context): Record<string, unknown> {
  const body = (ctx.request as unknown as { body?: unknown }).body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

/** One form field as text: a repeated field gives its first value, a missing one ''. */
export function fieldText(v: unknown): string {
  return v == null ? '' : Array.isArray(v) ? String(v[0] ?? '') : String(v);
}

/** 303 See Other: the answer to a plain (non-htmx) POST that worked, so a reload does not post again. */
export function seeOther(ctx: Context, to: string): void {
  ctx.status = 303;
  ctx.redirect(to);
}
