import type { Knex } from 'knex';
import { up as originalMailboxPage } from './20261123100700_mailbox_page_function.js';

/**
 * mailbox_page() (migration 20261123100700) once a message's sender is gone (sender_id null since migration
 * 20261123111010): the message is still listed (left join on its sender) under the name kept at sending time
 * (messages.sender_name, migration 20261123111000), followed by « (a quitté l’établissement) »; a sender still in
 * the school is shown under their current name, as before. Same signature, grants kept.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create or replace function mailbox_page(p_tenant uuid, p_owner uuid, p_place text, p_folder uuid, p_q text, p_before timestamptz, p_limit int)
returns json language plpgsql security invoker as $fn$
declare
  v_ids uuid[];
  v_items json;
  v_folder json;
  v_before timestamptz := coalesce(p_before, 'infinity'::timestamptz);
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  -- First the page's entries alone, one statement per place so each walks its index in order and stops early;
  -- then the few messages of the page are joined and described.
  if p_place in ('inbox', 'sent') then
    select array_agg(x.message_id order by x.received_at desc) into v_ids from (
      select e.message_id, e.received_at from message_entries e
      where e.tenant_id = p_tenant and e.owner_id = p_owner and e.box = p_place and e.trashed_at is null
        and e.folder_id is null and e.received_at < v_before
      order by e.received_at desc limit p_limit + 1) x;
  elsif p_place = 'trash' then
    select array_agg(x.message_id order by x.received_at desc) into v_ids from (
      select e.message_id, e.received_at from message_entries e
      where e.tenant_id = p_tenant and e.owner_id = p_owner and e.trashed_at is not null and e.received_at < v_before
      order by e.received_at desc limit p_limit + 1) x;
  elsif p_place = 'folder' then
    select json_build_object('id', f.id, 'name', f.name) into v_folder
    from message_folders f where f.tenant_id = p_tenant and f.id = p_folder and f.owner_id = p_owner;
    if v_folder is null then return json_build_object('folder', null); end if;
    select array_agg(x.message_id order by x.received_at desc) into v_ids from (
      select e.message_id, e.received_at from message_entries e
      where e.tenant_id = p_tenant and e.owner_id = p_owner and e.folder_id = p_folder and e.trashed_at is null
        and e.received_at < v_before
      order by e.received_at desc limit p_limit + 1) x;
  elsif p_place = 'search' then
    select array_agg(x.message_id order by x.received_at desc) into v_ids from (
      select e.message_id, e.received_at from message_entries e
      join messages m on m.tenant_id = e.tenant_id and m.id = e.message_id
      where e.tenant_id = p_tenant and e.owner_id = p_owner and e.trashed_at is null and e.received_at < v_before
        and m.search @@ websearch_to_tsquery('preau_french', p_q)
      order by e.received_at desc limit p_limit + 1) x;
  end if;
  select coalesce(json_agg(x order by x.n), '[]'::json) into v_items from (
    select u.n, m.id, m.thread_id, m.subject, left(m.body_text, 140) as preview,
           case when s.id is not null then s.first_name || ' ' || s.last_name
                when m.sender_name is not null then m.sender_name || ' (a quitté l’établissement)'
                else 'Ancien membre de l’établissement' end as sender_name,
           m.sender_id is null as sender_gone, m.recipients,
           e.received_at, e.read_at is not null as read, e.flagged, e.box, e.folder_id, e.trashed_at is not null as trashed,
           (select count(*)::int from message_attachments a where a.tenant_id = m.tenant_id and a.message_id = m.id) as attachments
    from unnest(coalesce(v_ids, '{}'::uuid[])) with ordinality as u(id, n)
    join message_entries e on e.tenant_id = p_tenant and e.owner_id = p_owner and e.message_id = u.id
    join messages m on m.tenant_id = e.tenant_id and m.id = e.message_id
    left join memberships s on s.tenant_id = m.tenant_id and s.id = m.sender_id
  ) x;
  return json_build_object(
    'items', v_items,
    'folder', v_folder,
    'folders', (select coalesce(json_agg(json_build_object('id', f.id, 'name', f.name,
                  'unread', (select count(*)::int from message_entries e where e.tenant_id = f.tenant_id and e.owner_id = p_owner
                             and e.folder_id = f.id and e.read_at is null and e.trashed_at is null)) order by lower(f.name)), '[]'::json)
                from message_folders f where f.tenant_id = p_tenant and f.owner_id = p_owner),
    'unread', (select count(*)::int from message_entries e where e.tenant_id = p_tenant and e.owner_id = p_owner
               and e.box = 'inbox' and e.read_at is null and e.trashed_at is null),
    'notify', coalesce((select p.notify_by_email from messaging_preferences p where p.tenant_id = p_tenant and p.member_id = p_owner), false),
    'email', (select ms.email from memberships ms where ms.tenant_id = p_tenant and ms.id = p_owner));
end
$fn$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function mailbox_page(uuid, uuid, text, uuid, text, timestamptz, int)`);
  await originalMailboxPage(knex);
}
