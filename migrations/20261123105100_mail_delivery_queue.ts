import type { Knex } from 'knex';
import { createJobQueues } from '../app/jobs/schema.js';

/**
 * Mail delivery per school, woken by the mail itself: a school's queued mail comes with a `mail-delivery` job
 * (keyed by school and minute, so a burst of mails makes one job), instead of a worker visiting every school
 * every few seconds — which cost about a second per round at 1,000 schools.
 */
export async function up(knex: Knex): Promise<void> {
  await createJobQueues(knex, [{ name: 'mail-delivery', policy: 'short', retryLimit: 5, retryDelay: 60, expireInSeconds: 30 * 60 }]);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`select pgboss.delete_queue('mail-delivery')`);
}
