import type { Knex } from 'knex';

// French full-text search that ignores accents ("eleve" finds "élève"): the unaccent filter before the French
// stemmer, in a configuration of our own so to_tsvector('preau_french', …) stays immutable (usable in
// generated columns and indexes).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create extension if not exists unaccent`);
  await knex.raw(`create text search configuration preau_french (copy = french)`);
  await knex.raw(`alter text search configuration preau_french
    alter mapping for hword, hword_part, word with unaccent, french_stem`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop text search configuration preau_french`);
}
