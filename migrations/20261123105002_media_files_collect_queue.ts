import type { Knex } from 'knex';
import { createJobQueues } from '../app/jobs/schema.js';

// (After 20261123105000, which makes the queue's schema: the brief's range 104000–104900 comes before it.)
// The job queue for the daily collection of stored files no row references any more (app/modules/publication/jobs.ts).
export async function up(knex: Knex): Promise<void> {
  await createJobQueues(knex, [{ name: 'media-files-collect' }]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`select pgboss.delete_queue(?)`, ['media-files-collect']);
}
