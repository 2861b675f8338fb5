import type { Knex } from 'knex';

/**
 * article_lexemes carries its article's public state: published (status 'published', not in the trash),
 * rubric, publication and expiry dates, kept by triggers in the transaction that changes the article. With them
 * in the primary key's index, public_search() (migration 20261123106400) keeps the live matches of a word in
 * the reader's rubrics, counts them and ranks them from one index-only scan, without looking each candidate
 * up in articles (a thousand look-ups for a frequent pair of words). Whether an article is live still depends
 * on the time of the search (publish_at <= now < expire_at), so the dates are copied, not a "live" flag.
 */

const REFRESH_WITH_SCORE = `
create or replace function article_lexemes_refresh() returns trigger
language plpgsql security invoker as $fn$
begin
  if tg_op = 'UPDATE' and new.search = old.search then
    return null;
  end if;
  if tg_op = 'UPDATE' then
    delete from article_lexemes where tenant_id = old.tenant_id and article_id = old.id;
  end if;
  insert into article_lexemes (tenant_id, lexeme, article_id, entry, score%COLUMNS%)
  select new.tenant_id, e.lexeme, new.id, e.entry,
         ts_rank(e.entry::tsvector, ('''' || replace(replace(e.lexeme, '\\', '\\\\'), '''', '''''') || '''')::tsquery)%VALUES%
  from tsvector_entries(new.search) e;
  return null;
end
$fn$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`alter table article_lexemes
    add column published boolean not null default false,
    add column rubric_id uuid,
    add column publish_at timestamptz,
    add column expire_at timestamptz`);
  await knex.raw(
    REFRESH_WITH_SCORE.replace('%COLUMNS%', ', published, rubric_id, publish_at, expire_at').replace(
      '%VALUES%',
      `,\n         new.status = 'published' and new.deleted_at is null, new.rubric_id, new.publish_at, new.expire_at`,
    ),
  );
  await knex.raw(`
create function article_lexemes_state() returns trigger
language plpgsql security invoker as $fn$
begin
  update article_lexemes
     set published = new.status = 'published' and new.deleted_at is null,
         rubric_id = new.rubric_id, publish_at = new.publish_at, expire_at = new.expire_at
   where tenant_id = new.tenant_id and article_id = new.id;
  return null;
end
$fn$`);
  // Fires after articles_lexemes (triggers fire by name): rows just rewritten by it are already right.
  await knex.raw(`create trigger articles_lexemes_state after update of status, deleted_at, rubric_id, publish_at, expire_at on articles
    for each row when (old.status is distinct from new.status or old.deleted_at is distinct from new.deleted_at
                       or old.rubric_id is distinct from new.rubric_id or old.publish_at is distinct from new.publish_at
                       or old.expire_at is distinct from new.expire_at)
    execute function article_lexemes_state()`);
  // The rows already there, school by school (row-level security applies to the owner too).
  await knex.raw(`
    do $$ declare t record; begin
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t.id::text, true);
        update article_lexemes l
           set published = a.status = 'published' and a.deleted_at is null,
               rubric_id = a.rubric_id, publish_at = a.publish_at, expire_at = a.expire_at
          from articles a
         where l.tenant_id = t.id and a.tenant_id = t.id and a.id = l.article_id;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
  await knex.raw(`alter table article_lexemes alter column published drop default`);
  await knex.raw(`alter table article_lexemes drop constraint article_lexemes_pkey`);
  await knex.raw(`alter table article_lexemes add constraint article_lexemes_pkey primary key (tenant_id, lexeme, article_id)
    include (score, published, rubric_id, publish_at, expire_at, entry)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table article_lexemes drop constraint article_lexemes_pkey`);
  await knex.raw(`alter table article_lexemes add constraint article_lexemes_pkey primary key (tenant_id, lexeme, article_id) include (score, entry)`);
  await knex.raw(`drop trigger articles_lexemes_state on articles`);
  await knex.raw(`drop function article_lexemes_state()`);
  await knex.raw(REFRESH_WITH_SCORE.replace('%COLUMNS%', '').replace('%VALUES%', ''));
  await knex.raw(`alter table article_lexemes drop column published, drop column rubric_id, drop column publish_at, drop column expire_at`);
}
