import type { Knex } from 'knex';

const HOT = [
  'public_homepage(uuid, text[], text, timestamptz, integer, integer, text, uuid[], integer)',
  'public_search(uuid, text, timestamptz, uuid[], integer, integer, text, text, text)',
];

/**
 * The homepage and search functions run a dozen statements each whose best plan does not depend on the
 * school: with the default plan cache mode PostgreSQL kept re-planning their big statements for every call
 * (a custom plan looked cheaper than the generic one), about 0.3 ms of a 1 ms homepage and of a 3 ms search at
 * 10,000 articles. Generic plans are made once per connection. Nested calls (public_search_matches(),
 * live_notices(), agenda_events()) inherit the setting.
 */
export async function up(knex: Knex): Promise<void> {
  for (const fn of HOT) await knex.raw(`alter function ${fn} set plan_cache_mode = force_generic_plan`);
}

export async function down(knex: Knex): Promise<void> {
  for (const fn of HOT) await knex.raw(`alter function ${fn} reset plan_cache_mode`);
}
