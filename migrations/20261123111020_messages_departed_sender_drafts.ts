import type { Knex } from 'knex';

/**
 * A departed member's drafts go with them: when the foreign key of migration 20261123111010 sets a message's
 * sender_id to null because its membership was deleted, a message never sent (a draft, sent_at null) is deleted
 * (its attachments' rows cascade). Sent messages stay. The trigger fires after the foreign key's own update, as
 * the member deleting the membership, in their school (row-level security applies as usual).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function messages_drop_orphan_draft() returns trigger
language plpgsql security invoker as $fn$
begin
  delete from messages where tenant_id = new.tenant_id and id = new.id and sent_at is null;
  return null;
end
$fn$`);
  await knex.raw(`create trigger messages_drop_orphan_draft after update of sender_id on messages
    for each row when (old.sender_id is not null and new.sender_id is null and new.sent_at is null)
    execute function messages_drop_orphan_draft()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop trigger messages_drop_orphan_draft on messages`);
  await knex.raw(`drop function messages_drop_orphan_draft()`);
}
