import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * Internal messages (issue 5): one row per message, written by its sender. A draft has sent_at null; once sent,
 * the message is immutable and every recipient gets their own mailbox entry (message_entries). thread_id is
 * the first message of the conversation (itself for a new one); recipients keeps the keys and labels chosen
 * at send time (for display and "reply all"); recipient_count is how many members it went to (the hourly
 * limits of app/modules/messaging/limits.ts count from it).
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'messages', (t) => {
    t.uuid('id').notNullable();
    t.uuid('sender_id').notNullable();
    t.uuid('thread_id').notNullable();
    t.uuid('parent_id');
    t.text('subject').notNullable().defaultTo('');
    t.text('body_html').notNullable().defaultTo('');
    t.text('body_text').notNullable().defaultTo('');
    // [{ key, label, detail, kind }] as described when the draft was last saved / the message sent.
    t.jsonb('recipients').notNullable().defaultTo('[]');
    t.specificType('external_addresses', 'text[]').notNullable().defaultTo('{}');
    t.integer('recipient_count').notNullable().defaultTo(0);
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'sender_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
  });
  // The hourly limits: a sender's messages sent since a time.
  await knex.raw(`create index messages_sender_sent_idx on messages (tenant_id, sender_id, sent_at)`);
  await knex.raw(`create index messages_thread_idx on messages (tenant_id, thread_id)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('messages');
}
