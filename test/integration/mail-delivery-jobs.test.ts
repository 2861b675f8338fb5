import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { config } from '../../app/config.js';
import { systemDb, tenantTx } from '../../app/db/index.js';
import { runDueJobs } from '../../app/jobs/queue.js';
import { JOB_SCHEMA } from '../../app/jobs/schema.js';
import { MAIL_DELIVERY_QUEUE, mailEnqueuer, type OutboxMail } from '../../app/modules/mailing/outbox.js';
import { createMailTransport } from '../../app/modules/mailing/transport.js';
import { deliverSchool } from '../../app/modules/mailing/worker.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { startTestSmtp, type TestSmtp } from '../fixtures/smtp.js';

// Mail is delivered because it was queued: mailEnqueuer writes a `mail-delivery` job for its school in the
// same transaction; the job's run delivers (here through the default transport: .eml files under DATA_DIR).
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startTestSmtp();
});
afterAll(() => smtp?.stop());

const mails = (n: number, cause = uniq('essai')): OutboxMail[] =>
  Array.from({ length: n }, (_, i) => ({ idempotencyKey: `${cause}:${i}`, to: `dest${i}@example.org`, subject: `Message ${i}`, text: 'Bonjour.' }));

const jobsOf = async (school: Tenant) =>
  (
    await systemDb().raw(`select state, start_after from ${JOB_SCHEMA}.job where name = ? and data->>'tenantId' = ? order by created_on`, [
      MAIL_DELIVERY_QUEUE,
      school.id,
    ])
  ).rows as { state: string; start_after: Date }[];

const emlFiles = (school: Tenant) => {
  const dir = path.join(config().dataDir, 'mail', school.slug);
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
};

describe('mail delivery woken by jobs', () => {
  it('queued mail comes with one delivery job for its school; running it delivers every mail', async () => {
    const school = await buildTenant();
    await tenantTx(school, async () => {
      await mailEnqueuer(mails(2));
      await mailEnqueuer(mails(1));
    });
    // A burst of mails in the same minute makes one job.
    expect((await jobsOf(school)).map((j) => j.state)).toEqual(['created']);
    await runDueJobs([MAIL_DELIVERY_QUEUE]);
    expect((await rowsOf(school, 'mail_outbox')).map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
    expect(emlFiles(school)).toHaveLength(3);
    expect((await jobsOf(school)).map((j) => j.state)).toEqual(['completed']);
  });

  it('a rolled-back cause leaves neither mail nor job', async () => {
    const school = await buildTenant();
    await expect(
      tenantTx(school, async () => {
        await mailEnqueuer(mails(1));
        throw new Error('annulé');
      }),
    ).rejects.toThrow('annulé');
    expect(await jobsOf(school)).toEqual([]);
    expect(await rowsOf(school, 'mail_outbox')).toEqual([]);
  });

  it('mail for later gets a job for later: nothing is sent before', async () => {
    const school = await buildTenant();
    const later = new Date(Date.now() + 2 * 3600_000);
    await tenantTx(school, () => mailEnqueuer(mails(1), { notBefore: later }));
    const [job] = await jobsOf(school);
    expect(Math.abs(new Date(job!.start_after).getTime() - later.getTime())).toBeLessThan(1_000);
    await runDueJobs([MAIL_DELIVERY_QUEUE]);
    expect((await rowsOf(school, 'mail_outbox')).map((r) => r.status)).toEqual(['pending']);
    expect(emlFiles(school)).toHaveLength(0);
  });

  it('after a failed round, a job wakes the school when the retry is due', async () => {
    const school = await buildTenant();
    await tenantTx(school, () => mailEnqueuer(mails(1)));
    smtp.refuse = true;
    const transport = createMailTransport({ smtpUrl: smtp.url });
    try {
      const r = await deliverSchool(school, { transport });
      expect(r.retried).toBe(1);
    } finally {
      transport.close();
      smtp.refuse = false;
    }
    const [row] = await rowsOf(school, 'mail_outbox');
    expect(row.status).toBe('pending');
    const retryJob = (await jobsOf(school)).find((j) => new Date(j.start_after).getTime() > Date.now() + 30_000);
    expect(retryJob).toBeDefined();
    expect(Math.abs(new Date(retryJob!.start_after).getTime() - new Date(row.next_attempt_at).getTime())).toBeLessThan(1_000);
  });
});
