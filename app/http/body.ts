import coBody from 'co-body';
import type { Context, Next } from 'koa';

/**
 * How qs reads a form. Its defaults suit short query strings, not a school's forms: a field repeated more than
 * 20 times (a message to 21 pupils, 21 classes ticked) came back as an object keyed by index, and a name with a
 * dot as a nested object. @koa/bodyparser does not pass these options on, hence co-body here for forms.
 */
const FORM_FIELDS = { arrayLimit: 1000, parameterLimit: 5000, allowDots: false };

/** Parses a url-encoded form body (POST, PUT, PATCH) into ctx.request.body, up to `limit`. */
export function formParser(limit: string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const request = ctx.request as unknown as { body?: unknown };
    if (request.body === undefined && ['POST', 'PUT', 'PATCH'].includes(ctx.method) && ctx.is('application/x-www-form-urlencoded')) {
      request.body = await coBody.form(ctx, { limit, queryString: FORM_FIELDS });
    }
    await next();
  };
}

/** The parsed form or JSON body as a plain record (empty when there is none). */
export function formBody(ctx: Context): Record<string, unknown> {
  const body = (ctx.request as unknown as { body?: unknown }).body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

/** One form field as text: a repeated field gives its first value, a missing one ''. */
export function fieldText(v: unknown): string {
  return v == null ? '' : Array.isArray(v) ? String(v[0] ?? '') : String(v);
}

/** A form field that may come once, many times or not at all, as a list of strings (an empty one is none). */
export function fieldList(v: unknown): string[] {
  return v == null || v === '' ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

/** 303 See Other: the answer to a plain (non-htmx) POST that worked, so a reload does not post again. */
export function seeOther(ctx: Context, to: string): void {
  ctx.status = 303;
  ctx.redirect(to);
}
