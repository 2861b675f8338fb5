import type Router from '@koa/router';
import type { Context, Next } from 'koa';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { formBody, seeOther } from '../../http/body.js';
import { notFound } from '../../http/errors.js';
import { render } from '../../http/render.js';
import { isUuid } from '../../lib/ids.js';
import { authorizeAdministration } from '../admin/policy.js';
import { messagePurger, messagesFinder, sentMessageById } from './purge.js';
import { MessagingPurgeSearchSchema } from './schemas.js';

const PATH = '/admin/messagerie/messages';

async function administrator(ctx: Context, next: Next): Promise<void> {
  authorizeAdministration(ctx.state.member);
  await next();
}

/** Administrators find a message by its content or its sender and purge it from every mailbox. */
export function registerPurgeRoutes(router: Router): void {
  router.get(PATH, requireMember, administrator, inTenantTx, async (ctx) => {
    const parsed = MessagingPurgeSearchSchema.safeParse({ q: ctx.query.q ?? '', expediteur: ctx.query.expediteur ?? '' });
    const { q, expediteur } = parsed.success ? parsed.data : { q: '', expediteur: '' };
    const searched = Boolean(q.trim() || expediteur.trim());
    render(ctx, { page: 'messaging/purge.njk', fragment: 'messaging/_purge-results.njk' }, {
      title: 'Retrouver et supprimer un message',
      q,
      expediteur,
      searched,
      results: searched ? await messagesFinder({ q: q.trim() || undefined, sender: expediteur.trim() || undefined }) : [],
      purged: typeof ctx.query.supprime === 'string' ? Number(ctx.query.supprime) : undefined,
    });
  });

  router.post(`${PATH}/:id/purge`, requireMember, inTenantTx, async (ctx) => {
    const message = isUuid(ctx.params.id) ? await sentMessageById(ctx.params.id) : undefined;
    if (!message) throw notFound();
    authorizeAdministration(ctx.state.member);
    const copies = await messagePurger({ actor: ctx.state.member, message, ip: ctx.ip });
    const back = new URLSearchParams({ q: String(formBody(ctx).q ?? ''), expediteur: String(formBody(ctx).expediteur ?? ''), supprime: String(copies) });
    seeOther(ctx, `${PATH}?${back}`);
  });
}
