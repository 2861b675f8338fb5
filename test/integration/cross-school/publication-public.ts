import type { Tenant } from '../../../app/tenancy/tenant.js';
import { rowsOf } from '../../fixtures/factories.js';
import { buildArticle, buildRubric } from '../../fixtures/publication-public.js';

/** A live public article of school B: school A's host must answer 404 for it, slug right or wrong. */
export async function idsOfSchoolB(b: Tenant) {
  const rubric = await buildRubric(b);
  const article = await buildArticle(b, rubric.id, { title: 'Article de l’autre école' });
  return {
    ids: {
      '/articles/:id': { ':id': article.id },
      '/articles/:id/:slug': { ':id': article.id, ':slug': article.slug },
    },
    intact: async () => (await rowsOf(b, 'articles', { id: article.id, status: 'published' })).length === 1,
  };
}
