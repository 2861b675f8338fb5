import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// Files attached to a message, stored by content hash through app/lib/storage.ts (a forward copies the rows).
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'message_attachments', (t) => {
    t.uuid('id').notNullable();
    t.uuid('message_id').notNullable();
    t.text('name').notNullable();
    t.text('mime').notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.text('sha256').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'message_id']).references(['tenant_id', 'id']).inTable('messages').onDelete('CASCADE');
    t.index(['tenant_id', 'message_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('message_attachments');
}
