import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

// Uploaded files of a school: images (re-encoded into declared sizes) and documents, stored by content hash.
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'media', (t) => {
    t.uuid('id').notNullable();
    t.text('kind').notNullable();
    t.text('name').notNullable();
    t.text('mime').notNullable();
    t.bigInteger('size_bytes').notNullable();
    t.text('sha256').notNullable();
    t.integer('width');
    t.integer('height');
    t.text('alt').notNullable().defaultTo('');
    // Stored variants: [{ format, width, height, sha256, bytes }]
    t.jsonb('variants').notNullable().defaultTo('[]');
    t.uuid('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.raw('now()'));
    t.primary(['tenant_id', 'id']);
    t.foreign(['tenant_id', 'created_by']).references(['tenant_id', 'id']).inTable('memberships').onDelete('SET NULL');
    t.index(['tenant_id', 'created_at']);
  });
  await knex.raw(`alter table media add constraint media_kind_check check (kind in ('image','file'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('media');
}
