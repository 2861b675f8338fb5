import type { Knex } from 'knex';

/**
 * A message outlives its sender: deleting a membership no longer deletes every message it ever sent from every
 * recipient's mailbox (it used to cascade); sender_id becomes null and the message keeps its sender_name
 * (migration 20261123111000). Only sender_id is nulled — `set null (sender_id)` (PostgreSQL 15+, PGlite too),
 * never tenant_id, which is part of the composite key. The sender's own copies (message_entries with owner_id)
 * still go with their membership: their mailbox goes with them. Their drafts go too (migration 20261123111020).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table messages drop constraint messages_tenant_id_sender_id_foreign`);
  await knex.raw(`alter table messages alter column sender_id drop not null`);
  await knex.raw(`alter table messages add constraint messages_tenant_id_sender_id_foreign
    foreign key (tenant_id, sender_id) references memberships (tenant_id, id) on delete set null (sender_id)`);
}

export async function down(knex: Knex): Promise<void> {
  // Messages whose sender is gone would have been deleted with them before: they go now.
  // School by school: row-level security applies to the owner too.
  await knex.raw(`
    do $$ declare t record; begin
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t.id::text, true);
        delete from messages where tenant_id = t.id and sender_id is null;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
  await knex.raw(`alter table messages drop constraint messages_tenant_id_sender_id_foreign`);
  await knex.raw(`alter table messages alter column sender_id set not null`);
  await knex.raw(`alter table messages add constraint messages_tenant_id_sender_id_foreign
    foreign key (tenant_id, sender_id) references memberships (tenant_id, id) on delete cascade`);
}
