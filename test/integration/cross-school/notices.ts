import { ownerTenantTx } from '../../../app/db/index.js';
import { newId } from '../../../app/lib/ids.js';
import type { Tenant } from '../../../app/tenancy/tenant.js';
import { rowsOf } from '../../fixtures/factories.js';

/** A live notice of school B for the notice routes that take an id; B is intact when it is unchanged and not ended. */
export async function idsOfSchoolB(b: Tenant) {
  const id = newId();
  await ownerTenantTx(b, (trx) => trx('notices').insert({ tenant_id: b.id, id, level: 'alert', title: 'Annonce de B', starts_at: new Date(Date.now() - 60_000) }));
  return {
    ids: {
      '/publication/annonces/:id': { ':id': id },
      '/publication/annonces/:id/fin': { ':id': id },
      '/publication/annonces/:id/suppression': { ':id': id },
    },
    intact: async () => {
      const rows = await rowsOf(b, 'notices', { id });
      return rows.length === 1 && rows[0].title === 'Annonce de B' && rows[0].ends_at === null;
    },
  };
}
