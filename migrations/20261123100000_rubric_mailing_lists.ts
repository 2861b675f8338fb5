import type { Knex } from 'knex';

// A rubric's mailing list, switched on by its manager: its members then appear as one recipient in messaging,
// and articles published in it are mailed to its subscribers (app/modules/mailing/lists.ts).
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rubrics', (t) => {
    t.boolean('mailing_list_enabled').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rubrics', (t) => t.dropColumn('mailing_list_enabled'));
}
