import { ownerTenantTx } from '../../../app/db/index.js';
import { newId } from '../../../app/lib/ids.js';
import type { Tenant } from '../../../app/tenancy/tenant.js';
import { rowsOf } from '../../fixtures/factories.js';

/**
 * School B's homepage: a draft with one tile and a previous version, for the builder's routes that take an id;
 * B is intact when its versions are unchanged.
 */
export async function idsOfSchoolB(b: Tenant) {
  const tileId = newId();
  const versionId = newId();
  const bannerId = newId();
  const tiles = JSON.stringify([{ id: tileId, type: 'rubrics', width: 1, hidden: false, settings: { title: 'Rubriques de B' } }]);
  await ownerTenantTx(b, async (trx) => {
    await trx('homepage_versions').insert({ tenant_id: b.id, id: newId(), status: 'draft', tiles });
    await trx('homepage_versions').insert({ tenant_id: b.id, id: versionId, status: 'previous', tiles, published_at: new Date() });
    // B's published homepage shows a banner (its image route takes the media's id).
    const sha = 'b'.repeat(64);
    await trx('media').insert({
      tenant_id: b.id, id: bannerId, kind: 'image', name: 'banniere-b.jpg', mime: 'image/jpeg', size_bytes: 10, sha256: sha, width: 1400, height: 320, alt: 'B',
      variants: JSON.stringify([{ format: 'webp', width: 1400, height: 320, sha256: sha, bytes: 10 }]),
    });
    await trx('homepage_versions').insert({ tenant_id: b.id, id: newId(), status: 'published', tiles, published_at: new Date(), banner: JSON.stringify({ mediaId: bannerId, alt: 'B', decorative: false }) });
  });
  const before = JSON.stringify(await rowsOf(b, 'homepage_versions'));
  return {
    ids: {
      '/publication/accueil/tuiles/:id': { ':id': tileId },
      '/publication/accueil/tuiles/:id/deplacement': { ':id': tileId },
      '/publication/accueil/tuiles/:id/suppression': { ':id': tileId },
      '/publication/accueil/versions/:id/restauration': { ':id': versionId },
      '/accueil/images/:id/:file': { ':id': bannerId, ':file': '1400.webp' },
    },
    intact: async () => JSON.stringify(await rowsOf(b, 'homepage_versions')) === before,
  };
}
