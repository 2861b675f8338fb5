import { ownerTenantTx } from '../../../app/db/index.js';
import { newId } from '../../../app/lib/ids.js';
import { storage } from '../../../app/lib/storage.js';
import type { Tenant } from '../../../app/tenancy/tenant.js';
import { rowsOf, uniq } from '../../fixtures/factories.js';
import { pdf } from '../../fixtures/images.js';

/**
 * A media of school B, public there (a live article of a public rubric uses it), for the media routes that
 * take an id; B is intact when the row, its alternative text and its file are unchanged.
 */
export async function idsOfSchoolB(b: Tenant) {
  const id = newId();
  const { sha256, bytes } = await storage().put(pdf('école B'));
  await ownerTenantTx(b, async (trx) => {
    await trx('media').insert({ tenant_id: b.id, id, kind: 'file', name: 'b.pdf', mime: 'application/pdf', size_bytes: bytes, sha256, alt: 'de B' });
    const rubricId = newId();
    await trx('rubrics').insert({ tenant_id: b.id, id: rubricId, slug: uniq('rubrique'), name: 'Actualités', visibility: 'public' });
    await trx('articles').insert({ tenant_id: b.id, id: newId(), rubric_id: rubricId, title: 'B', slug: 'b', status: 'published', publish_at: new Date(Date.now() - 60_000), body_html: `<p><a href="/medias/${id}/original">PDF</a></p>` });
    await trx('article_attachments').insert({ tenant_id: b.id, article_id: (await trx('articles').where({ tenant_id: b.id, rubric_id: rubricId }).first()).id, media_id: id });
  });
  return {
    ids: {
      '/medias/:id/:file': { ':id': id, ':file': 'original' },
      '/publication/medias/:id': { ':id': id },
      '/publication/medias/:id/texte-alternatif': { ':id': id },
      '/publication/medias/:id/suppression': { ':id': id },
    },
    intact: async () => {
      const rows = await rowsOf(b, 'media', { id });
      return rows.length === 1 && rows[0].alt === 'de B' && (await storage().exists(sha256));
    },
  };
}
