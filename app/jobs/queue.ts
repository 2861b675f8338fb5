import type { Knex } from 'knex';
import PgBoss from 'pg-boss';
import { inTenantScope, db, systemDb } from '../db/index.js';
import { log } from '../lib/log.js';
import { JOB_SCHEMA } from './schema.js';

/**
 * The job queue: pg-boss over the application's own knex connection (on PGlite there is only one, so the queue
 * must share it), its tables in the `pgboss` schema made by migrations.
 *
 * - `defineJob(name, handler)` declares what a queue's jobs do (at module load; the queue itself comes from a
 *   migration, see app/jobs/schema.ts createJobQueues);
 * - `enqueueJob(name, data)` inside a tenant transaction writes the job in that transaction: it exists if and
 *   only if what caused it committed;
 * - `startJobs()` (the `serve` command) polls every defined queue and runs the cron schedules;
 * - `runDueJobs()` runs what is due now, to the end, in the caller's process (tests, the CLI).
 *
 * Handlers run outside any transaction and open their school's with tenantTx(data.tenantId…) themselves.
 */
export type JobHandler<T extends object> = (data: T, job: { id: string; name: string }) => Promise<void>;

interface Definition {
  handler: JobHandler<any>;
  cron?: string;
}

const definitions = new Map<string, Definition>();
let boss: PgBoss | null = null;
let started = false;

/**
 * A pg-boss `db` over knex: pg-boss writes `$1` placeholders, knex `?` ones. Literal question marks are escaped
 * so knex leaves them alone.
 */
function knexExecutor(k: Knex | Knex.Transaction) {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const bindings: unknown[] = [];
      const sql = text.replace(/\?/g, '\\?').replace(/\$(\d+)/g, (_, n: string) => {
        bindings.push(values[Number(n) - 1] ?? null);
        return '?';
      });
      const result = await k.raw(sql, bindings as Knex.RawBinding[]);
      // A multi-statement script answers an array of results; pg-boss reads the last one's rows.
      return Array.isArray(result) ? result[result.length - 1] : result;
    },
  };
}

function theBoss(): PgBoss {
  if (!boss) {
    boss = new PgBoss({
      db: { executeSql: (text, values) => knexExecutor(systemDb()).executeSql(text, values) },
      schema: JOB_SCHEMA,
      // The schema comes from our migrations (as the owner); the application role creates nothing.
      migrate: false,
      // Archiving and deleting finished jobs, and the cron schedules, run in the serving process.
      supervise: true,
      schedule: true,
    });
    boss.on('error', (err) => log.error({ err }, 'jobs: queue error'));
  }
  return boss;
}

/** Declares the handler of a queue's jobs, and optionally a cron schedule (e.g. every 15 minutes). */
export function defineJob<T extends object>(name: string, handler: JobHandler<T>, opts: { cron?: string } = {}): void {
  definitions.set(name, { handler, cron: opts.cron });
}

/**
 * Queues a job. Inside a tenant transaction it is written in that transaction; elsewhere on its own.
 * `singletonKey` keeps one queued job per key (e.g. one refresh per feed); `startAfter` delays it.
 */
export async function enqueueJob<T extends object>(
  name: string,
  data: T,
  opts: { startAfter?: Date; singletonKey?: string; retryLimit?: number } = {},
): Promise<string | null> {
  const options: PgBoss.SendOptions = { ...opts };
  if (inTenantScope()) options.db = knexExecutor(db());
  return theBoss().send(name, data, options);
}

/** Starts polling every defined queue and the cron schedules (the `serve` command). */
export async function startJobs(opts: { pollingIntervalSeconds?: number } = {}): Promise<{ stop(): Promise<void> }> {
  const b = theBoss();
  await b.start();
  started = true;
  for (const [name, def] of definitions) {
    await b.work<object>(name, { pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2, batchSize: 1 }, async (jobs) => {
      for (const job of jobs) await runOne(name, def, job);
    });
    if (def.cron) await b.schedule(name, def.cron, {}, { tz: 'Europe/Paris' });
  }
  return {
    async stop() {
      if (!started) return;
      started = false;
      await b.stop({ graceful: true, wait: true, timeout: 10_000 });
      boss = null;
    },
  };
}

async function runOne(name: string, def: Definition, job: { id: string; data: object }) {
  try {
    await def.handler(job.data, { id: job.id, name });
  } catch (err) {
    log.warn({ err, job: name, id: job.id }, 'jobs: a job failed (it will be retried)');
    throw err;
  }
}

/**
 * Runs every job due now in the given queues (all defined ones by default) until none is left, marking each
 * completed or failed as the worker would. Returns how many ran. For tests and the CLI: the same queue, the
 * same handlers, without waiting for a poll.
 */
export async function runDueJobs(names: string[] = [...definitions.keys()]): Promise<{ completed: number; failed: number }> {
  if (inTenantScope()) throw new Error('runDueJobs inside a tenant transaction');
  const b = theBoss();
  const counts = { completed: 0, failed: 0 };
  for (let more = true; more; ) {
    more = false;
    for (const name of names) {
      const def = definitions.get(name);
      if (!def) throw new Error(`no job defined for queue ${name}`);
      const jobs = await b.fetch<object>(name, { batchSize: 10 });
      for (const job of jobs ?? []) {
        more = true;
        try {
          await runOne(name, def, job);
          await b.complete(name, job.id);
          counts.completed++;
        } catch (err) {
          await b.fail(name, job.id, { message: err instanceof Error ? err.message : String(err) });
          counts.failed++;
        }
      }
    }
  }
  return counts;
}

/** Forgets the queue client (tests that reopen the database). */
export function resetJobs(): void {
  boss = null;
  started = false;
}
