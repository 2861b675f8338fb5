import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerTx, systemDb, tenantTx } from '../../app/db/index.js';
import { createJobQueues, JOB_SCHEMA } from '../../app/jobs/schema.js';
import { defineJob, enqueueJob, runDueJobs, startJobs } from '../../app/jobs/queue.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildTenant, uniq } from '../fixtures/factories.js';

// The job queue is pg-boss on the application's own connection and role, with queues made by migrations.
const QUEUE = uniq('essai').replace(/[^a-z0-9-]/gi, '-');
const ran: { tenantId: string; n: number }[] = [];
let failNext = false;

defineJob<{ tenantId: string; n: number }>(QUEUE, async (data) => {
  if (failNext) {
    failNext = false;
    throw new Error('panne simulée');
  }
  ran.push(data);
});

let school: Tenant;

beforeAll(async () => {
  school = await buildTenant();
  // As a migration would: the owner declares the queue (the application role may not create its table).
  await ownerTx((trx) => createJobQueues(trx, [{ name: QUEUE, retryLimit: 2, retryDelay: 1, retryBackoff: false }]));
});

afterAll(() => {
  ran.length = 0;
});

const stateOf = async (id: string) =>
  (await systemDb().raw(`select state from ${JOB_SCHEMA}.job where name = ? and id = ?`, [QUEUE, id])).rows[0]?.state;

describe('the job queue', () => {
  it('writes a job in the transaction that queues it: a rollback leaves no job', async () => {
    await expect(
      tenantTx(school, async () => {
        await enqueueJob(QUEUE, { tenantId: school.id, n: 1 });
        throw new Error('annulé');
      }),
    ).rejects.toThrow('annulé');
    expect(await runDueJobs([QUEUE])).toEqual({ completed: 0, failed: 0 });
    expect(ran).toEqual([]);
  });

  it('runs a committed job once, with its data, and marks it completed', async () => {
    const id = await tenantTx(school, () => enqueueJob(QUEUE, { tenantId: school.id, n: 2 }));
    expect(id).toBeTruthy();
    expect(await runDueJobs([QUEUE])).toEqual({ completed: 1, failed: 0 });
    expect(ran).toEqual([{ tenantId: school.id, n: 2 }]);
    expect(await stateOf(id!)).toBe('completed');
    expect(await runDueJobs([QUEUE])).toEqual({ completed: 0, failed: 0 });
  });

  it('keeps a failed job for a retry, and runs it on the retry', async () => {
    ran.length = 0;
    failNext = true;
    const id = await enqueueJob(QUEUE, { tenantId: school.id, n: 3 });
    expect(await runDueJobs([QUEUE])).toEqual({ completed: 0, failed: 1 });
    expect(await stateOf(id!)).toBe('retry');
    // Its retry is due after retryDelay (1 s, the database's clock).
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await runDueJobs([QUEUE])).toEqual({ completed: 1, failed: 0 });
    expect(ran).toEqual([{ tenantId: school.id, n: 3 }]);
  });

  it('a job that waits for its time is not run before it', async () => {
    ran.length = 0;
    await enqueueJob(QUEUE, { tenantId: school.id, n: 4 }, { startAfter: new Date(Date.now() + 60 * 60_000) });
    expect(await runDueJobs([QUEUE])).toEqual({ completed: 0, failed: 0 });
    expect(ran).toEqual([]);
  });

  it('the serving worker polls the queue and runs what arrives', async () => {
    ran.length = 0;
    const worker = await startJobs({ pollingIntervalSeconds: 0.5 });
    try {
      await enqueueJob(QUEUE, { tenantId: school.id, n: 5 });
      const deadline = Date.now() + 15_000;
      while (!ran.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(ran).toEqual([{ tenantId: school.id, n: 5 }]);
    } finally {
      await worker.stop();
    }
  });
});
