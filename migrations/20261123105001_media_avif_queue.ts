import type { Knex } from 'knex';
import { createJobQueues } from '../app/jobs/schema.js';

// (After 20261123105000, which makes the queue's schema: the brief's range 104000–104900 comes before it.)
// The job queue for the AVIF variants of uploaded images (app/modules/publication/jobs.ts), retried a few times.
export async function up(knex: Knex): Promise<void> {
  await createJobQueues(knex, [{ name: 'media-avif' }]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`select pgboss.delete_queue(?)`, ['media-avif']);
}
