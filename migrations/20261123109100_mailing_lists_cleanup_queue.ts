import type { Knex } from 'knex';
import { createJobQueues } from '../app/jobs/schema.js';

// The job queue of the nightly clean-up of the rubric mailing lists (app/modules/mailing/cleanup.ts).
export async function up(knex: Knex): Promise<void> {
  await createJobQueues(knex, [{ name: 'mailing-lists-cleanup' }]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`select pgboss.delete_queue(?)`, ['mailing-lists-cleanup']);
}
