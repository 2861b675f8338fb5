import type { Knex } from 'knex';
import PgBoss from 'pg-boss';

/** The schema of the job queue's own tables (pg-boss). They hold no school data beyond ids in job payloads. */
export const JOB_SCHEMA = 'pgboss';

/**
 * Creates queues at migration time, as the owner: pg-boss makes a partition table per queue, and the
 * application role creates nothing at run time (it owns nothing, like everywhere else). A new kind of job
 * therefore comes with a migration that declares its queue.
 */
export async function createJobQueues(
  knex: Knex,
  queues: { name: string; policy?: 'standard' | 'short' | 'singleton' | 'stately'; retryLimit?: number; retryDelay?: number; retryBackoff?: boolean; expireInSeconds?: number; retentionMinutes?: number }[],
): Promise<void> {
  for (const q of queues) {
    const options = {
      // 'short': at most one job per singleton key waits in the queue (one more may run meanwhile).
      policy: q.policy ?? 'standard',
      retryLimit: q.retryLimit ?? 3,
      retryDelay: q.retryDelay ?? 30,
      retryBackoff: q.retryBackoff ?? true,
      expireInSeconds: q.expireInSeconds ?? 15 * 60,
      retentionMinutes: q.retentionMinutes ?? 7 * 24 * 60,
      deadLetter: null,
    };
    await knex.raw(`select ${JOB_SCHEMA}.create_queue(?, ?::json)`, [q.name, JSON.stringify(options)]);
  }
  await grantJobTables(knex);
}

/** The application role reads and writes the queue's tables, including the partitions just made. */
export async function grantJobTables(knex: Knex): Promise<void> {
  await knex.raw(`grant usage on schema ${JOB_SCHEMA} to preau_app`);
  await knex.raw(`grant select, insert, update, delete on all tables in schema ${JOB_SCHEMA} to preau_app`);
  await knex.raw(`grant execute on all functions in schema ${JOB_SCHEMA} to preau_app`);
}

/** pg-boss's construction script, without its own BEGIN/COMMIT (a migration is already a transaction). */
export function jobQueueConstruction(): string {
  const script = PgBoss.getConstructionPlans(JOB_SCHEMA);
  return script.replace(/^\s*BEGIN;/, '').replace(/COMMIT;\s*$/, '');
}
