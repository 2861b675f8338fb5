import type { Knex } from 'knex';

/**
 * Helpers used by migrations (no application models here). Every tenant-owned table goes through
 * tenantTable(), so none can miss its tenant_id, its forced row-level security policy or its grants.
 */
export const TENANT_PREDICATE = `tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid`;

export async function tenantTable(
  knex: Knex,
  name: string,
  build: (t: Knex.CreateTableBuilder) => void,
  grants: { app?: string } = {},
): Promise<void> {
  await knex.schema.createTable(name, (t) => {
    t.uuid('tenant_id').notNullable().references('id').inTable('tenants').onDelete('CASCADE');
    build(t);
  });
  await knex.raw(`alter table ?? enable row level security`, [name]);
  await knex.raw(`alter table ?? force row level security`, [name]);
  await knex.raw(`create policy tenant_isolation on ?? using (${TENANT_PREDICATE}) with check (${TENANT_PREDICATE})`, [name]);
  await grantTable(knex, name, grants.app ?? 'select, insert, update, delete');
}

/** Grants on a table: the application role gets `app`, the backup role (where it exists) reads. */
export async function grantTable(knex: Knex, name: string, app: string): Promise<void> {
  if (app) await knex.raw(`grant ${app} on ?? to preau_app`, [name]);
  await knex.raw(`do $$ begin
    if exists (select 1 from pg_roles where rolname = 'preau_backup') then
      execute format('grant select on %I to preau_backup', '${name.replace(/[^a-z_]/g, '')}');
    end if; end $$`);
}

/** `created_at`/`updated_at` in UTC. */
export function timestamps(t: Knex.CreateTableBuilder): void {
  t.timestamps(true, true);
}
