import type { Knex } from 'knex';

/**
 * mailbox_unread(): a member's unread messages in the inbox (and their folders), outside the trash, in one
 * statement without a transaction of its own — the navigation asks for it on every page and every minute.
 * SECURITY INVOKER with set_config local to the caller's transaction: row-level security applies as usual.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function mailbox_unread(p_tenant uuid, p_owner uuid) returns int
language plpgsql security invoker as $fn$
declare
  n int;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  select count(*)::int into n from message_entries e
  where e.tenant_id = p_tenant and e.owner_id = p_owner and e.box = 'inbox' and e.read_at is null and e.trashed_at is null;
  return n;
end
$fn$`);
  await knex.raw(`grant execute on function mailbox_unread(uuid, uuid) to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function mailbox_unread(uuid, uuid)`);
}
