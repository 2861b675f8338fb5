import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// Failed sign-in counters per school, keyed by login or by IP, in fixed windows (no permanent lock).
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'login_throttles', (t) => {
    t.text('key').notNullable();
    t.integer('failures').notNullable();
    t.timestamp('window_started_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'key']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('login_throttles');
}
