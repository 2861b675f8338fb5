import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// The school's rights matrix: who (a target) may use which service, and as what role.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'access_rules', (t) => {
    t.uuid('id').notNullable();
    t.text('service_key').notNullable().references('key').inTable('services').onDelete('CASCADE');
    t.text('target_type').notNullable();
    t.text('target_value').notNullable().defaultTo('');
    t.text('role').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('now()'));
    t.primary(['tenant_id', 'id']);
    t.unique(['tenant_id', 'service_key', 'target_type', 'target_value', 'role']);
  });
  await knex.raw(`alter table access_rules add constraint access_rules_target_check
    check (target_type in ('school','profile','function','class','group','subject'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('access_rules');
}
