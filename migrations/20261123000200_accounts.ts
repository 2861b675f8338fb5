import type { Knex } from 'knex';
import { grantTable, timestamps } from '../app/db/schema.js';

// Global identities: a login and a password hash, nothing personal (names live on memberships).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.uuid('id').primary();
    t.text('login').notNullable();
    t.text('password_hash');
    t.timestamp('disabled_at', { useTz: true });
    timestamps(t);
  });
  await knex.raw(`create unique index accounts_login_idx on accounts (lower(login))`);
  // Sign-in rehashes passwords whose parameters changed, so the application may update the hash.
  await grantTable(knex, 'accounts', 'select, insert, update');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('accounts');
}
