import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * A school's messaging settings (issue 5), one row per school, absent until an administrator changes one:
 * the switch that suspends sending (reading still works) and who may write to external e-mail addresses
 * (profiles, levels, classes). Managed at /admin/messagerie (app/modules/messaging/settings-routes.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'messaging_settings', (t) => {
    t.timestamp('sending_suspended_at', { useTz: true });
    t.uuid('sending_suspended_by');
    t.specificType('external_profiles', 'text[]').notNullable().defaultTo('{}');
    t.specificType('external_level_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.specificType('external_class_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.primary(['tenant_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('messaging_settings');
}
