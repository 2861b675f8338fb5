import type { Knex } from 'knex';

// French full-text search over messages (subject weighs more than the body), accents ignored.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table messages add column search tsvector generated always as (
    setweight(to_tsvector('preau_french', subject), 'A') ||
    setweight(to_tsvector('preau_french', body_text), 'B')) stored`);
  await knex.raw(`create index messages_search_idx on messages using gin (search)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index if exists messages_search_idx`);
  await knex.raw(`alter table messages drop column if exists search`);
}
