import type { ParsedMail } from 'mailparser';
import { ownerTenantTx, ownerTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, uniq } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';

/** Helpers of the mailing tests (lists, broadcasts, outbox view) and of the broadcast bench. */

export async function setEmail(tenant: Tenant, membershipId: string, email: string | null): Promise<void> {
  await ownerTenantTx(tenant, (trx) => trx('memberships').where({ tenant_id: tenant.id, id: membershipId }).update({ email }));
}

export async function signedIn(tenant: Tenant, opts: Parameters<typeof buildMember>[1] & { email?: string } = {}) {
  const m = await buildMember(tenant, opts);
  if (opts.email) await setEmail(tenant, m.membershipId, opts.email);
  const c = Client.for(tenant);
  await c.signIn(m.login, m.password);
  return { m, c, _csrf: csrfFrom((await c.get('/espace')).text) };
}

/**
 * Many members at once (accounts without password, memberships in bulk), with addresses
 * `<prefix><i>@example.org`, the last `withoutAddress` of them without one. Returns their membership ids.
 */
export async function bulkMembers(tenant: Tenant, n: number, opts: { profile?: string; prefix?: string; withoutAddress?: number } = {}): Promise<string[]> {
  const prefix = opts.prefix ?? uniq('m');
  const accounts = Array.from({ length: n }, (_, i) => ({ id: newId(), login: `${prefix}-${i}` }));
  const ids: string[] = [];
  for (let i = 0; i < n; i += 1000) await ownerTx((trx) => trx('accounts').insert(accounts.slice(i, i + 1000)));
  const rows = accounts.map((a, i) => {
    const id = newId();
    ids.push(id);
    return {
      tenant_id: tenant.id,
      id,
      account_id: a.id,
      profile: opts.profile ?? 'student',
      first_name: 'Élève',
      last_name: `N${i}`,
      email: i >= n - (opts.withoutAddress ?? 0) ? null : `${prefix}${i}@example.org`,
    };
  });
  for (let i = 0; i < n; i += 1000) await ownerTenantTx(tenant, (trx) => trx('memberships').insert(rows.slice(i, i + 1000)));
  return ids;
}

export const toOf = (m: ParsedMail) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address ?? '';
export const headerLine = (m: ParsedMail, key: string) => m.headerLines.find((h) => h.key === key)?.line;

/** Mails received for an address. */
export function receivedBy(received: ParsedMail[], address: string): ParsedMail[] {
  return received.filter((m) => toOf(m).toLowerCase() === address.toLowerCase());
}
