import { ownerTenantTx } from '../../../app/db/index.js';
import { newId } from '../../../app/lib/ids.js';
import type { Tenant } from '../../../app/tenancy/tenant.js';
import { rowsOf } from '../../fixtures/factories.js';

/** Ids of school B for the editors' back-office routes (a rubric, an article in its trash too, a revision). */
export async function idsOfSchoolB(b: Tenant) {
  const rubricId = newId();
  const articleId = newId();
  const revisionId = newId();
  await ownerTenantTx(b, async (trx) => {
    await trx('rubrics').insert({ tenant_id: b.id, id: rubricId, slug: `vie-${rubricId.slice(0, 8)}`, name: 'Vie de B' });
    await trx('rubric_roles').insert({ tenant_id: b.id, rubric_id: rubricId, target_type: 'school', target_value: '', role: 'reader' });
    await trx('articles').insert({ tenant_id: b.id, id: articleId, rubric_id: rubricId, title: 'Article de B', slug: 'article-de-b', status: 'submitted', deleted_at: null });
    await trx('article_revisions').insert({ tenant_id: b.id, id: revisionId, article_id: articleId, title: 'Ancien', summary: '', body_html: '' });
  });
  const article = { ':id': articleId };
  const rubric = { ':id': rubricId };
  const ids: Record<string, Record<string, string>> = {};
  for (const p of ['', '/brouillon', '/soumission', '/publication', '/renvoi', '/archivage', '/corbeille', '/restauration', '/revisions', '/apercu']) {
    ids[`/publication/articles/:id${p}`] = article;
  }
  ids['/publication/articles/:id/revisions/:revisionId'] = { ':id': articleId, ':revisionId': revisionId };
  ids['/publication/articles/:id/revisions/:revisionId/restauration'] = { ':id': articleId, ':revisionId': revisionId };
  for (const p of ['', '/roles', '/roles/suppression', '/archivage', '/desarchivage', '/monter', '/descendre']) ids[`/publication/rubriques/:id${p}`] = rubric;
  return {
    ids,
    intact: async () => {
      const [a] = await rowsOf(b, 'articles', { id: articleId });
      const [r] = await rowsOf(b, 'rubrics', { id: rubricId });
      return a.status === 'submitted' && a.title === 'Article de B' && !a.deleted_at && r.name === 'Vie de B' && !r.archived_at &&
        (await rowsOf(b, 'rubric_roles', { rubric_id: rubricId })).length === 1 && (await rowsOf(b, 'article_revisions', { article_id: articleId })).length === 1;
    },
  };
}
