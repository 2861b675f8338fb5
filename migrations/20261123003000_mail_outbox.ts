import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * The mail outbox: every outgoing e-mail is written here in the same transaction as what caused it, then
 * delivered by the outbox worker (app/modules/mailing/worker.ts). `idempotency_key` (e.g.
 * `<cause>:<message id>:<recipient>`) is unique per school, so a repeated enqueue adds nothing.
 * status: pending → sending (claimed, leased until lease_until) → sent, or back to pending with a later
 * next_attempt_at after a failure, and dead after too many attempts.
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'mail_outbox', (t) => {
    t.uuid('id').notNullable();
    t.text('idempotency_key').notNullable();
    t.text('to_address').notNullable();
    t.text('subject').notNullable();
    t.text('text_body').notNullable();
    t.text('html_body');
    t.jsonb('headers').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.timestamp('lease_until', { useTz: true });
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('sent_at', { useTz: true });
    t.primary(['tenant_id', 'id']);
    t.unique(['tenant_id', 'idempotency_key']);
  });
  await knex.raw(`alter table mail_outbox add constraint mail_outbox_status_check check (status in ('pending','sending','sent','dead'))`);
  // The worker's claim: due rows (pending, or sending with an expired lease) by next_attempt_at.
  await knex.raw(`create index mail_outbox_due on mail_outbox (tenant_id, next_attempt_at) where status in ('pending','sending')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mail_outbox');
}
