import fs from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { config } from '../../app/config.js';
import { systemDb, tenantTx } from '../../app/db/index.js';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { mailEnqueuer, OutboxMailError, outboxCounts, type OutboxMail } from '../../app/modules/mailing/outbox.js';
import { createMailTransport, messageIdOf } from '../../app/modules/mailing/transport.js';
import { claimDue, drainOutbox, processTenant, startOutboxWorker } from '../../app/modules/mailing/worker.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildTenant, uniq } from '../fixtures/factories.js';
import { useTestSmtp } from '../fixtures/smtp.js';

const relay = useTestSmtp();

afterEach(() => {
  resetClock();
  relay.smtp.refuse = false;
  relay.smtp.received.length = 0;
});

function mails(n: number, cause = uniq('diffusion')): OutboxMail[] {
  return Array.from({ length: n }, (_, i) => ({
    idempotencyKey: `${cause}:msg-1:dest${i}@example.org`,
    to: `dest${i}@example.org`,
    subject: `Sortie au musée (${i})`,
    text: 'Bonjour,\nla sortie a lieu jeudi.',
    html: '<p>Bonjour,</p><p>la sortie a lieu <strong>jeudi</strong>.</p>',
    headers: { 'List-Id': '<vie-scolaire.example.org>', 'List-Unsubscribe': '<https://example.org/desabonnement/x>' },
  }));
}

const enqueue = (tenant: Tenant, list: OutboxMail[]) => tenantTx(tenant, () => mailEnqueuer(list));
const statuses = (tenant: Tenant) => tenantTx(tenant, () => outboxCounts());
const opts = (tenant: Tenant, extra: Parameters<typeof drainOutbox>[0] = {}) => ({ transport: relay.transport, tenants: () => [tenant], ...extra });

