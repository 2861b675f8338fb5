import { ownerTenantTx } from '../../../app/db/index.js';
import { newId } from '../../../app/lib/ids.js';
import type { Tenant } from '../../../app/tenancy/tenant.js';
import { rowsOf, uniq } from '../../fixtures/factories.js';

/**
 * Ids of school B for the mailing routes that take one: a broadcast, a dead letter of its outbox, a rubric
 * whose list is off. B is intact when the letter is still dead and the list still off.
 */
export async function idsOfSchoolB(b: Tenant) {
  const broadcast = newId();
  const letter = newId();
  const rubric = newId();
  const at = new Date();
  await ownerTenantTx(b, async (trx) => {
    await trx('mail_broadcasts').insert({
      tenant_id: b.id, id: broadcast, subject: 'Communication de B', body_html: '<p>B</p>', body_text: 'B',
      audience: JSON.stringify({ everyone: true }), audience_label: 'Tout l’établissement', members: 1, addresses: 1, without_address: 0, created_at: at,
    });
    await trx('mail_outbox').insert({
      tenant_id: b.id, id: letter, idempotency_key: `broadcast:${broadcast}:b@example.org`, to_address: 'b@example.org', subject: 'Communication de B',
      text_body: 'B', headers: '{}', status: 'dead', attempts: 8, next_attempt_at: at, last_error: '550', created_at: at, broadcast_id: broadcast,
    });
    await trx('rubrics').insert({ tenant_id: b.id, id: rubric, slug: uniq('rubrique-b'), name: 'Rubrique de B' });
  });
  return {
    ids: {
      '/publication/communication-ciblee/:id': { ':id': broadcast },
      '/publication/communication-ciblee/:id/progression': { ':id': broadcast },
      '/admin/courriels/:id/relance': { ':id': letter },
      '/publication/rubriques/:id/liste-de-diffusion': { ':id': rubric },
    },
    intact: async () =>
      (await rowsOf(b, 'mail_outbox', { id: letter }))[0]?.status === 'dead' && (await rowsOf(b, 'rubrics', { id: rubric }))[0]?.mailing_list_enabled === false,
  };
}
