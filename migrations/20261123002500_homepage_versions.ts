import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// A school's homepage: versions of its ordered tile list. At most one draft and one published version at a
// time (partial unique indexes); a publication turns the published one into a "previous" kept for restore.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'homepage_versions', (t) => {
    t.uuid('id').notNullable();
    t.text('status').notNullable();
    // [{ id, type, width 1–3, hidden, settings }]
    t.jsonb('tiles').notNullable().defaultTo('[]');
    t.uuid('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('now()'));
    t.timestamp('published_at', { useTz: true });
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'created_by']).references(['tenant_id', 'id']).inTable('memberships').onDelete('SET NULL');
    t.index(['tenant_id', 'status', 'created_at']);
  });
  await knex.raw(`alter table homepage_versions add constraint homepage_versions_status_check check (status in ('draft','published','previous'))`);
  await knex.raw(`create unique index homepage_versions_one_draft on homepage_versions (tenant_id) where status = 'draft'`);
  await knex.raw(`create unique index homepage_versions_one_published on homepage_versions (tenant_id) where status = 'published'`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('homepage_versions');
}
