import Router from '@koa/router';
import { requireMember } from '../../auth/middleware.js';
import { render } from '../../http/render.js';
import { FUNCTION_NAMES, PROFILE_NAMES, ROLE_NAMES } from '../../rights/catalogue.js';

/** /espace: the member's services (from the rights), who they are, and for a guardian each child. */
export const dashboardRouter = new Router();

dashboardRouter.get('/espace', requireMember, (ctx) => {
  const m = ctx.state.member;
  render(ctx, { page: 'dashboard/espace.njk' }, {
    title: 'Mon espace',
    profileName: PROFILE_NAMES[m.profile] ?? m.profile,
    functionNames: m.functions.map((f: string) => FUNCTION_NAMES[f] ?? f),
    roleNames: ROLE_NAMES,
  });
});
