import type { Knex } from 'knex';
import { tenantTable, timestamps } from '../app/db/schema.js';

// A membership ties a global account to one school: profile, staff functions and everything personal.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'memberships', (t) => {
    t.uuid('id').notNullable();
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('profile').notNullable();
    t.specificType('functions', 'text[]').notNullable().defaultTo('{}');
    t.text('first_name').notNullable();
    t.text('last_name').notNullable();
    t.text('email');
    t.boolean('main_establishment').notNullable().defaultTo(true);
    t.timestamp('left_at', { useTz: true });
    timestamps(t);
    t.primary(['tenant_id', 'id']);
    t.unique(['tenant_id', 'account_id']);
  });
  await knex.raw(`alter table memberships add constraint memberships_profile_check
    check (profile in ('student','guardian','teacher','staff','admin'))`);
  await knex.raw(`create index memberships_account_idx on memberships (account_id)`);
  await knex.raw(`create index memberships_name_idx on memberships (tenant_id, last_name, first_name)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('memberships');
}
