import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * Mailbox entries: one per (member, message) — the sender's copy in 'sent', each recipient's in 'inbox' — so
 * per-person state (read, flag, folder, trash) lives on its own row and a purge deletes them all. An entry is
 * in its box, or in one of its owner's folders (folder_id), or in the trash (trashed_at, restorable).
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'message_entries', (t) => {
    t.uuid('owner_id').notNullable();
    t.uuid('message_id').notNullable();
    t.text('box').notNullable();
    t.uuid('folder_id');
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.timestamp('read_at', { useTz: true });
    t.boolean('flagged').notNullable().defaultTo(false);
    t.timestamp('trashed_at', { useTz: true });
    t.primary(['tenant_id', 'owner_id', 'message_id']);
    t.foreign(['tenant_id', 'owner_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
    t.foreign(['tenant_id', 'message_id']).references(['tenant_id', 'id']).inTable('messages').onDelete('CASCADE');
  });
  // Deleting a folder puts its messages back in their box: only folder_id becomes null (never tenant_id).
  await knex.raw(`alter table message_entries add constraint message_entries_folder_fk
    foreign key (tenant_id, folder_id) references message_folders (tenant_id, id) on delete set null (folder_id)`);
  await knex.raw(`alter table message_entries add constraint message_entries_box_check check (box in ('inbox','sent'))`);
  // A mailbox listing: newest first, per owner and box, outside the trash.
  await knex.raw(`create index message_entries_box_idx on message_entries (tenant_id, owner_id, box, received_at desc) where trashed_at is null`);
  // The unread count of the navigation.
  await knex.raw(`create index message_entries_unread_idx on message_entries (tenant_id, owner_id) where read_at is null and trashed_at is null and box = 'inbox'`);
  // Purge and thread views reach every copy of a message.
  await knex.raw(`create index message_entries_message_idx on message_entries (tenant_id, message_id)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('message_entries');
}
