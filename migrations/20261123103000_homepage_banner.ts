import type { Knex } from 'knex';

/**
 * The homepage's banner, per version (drafted and published with the tiles): { mediaId, alt, decorative }
 * of a media of the school, cropped to 1400×320 when uploaded; null when the version has none.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('homepage_versions', (t) => {
    t.jsonb('banner');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('homepage_versions', (t) => {
    t.dropColumn('banner');
  });
}
