import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// A member's own mail folders (besides inbox, sent, drafts and trash), named freely, unique per owner.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'message_folders', (t) => {
    t.uuid('id').notNullable();
    t.uuid('owner_id').notNullable();
    t.text('name').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'owner_id']).references(['tenant_id', 'id']).inTable('memberships').onDelete('CASCADE');
  });
  await knex.raw(`create unique index message_folders_name_idx on message_folders (tenant_id, owner_id, lower(name))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('message_folders');
}