/** Recipients received for a school, with how many times each. */
function receivedCounts(tenant: Tenant): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of relay.smtp.received) {
    if (!m.from?.value[0]?.address?.endsWith(`@${tenant.slug}.${config().publicBaseDomain}`)) continue;
    const to = (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address ?? '';
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

const headerLine = (m: ParsedMail, key: string) => m.headerLines.find((h) => h.key === key)?.line;

function expectExactlyOnce(tenant: Tenant, n: number) {
  const counts = receivedCounts(tenant);
  expect(counts.size).toBe(n);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
}

describe('mail outbox', () => {
  it('delivers 300 mails to 300 recipients exactly once each, with a stable Message-ID and the list headers', async () => {
    const tenant = await buildTenant();
    expect(await enqueue(tenant, mails(300, 'bulletin'))).toBe(300);
    // The same cause enqueued again adds nothing (idempotency key per message and recipient).
    expect(await enqueue(tenant, mails(300, 'bulletin'))).toBe(0);
    const r = await drainOutbox(opts(tenant));
    expect(r.sent).toBe(300);
    expectExactlyOnce(tenant, 300);
    expect(await statuses(tenant)).toEqual({ pending: 0, sending: 0, sent: 300, dead: 0 });
    // A second drain finds nothing to send.
    expect((await drainOutbox(opts(tenant))).claimed).toBe(0);
    expect(relay.smtp.received.length).toBe(300);

    const one = relay.smtp.received[0]!;
    const row = await tenantTx(tenant, (trx) => trx('mail_outbox').where('to_address', (Array.isArray(one.to) ? one.to[0] : one.to)!.value[0]!.address).first());
    expect(one.messageId).toBe(messageIdOf(row.id));
    expect(headerLine(one, 'list-id')).toMatch(/^List-Id: <vie-scolaire\.example\.org>$/i);
    expect(headerLine(one, 'list-unsubscribe')).toBe('List-Unsubscribe: <https://example.org/desabonnement/x>');
    expect(one.text).toContain('la sortie a lieu jeudi');
    expect(one.html).toContain('<strong>jeudi</strong>');
    expect(row.sent_at).not.toBeNull();
  });

  it('stopping the SMTP server mid-way and starting it again still delivers exactly 300 (retries with backoff)', async () => {
    const tenant = await buildTenant();
    await enqueue(tenant, mails(300));
    // A first batch goes through, then the server goes away.
    const first = await processTenant(tenant, { transport: relay.transport, batchSize: 120 });
    expect(first.sent).toBe(120);
    await relay.smtp.stop();
    const down = await drainOutbox(opts(tenant));
    expect(down.sent).toBe(0);
    expect(down.retried).toBe(180);
    expect(await statuses(tenant)).toEqual({ pending: 180, sending: 0, sent: 120, dead: 0 });
    const failed = await tenantTx(tenant, (trx) => trx('mail_outbox').where('status', 'pending').first());
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toBeTruthy();

    await relay.smtp.start();
    // Not due yet: the backoff holds them.
    expect((await drainOutbox(opts(tenant))).claimed).toBe(0);
    advanceClock(61_000);
    const after = await drainOutbox(opts(tenant));
    expect(after.sent).toBe(180);
    expectExactlyOnce(tenant, 300);
    expect(await statuses(tenant)).toEqual({ pending: 0, sending: 0, sent: 300, dead: 0 });
  });

  it('rows left "sending" by a killed worker are sent once when their lease expires', async () => {
    const tenant = await buildTenant();
    await enqueue(tenant, mails(40));
    // A worker claims 25 rows and dies before sending them.
    const claimed = await claimDue(tenant, 25, 60_000);
    expect(claimed).toHaveLength(25);
    expect(await statuses(tenant)).toMatchObject({ pending: 15, sending: 25 });
    // Another worker meanwhile: only the 15 unleased rows.
    expect((await drainOutbox(opts(tenant))).sent).toBe(15);
    expect(receivedCounts(tenant).size).toBe(15);
    advanceClock(61_000);
    expect((await drainOutbox(opts(tenant))).sent).toBe(25);
    expectExactlyOnce(tenant, 40);
    expect(await statuses(tenant)).toEqual({ pending: 0, sending: 0, sent: 40, dead: 0 });
  });

  it('two workers draining at once never send a row twice (skip locked + lease)', async () => {
    const tenant = await buildTenant();
    await enqueue(tenant, mails(200));
    const [r1, r2] = await Promise.all([drainOutbox(opts(tenant, { batchSize: 20 })), drainOutbox(opts(tenant, { batchSize: 20 }))]);
    expect(r1.sent + r2.sent).toBe(200);
    expectExactlyOnce(tenant, 200);
  });

  it('a permanently refusing server leaves rows dead after maxAttempts attempts', async () => {
    const tenant = await buildTenant();
    await enqueue(tenant, mails(5));
    relay.smtp.refuse = true;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const r = await drainOutbox(opts(tenant, { maxAttempts: 3 }));
      expect(r.claimed).toBe(5);
      expect(r.dead).toBe(attempt === 3 ? 5 : 0);
      advanceClock(24 * 3600_000);
    }
    expect(await statuses(tenant)).toEqual({ pending: 0, sending: 0, sent: 0, dead: 5 });
    const dead = await tenantTx(tenant, (trx) => trx('mail_outbox').first());
    expect(dead.attempts).toBe(3);
    expect(dead.last_error).toMatch(/550/);
    expect((await drainOutbox(opts(tenant, { maxAttempts: 3 }))).claimed).toBe(0);
    expect(relay.smtp.received).toHaveLength(0);
  });

  it('without SMTP_URL writes parseable .eml files under DATA_DIR/mail/', async () => {
    const tenant = await buildTenant();
    await enqueue(tenant, mails(3));
    const eml = createMailTransport({ smtpUrl: undefined });
    expect(eml.kind).toBe('eml');
    expect((await drainOutbox({ transport: eml, tenants: () => [tenant] })).sent).toBe(3);
    const dir = path.join(config().dataDir, 'mail', tenant.slug);
    const files = fs.readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(3);
    expect(files.some((f) => f.endsWith('.tmp'))).toBe(false);
    const rows = await tenantTx(tenant, (trx) => trx('mail_outbox').select('id', 'to_address', 'status'));
    for (const row of rows) {
      expect(row.status).toBe('sent');
      const parsed = await simpleParser(fs.readFileSync(path.join(dir, `${row.id}.eml`)));
      expect(parsed.messageId).toBe(messageIdOf(row.id));
      expect((Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.value[0]?.address).toBe(row.to_address);
      expect(parsed.subject).toMatch(/^Sortie au musée/);
      expect(headerLine(parsed, 'list-id')).toMatch(/^List-Id: <vie-scolaire\.example\.org>$/i);
    }
  });

  it('refuses CR/LF in a header, the subject or the address, and writes nothing', async () => {
    const tenant = await buildTenant();
    const [good] = mails(1);
    const bad: OutboxMail[] = [
      { ...good!, idempotencyKey: 'a', headers: { 'List-Id': '<x>\r\nBcc: victime@example.org' } },
      { ...good!, idempotencyKey: 'b', headers: { 'List-Unsubscribe': '<x>\nX: y' } },
      { ...good!, idempotencyKey: 'c', subject: 'Bonjour\r\nBcc: victime@example.org' },
      { ...good!, idempotencyKey: 'd', headers: { 'X-Bad\r\nBcc': 'v' } },
      { ...good!, idempotencyKey: 'e', headers: { Bcc: 'victime@example.org' } },
      { ...good!, idempotencyKey: 'f', to: 'a@example.org\r\nBcc: victime@example.org' },
    ];
    for (const m of bad) await expect(enqueue(tenant, [good!, m])).rejects.toThrow(OutboxMailError);
    expect(await statuses(tenant)).toEqual({ pending: 0, sending: 0, sent: 0, dead: 0 });
  });

  it('an enqueue rolled back with its cause sends nothing', async () => {
    const tenant = await buildTenant();
    await expect(
      tenantTx(tenant, async () => {
        await mailEnqueuer(mails(10));
        throw new Error('the cause failed');
      }),
    ).rejects.toThrow('the cause failed');
    expect(await statuses(tenant)).toEqual({ pending: 0, sending: 0, sent: 0, dead: 0 });
    expect((await drainOutbox(opts(tenant))).claimed).toBe(0);
    expect(receivedCounts(tenant).size).toBe(0);
  });

  it("never touches another school's rows: a claim and RLS see only the school's own", async () => {
    const a = await buildTenant();
    const b = await buildTenant();
    await enqueue(a, mails(7));
    await enqueue(b, mails(4));
    // Even an unfiltered update in school A's transaction reaches only A's rows (row-level security).
    const touched = await tenantTx(a, (trx) => trx('mail_outbox').update({ last_error: 'vu' }));
    expect(touched).toBe(7);
    // Claiming for A with B's id in the filter: RLS still hides B's rows.
    const none = await tenantTx(a, async (trx) => (await trx.raw(`select count(*)::int as n from mail_outbox where tenant_id = ?`, [b.id])).rows[0].n);
    expect(none).toBe(0);
    expect((await drainOutbox(opts(a))).sent).toBe(7);
    expect(await statuses(b)).toEqual({ pending: 4, sending: 0, sent: 0, dead: 0 });
    expect(Number((await tenantTx(b, (trx) => trx('mail_outbox').whereNotNull('last_error').count('* as n')))[0]!.n)).toBe(0);
    // Outside any school, nothing is visible at all.
    expect(Number((await systemDb()('mail_outbox').count('* as n'))[0]!.n)).toBe(0);
    expect(receivedCounts(b).size).toBe(0);
    expect(receivedCounts(a).size).toBe(7);
  });

  it('the periodic worker sends what is enqueued and stops cleanly', async () => {
    const tenant = await buildTenant();
    const worker = startOutboxWorker({ ...opts(tenant), idleMs: 50 });
    await enqueue(tenant, mails(12));
    const deadline = Date.now() + 10_000;
    while (receivedCounts(tenant).size < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const t0 = Date.now();
    await worker.stop();
    expect(Date.now() - t0).toBeLessThan(2_000);
    expectExactlyOnce(tenant, 12);
    await expect(tenantTx(tenant, () => drainOutbox(opts(tenant)))).rejects.toThrow(/tenant transaction/);
  });
});
