import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// A member's messaging preferences: an e-mail (without the body) when a new message arrives.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'messaging_preferences', (t) => {
    t.uuid('member_id').notNullable();
    t.boolean('notify_by_email').notNullable().defaultTo(false);
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'member_id']);
    t.foreign(['tenant_id', 'member_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('messaging_preferences');
}
