import { afterEach, describe, expect, it } from 'vitest';
import { ownerTenantTx, tenantTx } from '../../app/db/index.js';
import { enqueueJob, runDueJobs } from '../../app/jobs/queue.js';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { LISTS_CLEANUP_QUEUE, staleListRowsRemover } from '../../app/modules/mailing/cleanup.js';
import { sha256 } from '../../app/modules/mailing/lists.js';
import { drainOutbox } from '../../app/modules/mailing/worker.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { Client, csrfFrom, hostOf } from '../fixtures/http.js';
import { useTestSmtp } from '../fixtures/smtp.js';
import { receivedBy } from './mailing-support.js';

// The nightly clean-up deletes visitors' subscriptions left unconfirmed past their link's 7 days (and the
// list throttle's ended counters), school by school; confirmed subscriptions and their unsubscribe links stay.
// The rows are made in the past (the clock moved back), so the job, run at the real time, only finds these
// as stale even on a database other test files use at the same time.

const relay = useTestSmtp();
afterEach(() => resetClock());

const DAY = 24 * 3600_000;

async function publicList() {
  const school = await buildTenant();
  const slug = uniq('vie');
  const rubricId = newId();
  await ownerTenantTx(school, (trx) => trx('rubrics').insert({ tenant_id: school.id, id: rubricId, slug, name: 'Vie du collège', visibility: 'public', mailing_list_enabled: true }));
  const visitor = new Client(hostOf(school));
  const _csrf = csrfFrom((await visitor.get(`/rubriques/${slug}/abonnement`)).text);
  const ask = async (email: string) => expect((await visitor.post(`/rubriques/${slug}/abonnement`, { _csrf, email })).status).toBe(200);
  return { school, rubricId, visitor, ask };
}

/** Confirms an address through the link of its confirmation mail. Returns the subscription's id. */
async function confirm(list: Awaited<ReturnType<typeof publicList>>, email: string): Promise<string> {
  await drainOutbox({ transport: relay.transport, tenants: () => [list.school] });
  const token = /\/listes\/confirmation\/([A-Za-z0-9_-]{43})/.exec(receivedBy(relay.smtp.received, email)[0]!.text ?? '')![1]!;
  const page = await list.visitor.get(`/listes/confirmation/${token}`);
  expect((await list.visitor.post(`/listes/confirmation/${token}`, { _csrf: csrfFrom(page.text) })).status).toBe(200);
  const [row] = await rowsOf(list.school, 'mailing_subscriptions', { email });
  expect(row.confirmed_at).not.toBeNull();
  return row.id;
}

const addresses = async (school: Tenant) => (await rowsOf(school, 'mailing_subscriptions')).map((r) => r.email).sort();

describe('nightly clean-up of the mailing lists', () => {
  it('deletes 8-day-old pending subscriptions, keeps confirmed ones (their unsubscribe links work) and 1-day-old pending ones, school by school', async () => {
    const a = await publicList();
    const b = await publicList();
    const mail = (p: string) => `${uniq(p)}@example.org`;
    const [oldA, confA, recentA, freshA, oldB, confB, recentB] = ['vieux-a', 'conf-a', 'recent-a', 'frais-a', 'vieux-b', 'conf-b', 'recent-b'].map(mail) as string[];

    // Eight days ago: pending and confirmed subscriptions in both schools.
    advanceClock(-8 * DAY);
    await a.ask(oldA!);
    await a.ask(confA!);
    const confAId = await confirm(a, confA!);
    await b.ask(oldB!);
    await b.ask(confB!);
    await confirm(b, confB!);
    // A list mail sent then to the confirmed address: its one-click link must keep working.
    const unsubscribe = 'u'.repeat(43);
    await ownerTenantTx(a.school, (trx) =>
      trx('mailing_unsubscribe_tokens').insert({ tenant_id: a.school.id, token_hash: sha256(unsubscribe), subscription_id: confAId, created_at: new Date(Date.now() - 8 * DAY) }),
    );
    // One day ago: pending ones, their link still valid.
    resetClock();
    advanceClock(-1 * DAY);
    await a.ask(recentA!);
    await b.ask(recentB!);
    // Now: a fresh request, whose throttle counter is still running.
    resetClock();
    await a.ask(freshA!);
    const throttleKey = (e: string) => `list-confirm:address:${sha256(e)}`;
    expect(await rowsOf(a.school, 'login_throttles', { key: throttleKey(oldA!) })).toHaveLength(1);

    // One school's clean-up, in its own transaction: the other school's rows are untouched.
    const counts = await tenantTx(a.school, () => staleListRowsRemover());
    expect(counts.pendingSubscriptions).toBe(1);
    expect(await addresses(a.school)).toEqual([confA, freshA, recentA].sort());
    expect(await addresses(b.school)).toEqual([confB, oldB, recentB].sort());

    // The nightly job does every school.
    await enqueueJob(LISTS_CLEANUP_QUEUE, {});
    expect((await runDueJobs([LISTS_CLEANUP_QUEUE])).failed).toBe(0);
    expect(await addresses(a.school)).toEqual([confA, freshA, recentA].sort());
    expect(await addresses(b.school)).toEqual([confB, recentB].sort());

    // The recent pending one can still be confirmed; the confirmed one's unsubscribe link still works.
    await confirm(a, recentA!);
    const page = await a.visitor.get(`/listes/desabonnement/${unsubscribe}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Me désabonner');
    expect(await rowsOf(a.school, 'mailing_unsubscribe_tokens', { subscription_id: confAId })).toHaveLength(1);

    // Ended throttle counters go; a running one stays.
    expect(await rowsOf(a.school, 'login_throttles', { key: throttleKey(oldA!) })).toHaveLength(0);
    expect(await rowsOf(a.school, 'login_throttles', { key: throttleKey(freshA!) })).toHaveLength(1);
  });

  it('keeps a pending subscription whose confirmation link was sent again less than 7 days ago', async () => {
    const a = await publicList();
    const email = `${uniq('relance')}@example.org`;
    advanceClock(-8 * DAY);
    await a.ask(email);
    resetClock();
    // Each confirmation mail delivered before the next is asked for: one drain would send both at once, in
    // either order, and the latest link is the one that must still work.
    await drainOutbox({ transport: relay.transport, tenants: () => [a.school] });
    advanceClock(-2 * DAY);
    await a.ask(email);
    resetClock();
    await tenantTx(a.school, () => staleListRowsRemover());
    expect(await addresses(a.school)).toEqual([email]);
    // Its latest link still confirms it.
    await drainOutbox({ transport: relay.transport, tenants: () => [a.school] });
    const links = receivedBy(relay.smtp.received, email).map((m) => /\/listes\/confirmation\/([A-Za-z0-9_-]{43})/.exec(m.text ?? '')![1]!);
    expect(links).toHaveLength(2);
    const page = await a.visitor.get(`/listes/confirmation/${links[1]}`);
    expect(page.status).toBe(200);
  });
});
