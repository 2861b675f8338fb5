import type { Knex } from 'knex';

/**
 * article_lexemes.score: what one lexeme weighs in its article, ts_rank(entry, lexeme) — its occurrences'
 * weights (title A 1.0, summary B 0.4, body C 0.2), the first ones counting most (ts_rank's 1/i² series), so
 * a title word outranks a body word and more occurrences rank higher. Computed once, when the article is
 * saved (the trigger of migration 20261123104300), and carried in the primary key's index next to the entry:
 * public_search() (migration 20261123106400) ranks its candidates by adding their rows' scores, from an
 * index-only scan, instead of rebuilding and ranking a vector per candidate.
 */

const QUOTED = `'''' || replace(replace(e.lexeme, '\\', '\\\\'), '''', '''''') || ''''`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table article_lexemes add column score real not null default 0`);
  await knex.raw(`
create or replace function article_lexemes_refresh() returns trigger
language plpgsql security invoker as $fn$
begin
  if tg_op = 'UPDATE' and new.search = old.search then
    return null;
  end if;
  if tg_op = 'UPDATE' then
    delete from article_lexemes where tenant_id = old.tenant_id and article_id = old.id;
  end if;
  insert into article_lexemes (tenant_id, lexeme, article_id, entry, score)
  select new.tenant_id, e.lexeme, new.id, e.entry, ts_rank(e.entry::tsvector, (${QUOTED})::tsquery)
  from tsvector_entries(new.search) e;
  return null;
end
$fn$`);
  // The rows already there, school by school (row-level security applies to the owner too).
  await knex.raw(`
    do $$ declare t record; begin
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t.id::text, true);
        update article_lexemes e set score = ts_rank(e.entry::tsvector, (${QUOTED})::tsquery) where e.tenant_id = t.id;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
  await knex.raw(`alter table article_lexemes alter column score drop default`);
  // The score rides in the index with the entry: candidates, count and rank from one index-only scan.
  await knex.raw(`alter table article_lexemes drop constraint article_lexemes_pkey`);
  await knex.raw(`alter table article_lexemes add constraint article_lexemes_pkey primary key (tenant_id, lexeme, article_id) include (score, entry)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table article_lexemes drop constraint article_lexemes_pkey`);
  await knex.raw(`alter table article_lexemes add constraint article_lexemes_pkey primary key (tenant_id, lexeme, article_id) include (entry)`);
  await knex.raw(`
create or replace function article_lexemes_refresh() returns trigger
language plpgsql security invoker as $fn$
begin
  if tg_op = 'UPDATE' and new.search = old.search then
    return null;
  end if;
  if tg_op = 'UPDATE' then
    delete from article_lexemes where tenant_id = old.tenant_id and article_id = old.id;
  end if;
  insert into article_lexemes (tenant_id, lexeme, article_id, entry)
  select new.tenant_id, e.lexeme, new.id, e.entry from tsvector_entries(new.search) e;
  return null;
end
$fn$`);
  await knex.raw(`alter table article_lexemes drop column score`);
}
