import type { Knex } from 'knex';
import { createJobQueues } from '../app/jobs/schema.js';

// The job queue of the nightly clean-up of ended sign-in counters (app/auth/throttle-cleanup.ts).
export async function up(knex: Knex): Promise<void> {
  await createJobQueues(knex, [{ name: 'sign-in-throttles-cleanup' }]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`select pgboss.delete_queue(?)`, ['sign-in-throttles-cleanup']);
}
