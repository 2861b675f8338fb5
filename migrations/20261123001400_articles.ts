import type { Knex } from 'knex';
import { tenantTable, timestamps } from '../app/db/schema.js';

// Articles and their revisions. Lifecycle: draft → submitted → published (live from publish_at, until
// expire_at) → archived; deleted_at puts one in the trash. A published article whose publish_at is still to
// come is "scheduled": visibility is a predicate on the clock, so no missed schedule can exist.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'articles', (t) => {
    t.uuid('id').notNullable();
    t.uuid('rubric_id').notNullable();
    t.uuid('author_id');
    t.text('title').notNullable();
    t.text('slug').notNullable();
    t.text('summary').notNullable().defaultTo('');
    t.text('body_html').notNullable().defaultTo('');
    t.text('body_text').notNullable().defaultTo('');
    t.text('status').notNullable().defaultTo('draft');
    t.timestamp('publish_at', { useTz: true });
    t.timestamp('expire_at', { useTz: true });
    t.timestamp('published_at', { useTz: true });
    t.boolean('featured').notNullable().defaultTo(false);
    t.specificType('tags', 'text[]').notNullable().defaultTo('{}');
    t.uuid('main_image_id');
    t.text('main_image_alt').notNullable().defaultTo('');
    t.boolean('main_image_decorative').notNullable().defaultTo(false);
    t.text('review_comment');
    t.timestamp('deleted_at', { useTz: true });
    timestamps(t);
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'rubric_id']).references(['tenant_id', 'id']).inTable('rubrics');
    t.foreign(['tenant_id', 'author_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('SET NULL');
    t.foreign(['tenant_id', 'main_image_id']).references(['tenant_id', 'id']).inTable('media');
  });
  await knex.raw(`alter table articles add constraint articles_status_check
    check (status in ('draft','submitted','published','archived'))`);
  await knex.raw(`alter table articles add column search tsvector generated always as (
    setweight(to_tsvector('preau_french', title), 'A') ||
    setweight(to_tsvector('preau_french', summary), 'B') ||
    setweight(to_tsvector('preau_french', body_text), 'C')) stored`);
  await knex.raw(`create index articles_search_idx on articles using gin (search)`);
  // The public listing of a rubric: newest publication first.
  await knex.raw(`create index articles_rubric_published_idx on articles (tenant_id, rubric_id, publish_at desc)
    where status = 'published' and deleted_at is null`);
  await knex.raw(`create index articles_published_idx on articles (tenant_id, publish_at desc)
    where status = 'published' and deleted_at is null`);

  await tenantTable(knex, 'article_revisions', (t) => {
    t.uuid('id').notNullable();
    t.uuid('article_id').notNullable();
    t.uuid('author_id');
    t.text('title').notNullable();
    t.text('summary').notNullable();
    t.text('body_html').notNullable();
    t.text('reason').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('now()'));
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'article_id']).references(['tenant_id', 'id']).inTable('articles').onDelete('CASCADE');
    t.index(['tenant_id', 'article_id', 'created_at']);
  });

  await tenantTable(knex, 'article_attachments', (t) => {
    t.uuid('article_id').notNullable();
    t.uuid('media_id').notNullable();
    t.integer('position').notNullable().defaultTo(0);
    t.primary(['tenant_id', 'article_id', 'media_id']);
    t.foreign(['tenant_id', 'article_id']).references(['tenant_id', 'id']).inTable('articles').onDelete('CASCADE');
    t.foreign(['tenant_id', 'media_id']).references(['tenant_id', 'id']).inTable('media');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('article_attachments');
  await knex.schema.dropTable('article_revisions');
  await knex.schema.dropTable('articles');
}
