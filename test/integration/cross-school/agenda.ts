import { ownerTenantTx } from '../../../app/db/index.js';
import { newId } from '../../../app/lib/ids.js';
import type { Tenant } from '../../../app/tenancy/tenant.js';
import { rowsOf } from '../../fixtures/factories.js';

/** An event of school B for the agenda routes that take an id; B is intact when it is unchanged. */
export async function idsOfSchoolB(b: Tenant) {
  const id = newId();
  await ownerTenantTx(b, (trx) => trx('agenda_events').insert({ tenant_id: b.id, id, title: 'Conseil de B', starts_at: new Date(Date.now() + 86400_000) }));
  return {
    ids: {
      '/publication/agenda/:id': { ':id': id },
      '/publication/agenda/:id/suppression': { ':id': id },
    },
    intact: async () => {
      const rows = await rowsOf(b, 'agenda_events', { id });
      return rows.length === 1 && rows[0].title === 'Conseil de B';
    },
  };
}
