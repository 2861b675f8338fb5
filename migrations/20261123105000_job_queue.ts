import type { Knex } from 'knex';
import { createJobQueues, JOB_SCHEMA, jobQueueConstruction } from '../app/jobs/schema.js';

/**
 * The job queue (pg-boss) for long work run outside requests: image variants, external feeds, clean-ups,
 * scheduled sends. Its tables live in their own schema, owned by the owner role; the application role may
 * read and write them. The `__pgboss__send-it` queue is pg-boss's own, for cron schedules.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(jobQueueConstruction());
  await createJobQueues(knex, [{ name: '__pgboss__send-it' }]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop schema ${JOB_SCHEMA} cascade`);
}
