import type { Context } from 'koa';

/** The parsed form or JSON body as a plain record (empty when there is none). */
export function formBody(ctx: Context): Record<string, unknown> {
  const body = (ctx.request as unknown as { body?: unknown }).body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}
