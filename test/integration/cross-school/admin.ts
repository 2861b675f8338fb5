import type { Tenant } from '../../../app/tenancy/tenant.js';
import { rowsOf } from '../../fixtures/factories.js';

/** Ids of school B for the admin routes that take one (route path → parameter → id), and how to check B is intact. */
export async function idsOfSchoolB(b: Tenant) {
  const [rule] = await rowsOf(b, 'access_rules', { service_key: 'grades' });
  return {
    ids: { '/admin/services/:key/regles/:id/suppression': { ':key': rule.service_key, ':id': rule.id } },
    intact: async () => (await rowsOf(b, 'access_rules', { id: rule.id })).length === 1,
  };
}
