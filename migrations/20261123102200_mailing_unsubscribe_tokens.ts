import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * One-click unsubscribe tokens (RFC 8058): each list mail carries its own random token in its
 * List-Unsubscribe URL; only its SHA-256 is kept here, with the subscription it ends.
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'mailing_unsubscribe_tokens', (t) => {
    t.text('token_hash').notNullable();
    t.uuid('subscription_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'token_hash']);
    t.foreign(['tenant_id', 'subscription_id']).references(['tenant_id', 'id']).inTable('mailing_subscriptions').onDelete('CASCADE');
    t.index(['tenant_id', 'subscription_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('mailing_unsubscribe_tokens');
}
