import type { Knex } from 'knex';

/**
 * The live-article columns of published articles, by id, in one index: public_search() checks its
 * candidates' state (status, dates, rubric) with an index-only scan instead of reading each article's row.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index articles_live_lookup_idx on articles (tenant_id, id) include (rubric_id, publish_at, expire_at)
    where status = 'published' and deleted_at is null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index articles_live_lookup_idx`);
}
