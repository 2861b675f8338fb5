import type { Knex } from 'knex';
import { tenantTable } from '../app/db/schema.js';

/**
 * article_lexemes: the lexemes of each article's `search` vector, one row each, under row-level security like
 * every school table, kept by a trigger in the transaction that saves the article.
 *
 * Why: under row-level security the planner may only use a condition as an index condition when it is
 * leakproof, and `@@` (ts_match_vq) is not, so the GIN index on articles.search is never used for the
 * application role: a search read every live article of the school (257 ms p99 over 10,000 articles).
 * Equality on text and uuid IS leakproof, so a btree on (tenant_id, lexeme, article_id) serves under the
 * policy: public_search() (migration 20261123104400) finds the articles holding every lexeme of the query
 * there, then applies the real `@@`, ts_rank and ts_headline to those candidates only. Row-level security stays
 * on everywhere; no function is marked leakproof.
 */
export async function up(knex: Knex): Promise<void> {
  await tenantTable(knex, 'article_lexemes', (t) => {
    t.text('lexeme').notNullable();
    t.uuid('article_id').notNullable();
    // The lexeme's entry in the vector, positions and weights included ('elev':3A,17C): the query's entries
    // of an article, put together, match and rank exactly as its whole vector does (ts_rank without
    // normalisation only reads the query's lexemes), without reading the article's row.
    t.text('entry').notNullable();
    t.foreign(['tenant_id', 'article_id']).references(['tenant_id', 'id']).inTable('articles').onDelete('CASCADE');
    t.index(['tenant_id', 'article_id']);
  });
  // The entry rides in the index, so the candidates come from an index-only scan.
  await knex.raw(`alter table article_lexemes add constraint article_lexemes_pkey primary key (tenant_id, lexeme, article_id) include (entry)`);
  await knex.raw(`
create function tsvector_entries(v tsvector) returns table (lexeme text, entry text)
language sql immutable strict parallel safe as $fn$
  select u.lexeme,
         '''' || replace(replace(u.lexeme, '\\', '\\\\'), '''', '''''') || '''' ||
         coalesce(':' || (select string_agg(x.p::text || case x.w when 'D' then '' else x.w end, ',' order by x.o)
                          from unnest(u.positions, u.weights) with ordinality x(p, w, o)), '')
  from unnest(v) u
$fn$`);
  await knex.raw(`grant execute on function tsvector_entries(tsvector) to preau_app`);

  await knex.raw(`
create function article_lexemes_refresh() returns trigger
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
  // AFTER: the generated `search` column is computed by then.
  await knex.raw(`create trigger articles_lexemes after insert or update of title, summary, body_text on articles
    for each row execute function article_lexemes_refresh()`);

  // The articles already there.
  await knex.raw(`
    do $$ declare t record; begin
      -- School by school (row-level security applies to the owner too), from the global list of schools.
      for t in select id from tenants loop
        perform set_config('app.tenant_id', t.id::text, true);
        insert into article_lexemes (tenant_id, lexeme, article_id, entry)
        select a.tenant_id, e.lexeme, a.id, e.entry from articles a, tsvector_entries(a.search) e where a.tenant_id = t.id;
      end loop;
      perform set_config('app.tenant_id', '', true);
    end $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop trigger articles_lexemes on articles`);
  await knex.raw(`drop function article_lexemes_refresh()`);
  await knex.schema.dropTable('article_lexemes');
  await knex.raw(`drop function tsvector_entries(tsvector)`);
}
