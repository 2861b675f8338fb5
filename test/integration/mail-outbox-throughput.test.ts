import { describe, expect, it } from 'vitest';
import { tenantTx } from '../../app/db/index.js';
import { mailEnqueuer } from '../../app/modules/mailing/outbox.js';
import { drainOutbox } from '../../app/modules/mailing/worker.js';
import { buildTenant } from '../fixtures/factories.js';
import { useTestSmtp } from '../fixtures/smtp.js';

const relay = useTestSmtp();

/** Issue 5's targets: a 10,000-recipient broadcast queued in under 2 s, delivered to a local SMTP server at ≥ 200/s. */
describe('mail outbox throughput', () => {
  it('queues 10,000 mails in under 2 s and delivers them at 200/s or more, with the default worker settings', async () => {
    const tenant = await buildTenant();
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ idempotencyKey: `perf:1:${i}`, to: `p${i}@example.org`, subject: 'Info', text: 'Bonjour' }));
    let t = performance.now();
    await tenantTx(tenant, () => mailEnqueuer(rows));
    const queueMs = performance.now() - t;
    t = performance.now();
    const r = await drainOutbox({ transport: relay.transport, tenants: () => [tenant] });
    const sendMs = performance.now() - t;
    expect(r.sent).toBe(10_000);
    expect(relay.smtp.received.length).toBe(10_000);
    expect(queueMs).toBeLessThan(2_000);
    expect((r.sent * 1000) / sendMs).toBeGreaterThanOrEqual(200);
  }, 120_000);
});
