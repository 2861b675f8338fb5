import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * Targeted broadcasts (`/publication/communication-ciblee`): what was sent, to which audience (as chosen and as
 * a readable label), how many members it reached and how many had no address. Each recipient address gets
 * one mail_outbox row carrying the broadcast's id, written in the same transaction.
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'mail_broadcasts', (t) => {
    t.uuid('id').notNullable();
    t.uuid('author_id');
    t.text('subject').notNullable();
    t.text('body_html').notNullable();
    t.text('body_text').notNullable();
    t.jsonb('audience').notNullable();
    t.text('audience_label').notNullable();
    t.integer('members').notNullable();
    t.integer('addresses').notNullable();
    t.integer('without_address').notNullable();
    t.uuid('notice_id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'id']);
    t.index(['tenant_id', 'created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mail_broadcasts');
}
