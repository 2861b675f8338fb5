import type { Knex } from 'knex';
import { createJobQueues } from '../app/jobs/schema.js';

/** The queue of the external feeds' refreshes (app/modules/homepage/external-feed.ts). */
export async function up(knex: Knex): Promise<void> {
  await createJobQueues(knex, [{ name: 'homepage-external-feed', retryLimit: 2, retryDelay: 60, expireInSeconds: 5 * 60, retentionMinutes: 24 * 60 }]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`select pgboss.delete_queue(?)`, ['homepage-external-feed']);
}
