import Router from '@koa/router';
import { requireMember } from '../../auth/middleware.js';
import { render } from '../../http/render.js';
import { now } from '../../lib/clock.js';
import { FUNCTION_NAMES, PROFILE_NAMES, ROLE_NAMES } from '../../rights/catalogue.js';
import { liveNotices } from '../notices/service.js';

/**
 * /espace: the live notices for the member (alerts first), their services (from the rights, only those that
 * have a page today: servicesFor), who they are, and for a guardian each child. The notices
 * are one statement outside any transaction (liveNotices).
 */
export const dashboardRouter = new Router();

dashboardRouter.get('/espace', requireMember, async (ctx) => {
  const m = ctx.state.member;
  const notices = await liveNotices(ctx.state.tenant, now(), m);
  render(ctx, { page: 'dashboard/espace.njk' }, {
    title: 'Mon espace',
    profileName: PROFILE_NAMES[m.profile] ?? m.profile,
    functionNames: m.functions.map((f: string) => FUNCTION_NAMES[f] ?? f),
    roleNames: ROLE_NAMES,
    notices,
  });
});
