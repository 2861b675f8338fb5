import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// Sessions the Lucia way: the id is the SHA-256 of the cookie's token; the token itself is never stored.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'sessions', (t) => {
    t.text('id').notNullable();
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.uuid('membership_id').notNullable();
    t.text('csrf_token').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('idle_expires_at', { useTz: true }).notNullable();
    t.timestamp('absolute_expires_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'membership_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
    t.index(['tenant_id', 'membership_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
}
