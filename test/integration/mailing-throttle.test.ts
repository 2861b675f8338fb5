import { afterEach, describe, expect, it } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { clientNetwork, LIST_CONFIRM_LIMITS } from '../../app/modules/mailing/list-throttle.js';
import { sha256 } from '../../app/modules/mailing/lists.js';
import { drainOutbox } from '../../app/modules/mailing/worker.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { Client, csrfFrom, hostOf } from '../fixtures/http.js';
import { useTestSmtp } from '../fixtures/smtp.js';
import { receivedBy, toOf } from './mailing-support.js';

// Visitors' subscription requests are throttled per address (5 / 24 h) and per client IP (20 / h), per school.

const relay = useTestSmtp();
afterEach(() => resetClock());

const drain = (tenant: Tenant) => drainOutbox({ transport: relay.transport, tenants: () => [tenant] });
const MINUTE = 60_000;

/** A school with a public rubric whose list is on, and a visitor on its subscription page. */
async function publicList() {
  const school = await buildTenant();
  const slug = uniq('vie');
  await ownerTenantTx(school, (trx) => trx('rubrics').insert({ tenant_id: school.id, id: newId(), slug, name: 'Vie du collège', visibility: 'public', mailing_list_enabled: true }));
  const visitor = new Client(hostOf(school));
  const page = await visitor.get(`/rubriques/${slug}/abonnement`);
  expect(page.status).toBe(200);
  const _csrf = csrfFrom(page.text);
  const ask = (email: string, headers: Record<string, string> = {}) => visitor.post(`/rubriques/${slug}/abonnement`, { _csrf, email }, headers);
  return { school, slug, ask };
}

describe('throttle of visitors’ subscription requests', () => {
  it('the 6th request for one address within 24 h gets 429 with Retry-After and a message; no 6th mail; allowed again after the window', async () => {
    const { school, ask } = await publicList();
    const email = `${uniq('cible')}@example.org`;
    // Five requests, 11 minutes apart (past the 10-minute resend pause): five confirmation mails.
    for (let i = 0; i < LIST_CONFIRM_LIMITS.perAddress.limit; i++) {
      const ok = await ask(email);
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('Un courriel de confirmation a été envoyé');
      advanceClock(11 * MINUTE);
    }
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(5);

    // The sixth, in another case: the same address. Refused beside the form, the address kept, nothing queued.
    const outboxBefore = (await rowsOf(school, 'mail_outbox')).length;
    const refused = await ask(email.toUpperCase());
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    // The window started at the first request, 55 minutes ago.
    expect(retryAfter).toBeGreaterThan(24 * 3600 - 56 * 60);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3600 - 55 * 60);
    expect(refused.text).toContain('Trop de demandes d’abonnement en peu de temps : aucun courriel n’a été envoyé. Réessayez dans 24 heures.');
    expect(refused.text).toContain('role="alert"');
    expect(refused.text).toContain(`value="${email.toUpperCase()}"`);
    expect(refused.text).not.toContain('Un courriel de confirmation a été envoyé');
    expect((await rowsOf(school, 'mail_outbox')).length).toBe(outboxBefore);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(5);
    // Only the hash of the address is kept by the throttle.
    const keys = (await rowsOf(school, 'login_throttles')).map((r) => r.key);
    expect(keys).toContain(`list-confirm:address:${sha256(email.toLowerCase())}`);
    expect(keys.join(' ')).not.toContain(email.toLowerCase());

    // Another address from the same visitor is not concerned.
    const other = `${uniq('autre')}@example.org`;
    expect((await ask(other)).status).toBe(200);
    // A day later the address may ask again.
    advanceClock(24 * 3600_000);
    expect((await ask(email)).status).toBe(200);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(6);
    expect(receivedBy(relay.smtp.received, other)).toHaveLength(1);
  });

  it('a pending address gets no second mail within 10 minutes, the request still counting', async () => {
    const { school, ask } = await publicList();
    const email = `${uniq('attente')}@example.org`;
    expect((await ask(email)).status).toBe(200);
    advanceClock(5 * MINUTE);
    expect((await ask(email)).status).toBe(200);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(1);
    const [row] = await rowsOf(school, 'login_throttles', { key: `list-confirm:address:${sha256(email)}` });
    expect(row.failures).toBe(2);
  });

  it('the 21st request from one IP within an hour gets 429, whatever the address; allowed again an hour later', async () => {
    const { school, ask } = await publicList();
    const prefix = uniq('ip');
    for (let i = 0; i < LIST_CONFIRM_LIMITS.perIp.limit; i++) expect((await ask(`${prefix}-${i}@example.org`)).status).toBe(200);
    const late = `${prefix}-late@example.org`;
    const refused = await ask(late);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(refused.text).toContain('Réessayez dans');
    // Through htmx: the section alone (htmx 4 swaps 4xx answers), with the message beside the form.
    const partial = await ask(late, { 'HX-Request': 'true', 'HX-Request-Type': 'partial' });
    expect(partial.status).toBe(429);
    expect(partial.text).not.toContain('<html');
    expect(partial.text).toMatch(/<section id="abonnement"[\s\S]*role="alert"[^>]*>Trop de demandes d’abonnement/);
    // Refused by the IP limit: the address's allowance is untouched.
    expect(await rowsOf(school, 'login_throttles', { key: `list-confirm:address:${sha256(late)}` })).toHaveLength(0);
    await drain(school);
    expect(receivedBy(relay.smtp.received, late)).toHaveLength(0);
    expect(relay.smtp.received.filter((m) => toOf(m).startsWith(`${prefix}-`)).length).toBe(LIST_CONFIRM_LIMITS.perIp.limit);

    // Another school is counted apart.
    const elsewhere = await publicList();
    expect((await elsewhere.ask(late)).status).toBe(200);

    advanceClock(61 * MINUTE);
    expect((await ask(late)).status).toBe(200);
    await drain(school);
    expect(receivedBy(relay.smtp.received, late)).toHaveLength(1);
  });

  it('an IPv6 client is counted by its /64 network; an IPv4-mapped address as IPv4', () => {
    expect(clientNetwork('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientNetwork('192.0.2.7')).toBe('192.0.2.7');
  });
});
