import Router from '@koa/router';
import { render } from '../../http/render.js';
import { knownTenants } from '../../tenancy/registry.js';
import { isInstitution } from '../../tenancy/tenant.js';

/**
 * The public homepage. For now it shows the school's identity, its contact and the institutions it depends
 * on, all from memory (no query); the tile builder, notices and news come with the homepage issue.
 */
export const homepageRouter = new Router();

homepageRouter.get('/', (ctx) => {
  const tenant = ctx.state.tenant;
  const parents = knownTenants().filter((t) => tenant.parents.includes(t.slug));
  if (!ctx.state.member) ctx.set('Cache-Control', 'public, max-age=60');
  render(ctx, { page: 'homepage/home.njk' }, { title: 'Accueil', parents, institution: isInstitution(tenant) });
});

homepageRouter.get('/accessibilite', (ctx) => {
  if (!ctx.state.member) ctx.set('Cache-Control', 'public, max-age=3600');
  render(ctx, { page: 'pages/accessibilite.njk' }, { title: 'Déclaration d’accessibilité' });
});
