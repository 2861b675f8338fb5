import type { Knex } from 'knex';
import { grantTable, timestamps } from '../app/db/schema.js';

// Global: one row per school or institution portal, upserted from tenants/<slug>/tenant.yaml.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.uuid('id').primary();
    t.text('slug').notNullable().unique();
    t.text('name').notNullable();
    t.text('uai');
    t.text('kind').notNullable();
    t.specificType('hostnames', 'text[]').notNullable().defaultTo('{}');
    t.specificType('parents', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('contact').notNullable().defaultTo('{}');
    t.jsonb('theme').notNullable().defaultTo('{}');
    timestamps(t);
  });
  await knex.raw(`alter table tenants add constraint tenants_kind_check check (kind in
    ('college','lycee','lycee_agricole','erea','academie','region','departement','draaf'))`);
  await knex.raw(`create index tenants_hostnames_idx on tenants using gin (hostnames)`);
  await grantTable(knex, 'tenants', 'select');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('tenants');
}
