import type { Knex } from 'knex';

/**
 * Who may write to whom, per school (issue 5): a school's override of the default rules
 * (WHO_MAY_WRITE_TO_WHOM in app/modules/messaging/recipients.ts), as `{ "<profile>": ["<audience>", …] }` for the
 * profiles the school changed; null or a profile absent = the default. Validated by the application (zod).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messaging_settings', (t) => {
    t.jsonb('recipient_rules');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('messaging_settings', (t) => {
    t.dropColumn('recipient_rules');
  });
}
