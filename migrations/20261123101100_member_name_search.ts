import type { Knex } from 'knex';

/**
 * The recipient picker's search on members' names (app/modules/messaging/recipients.ts): word prefixes, without
 * accents or case ("eloise lef" finds "Éloïse Lefèvre"), through a GIN index rather than unaccent() on every
 * member of the school at each keystroke. `preau_name` is the simple configuration (no stemming: these are
 * names) with unaccent; as a constant configuration, to_tsvector('preau_name', …) is immutable, hence indexable.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create text search configuration preau_name (copy = simple)`);
  await knex.raw(`alter text search configuration preau_name alter mapping for hword, hword_part, word with unaccent, simple`);
  await knex.raw(`create index memberships_name_search_idx on memberships
    using gin (to_tsvector('preau_name', first_name || ' ' || last_name))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index memberships_name_search_idx`);
  await knex.raw(`drop text search configuration preau_name`);
}
