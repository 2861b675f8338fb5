import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * Subscribers of a rubric's mailing list (app/modules/mailing/lists.ts): a member of the school (their
 * membership's address is used) or, for a public rubric, a visitor's address, which receives nothing until
 * confirmed (double opt-in: only the SHA-256 of the confirmation token is kept).
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'mailing_subscriptions', (t) => {
    t.uuid('id').notNullable();
    t.uuid('rubric_id').notNullable();
    t.uuid('membership_id');
    t.text('email');
    t.text('confirm_token_hash');
    t.timestamp('confirm_sent_at', { useTz: true });
    t.timestamp('confirmed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'rubric_id']).references(['tenant_id', 'id']).inTable('rubrics').onDelete('CASCADE');
    t.foreign(['tenant_id', 'membership_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
    t.unique(['tenant_id', 'rubric_id', 'membership_id']);
  });
  await knex.raw(`alter table mailing_subscriptions add constraint mailing_subscriptions_who_check check (num_nonnulls(membership_id, email) = 1)`);
  await knex.raw(`create unique index mailing_subscriptions_email on mailing_subscriptions (tenant_id, rubric_id, lower(email)) where email is not null`);
  await knex.raw(`create unique index mailing_subscriptions_confirm on mailing_subscriptions (tenant_id, confirm_token_hash) where confirm_token_hash is not null`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mailing_subscriptions');
}
