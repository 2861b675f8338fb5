import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * External RSS/Atom feeds shown by the homepage's "external feed" tiles: one row per school and feed URL,
 * holding the last items fetched (a job refreshes them; the homepage only reads this cache, so it still shows
 * them when the source is down). items: [{ title, url, date }], plain text only.
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'external_feeds', (t) => {
    t.text('url').notNullable();
    t.jsonb('items').notNullable().defaultTo('[]');
    // Last successful fetch (what the tile's "mis à jour le" says), last attempt, and its error if it failed.
    t.timestamp('fetched_at', { useTz: true });
    t.timestamp('checked_at', { useTz: true });
    t.text('last_error');
    t.primary(['tenant_id', 'url']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('external_feeds');
}
