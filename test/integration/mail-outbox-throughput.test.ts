import { describe, expect, it } from 'vitest';
import { tenantTx } from '../../app/db/index.js';
import { mailEnqueuer } from '../../app/modules/mailing/outbox.js';
import { drainOutbox } from '../../app/modules/mailing/worker.js';
import { buildTenant } from '../fixtures/factories.js';
import { useTestSmtp } from '../fixtures/smtp.js';

const relay = useTestSmtp();

/**
 * A 10,000-recipient burst through the outbox with the default worker settings: every mail reaches the SMTP
 * server, each address once. How fast (issue 5: queued in under 2 s, delivered at ≥ 200/s) is measured by
 * `npx tsx test/bench/mailing-broadcast.ts`, never asserted by a test.
 */
describe('mail outbox at scale', () => {
  it('delivers 10,000 queued mails, each address exactly once, with the default worker settings', async () => {
    const tenant = await buildTenant();
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ idempotencyKey: `perf:1:${i}`, to: `p${i}@example.org`, subject: 'Info', text: 'Bonjour' }));
    await tenantTx(tenant, () => mailEnqueuer(rows));
    const r = await drainOutbox({ transport: relay.transport, tenants: () => [tenant] });
    expect(r.sent).toBe(10_000);
    expect(relay.smtp.received.length).toBe(10_000);
    const addresses = new Set(relay.smtp.received.map((m) => (Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address));
    expect(addresses.size).toBe(10_000);
  }, 120_000);
});
