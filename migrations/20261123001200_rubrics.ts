import type { Knex } from 'knex';
import { tenantTable, timestamps } from '../app/db/schema.js';

// Rubrics: a tree of sections per school, public or private, with their own managers, contributors and readers.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'rubrics', (t) => {
    t.uuid('id').notNullable();
    t.uuid('parent_id');
    t.text('slug').notNullable();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.integer('position').notNullable().defaultTo(0);
    t.text('visibility').notNullable().defaultTo('public');
    t.timestamp('archived_at', { useTz: true });
    timestamps(t);
    t.primary(['tenant_id', 'id']);
    t.unique(['tenant_id', 'slug']);
    t.foreign(['tenant_id', 'parent_id']).references(['tenant_id', 'id']).inTable('rubrics');
    t.index(['tenant_id', 'parent_id', 'position']);
  });
  await knex.raw(`alter table rubrics add constraint rubrics_visibility_check check (visibility in ('public','private'))`);
  await knex.raw(`alter table rubrics add constraint rubrics_slug_check check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')`);
  // Who holds a role in a rubric: same targets as the rights matrix, plus one named member.
  await tenantTable(knex, 'rubric_roles', (t) => {
    t.uuid('rubric_id').notNullable();
    t.text('target_type').notNullable();
    t.text('target_value').notNullable().defaultTo('');
    t.text('role').notNullable();
    t.primary(['tenant_id', 'rubric_id', 'target_type', 'target_value', 'role']);
    t.foreign(['tenant_id', 'rubric_id']).references(['tenant_id', 'id']).inTable('rubrics').onDelete('CASCADE');
  });
  await knex.raw(`alter table rubric_roles add constraint rubric_roles_target_check
    check (target_type in ('school','profile','function','class','group','membership'))`);
  await knex.raw(`alter table rubric_roles add constraint rubric_roles_role_check check (role in ('manager','contributor','reader'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rubric_roles');
  await knex.schema.dropTable('rubrics');
}
