import type { Knex } from 'knex';
import { grantTable } from '../app/db/schema.js';

// Global services catalogue; its rows are upserted from app/rights/catalogue.ts at start.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('services', (t) => {
    t.text('key').primary();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('path').notNullable();
    t.specificType('roles', 'text[]').notNullable();
    t.integer('position').notNullable().defaultTo(0);
  });
  await grantTable(knex, 'services', 'select');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('services');
}
