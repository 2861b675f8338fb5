import type { Knex } from 'knex';

// Outbox rows sent for a targeted broadcast carry its id, so its progress page counts them by status
// (app/modules/mailing/broadcasts.ts). Other mails leave it null.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table mail_outbox add column broadcast_id uuid`);
  await knex.raw(`create index mail_outbox_broadcast on mail_outbox (tenant_id, broadcast_id, status) where broadcast_id is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop index mail_outbox_broadcast`);
  await knex.raw(`alter table mail_outbox drop column broadcast_id`);
}
