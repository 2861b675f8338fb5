import type { Knex } from 'knex';

const SIGNATURE = 'public_search(uuid, text, timestamptz, uuid[], integer, text, text, text)';

/**
 * public_search() (same signature and answer shape as migrations 20261123001700 and 104400) finds, counts and
 * ranks the matches of a plain query from article_lexemes alone, through public_search_matches():
 *
 * - a query that only ANDs words (and phrases) matches the articles holding all its lexemes (and, for a
 *   phrase, whose entries match it). Each lexeme row carries its score (migration 20261123106000) and its
 *   article's state (migration 20261123106300), in the primary key's index: the live rows (published, live at
 *   p_now, in one of the reader's rubrics, listed once) of one word come from one index-only scan; two words'
 *   lists, both in article order, are merged; more words are grouped by article. No articles row is read, no
 *   vector rebuilt or ranked per candidate (a phrase's entries are still checked with `@@`);
 * - the rank is the mean of the query's lexemes' scores — the query's words OR'ed, as ts_rank would rank
 *   `a | b` — so title words outrank summary words, which outrank body words, and more occurrences rank
 *   higher; ties go to the newest article, then the id. The count of the matches rides on the same pass;
 * - any other query (`or`, `-word`, nothing left after stop words, lexemes with quotes or backslashes) reads
 *   every live article and ranks with ts_rank, as before;
 * - ts_headline runs for the page's rows only.
 *
 * Both functions are SECURITY INVOKER, under row-level security like every query; nothing is leakproof.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function public_search_matches(p_tenant uuid, p_terms text[], p_phrase tsquery, p_now timestamptz, p_rubrics uuid[])
returns table (article_id uuid, publish_at timestamptz, score float8)
language plpgsql stable security invoker as $fn$
begin
  if cardinality(p_terms) = 1 then
    return query
      select l.article_id, l.publish_at, l.score::float8
      from article_lexemes l
      where l.tenant_id = p_tenant and l.lexeme = p_terms[1]
        and l.published and l.publish_at <= p_now and (l.expire_at is null or l.expire_at > p_now)
        and l.rubric_id = any(p_rubrics)
        and (p_phrase is null or l.entry::tsvector @@ p_phrase);
  elsif cardinality(p_terms) = 2 then
    -- Two lists in article order, merged.
    return query
      select l.article_id, l.publish_at, l.score::float8 + k.score::float8
      from article_lexemes l
      join article_lexemes k on k.tenant_id = p_tenant and k.lexeme = p_terms[2] and k.article_id = l.article_id
      where l.tenant_id = p_tenant and l.lexeme = p_terms[1]
        and l.published and l.publish_at <= p_now and (l.expire_at is null or l.expire_at > p_now)
        and l.rubric_id = any(p_rubrics)
        and (p_phrase is null or (l.entry || ' ' || k.entry)::tsvector @@ p_phrase);
  else
    return query
      select l.article_id, min(l.publish_at), sum(l.score::float8)
      from article_lexemes l
      where l.tenant_id = p_tenant and l.lexeme = any(p_terms)
        and l.published and l.publish_at <= p_now and (l.expire_at is null or l.expire_at > p_now)
        and l.rubric_id = any(p_rubrics)
      group by l.article_id
      having count(*) = cardinality(p_terms)
         and (p_phrase is null or string_agg(l.entry, ' ')::tsvector @@ p_phrase);
  end if;
end
$fn$`);
  await knex.raw(`grant execute on function public_search_matches(uuid, text[], tsquery, timestamptz, uuid[]) to preau_app`);
  await knex.raw(`
create or replace function public_search(p_tenant uuid, p_q text, p_now timestamptz, p_private uuid[], p_limit integer,
                                         p_sentinels text, p_title_options text, p_body_options text)
returns json language plpgsql security invoker as $fn$
declare
  q tsquery := websearch_to_tsquery('preau_french', p_q);
  qt text := q::text;
  terms text[];
  phrase boolean;
  visible uuid[];
  best uuid[];
  ranks float8[];
  matches integer;
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  if qt <> '' and position('''''' in qt) = 0 and position(E'\\\\' in qt) = 0
     and regexp_replace(qt, '''[^'']*''', '', 'g') ~ '^[\\s&()<>0-9-]*$' then
    select array_agg(distinct m[1]) into terms from regexp_matches(qt, '''([^'']*)''', 'g') m;
    phrase := position('<' in regexp_replace(qt, '''[^'']*''', '', 'g')) > 0;
  end if;

  if terms is not null then
    select coalesce(array_agg(r.id), '{}') into visible from rubrics r
    where r.tenant_id = p_tenant and r.archived_at is null and (r.visibility = 'public' or r.id = any(p_private));

    select coalesce(array_agg(x.article_id order by x.rank desc, x.publish_at desc, x.article_id), '{}'),
           coalesce(array_agg(x.rank order by x.rank desc, x.publish_at desc, x.article_id), '{}'),
           coalesce(max(x.total), 0)
      into best, ranks, matches
    from (
      select m.article_id, m.publish_at, m.score / cardinality(terms) as rank, count(*) over () as total
      from public_search_matches(p_tenant, terms, case when phrase then q end, p_now, visible) m
      order by rank desc, m.publish_at desc, m.article_id
      limit p_limit) x;
  else
    select coalesce(array_agg(x.id order by x.rank desc, x.publish_at desc, x.id), '{}'),
           coalesce(array_agg(x.rank order by x.rank desc, x.publish_at desc, x.id), '{}'),
           coalesce(max(x.total), 0)
      into best, ranks, matches
    from (
      select a.id, a.publish_at, ts_rank(a.search, q)::float8 as rank, count(*) over () as total
      from articles a
      join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
      where a.tenant_id = p_tenant
        and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
        and (a.expire_at is null or a.expire_at > p_now)
        and r.archived_at is null
        and (r.visibility = 'public' or r.id = any(p_private))
        and a.search @@ q
      order by rank desc, a.publish_at desc, a.id
      limit p_limit) x;
  end if;

  select coalesce(json_agg(h order by h.ord), '[]'::json) into result from (
    select b.ord, a.id, a.slug, a.publish_at, r.name as rubric_name, r.slug as rubric_slug, matches as total,
      b.rank,
      ts_headline('preau_french', translate(a.title, p_sentinels, ''), q, p_title_options) as title_hl,
      ts_headline('preau_french', translate(case when a.body_text = '' then a.summary else a.body_text end,
                                            p_sentinels, ''), q, p_body_options) as body_hl
    from unnest(best, ranks) with ordinality b(id, rank, ord)
    join articles a on a.tenant_id = p_tenant and a.id = b.id
    join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
  ) h;
  return result;
end
$fn$`);
  await knex.raw(`grant execute on function ${SIGNATURE} to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  // Back to the definition of 20261123104400 (create or replace, same signature).
  const previous = await import('./20261123104400_public_search_by_lexemes.js');
  await previous.up(knex);
  await knex.raw(`drop function public_search_matches(uuid, text[], tsquery, timestamptz, uuid[])`);
}
