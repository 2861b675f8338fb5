import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// Audit trail: who did what, when, in which school. The application may only append and read it.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(
    knex,
    'audit_events',
    (t) => {
      t.uuid('id').notNullable();
      t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.raw('now()'));
      t.uuid('actor_account_id');
      t.uuid('actor_membership_id');
      t.text('action').notNullable();
      t.text('subject_type');
      t.text('subject_id');
      t.jsonb('details').notNullable().defaultTo('{}');
      t.text('ip');
      t.primary(['tenant_id', 'id']);
      t.index(['tenant_id', 'at']);
    },
    { app: 'select, insert' },
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_events');
}
