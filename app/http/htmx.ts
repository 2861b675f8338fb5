import type { Context } from 'koa';

/**
 * The one place that decides "fragment or whole page". htmx 4 sends HX-Request-Type: partial for targeted
 * swaps; a history restore re-fetches the page and must get all of it.
 */
export function wantsFragment(ctx: Context): boolean {
  ctx.vary(['HX-Request-Type', 'HX-History-Restore-Request']);
  return ctx.get('HX-Request-Type') === 'partial' && ctx.get('HX-History-Restore-Request') !== 'true';
}

export function isHtmx(ctx: Context): boolean {
  return ctx.get('HX-Request') === 'true';
}
