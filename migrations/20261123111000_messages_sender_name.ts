import type { Knex } from 'knex';

/**
 * The sender's name as it was when the message was written (filled on draft creation and again on send by
 * app/modules/messaging/service.ts), so a message still says who wrote it once its sender's membership is
 * deleted (migration 20261123111010). Nullable: rows written by other means (bench, tests) may lack it and the
 * read paths fall back to a generic label. Existing messages get their sender's current name.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table messages add column sender_name text`);
  // School by school: row-level security applies to the owner too.
  await knex.raw(`
    do $$ declare t record; begin
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t.id::text, true);
        update messages m set sender_name = s.first_name || ' ' || s.last_name
        from memberships s where m.tenant_id = t.id and s.tenant_id = m.tenant_id and s.id = m.sender_id;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table messages drop column sender_name`);
}
