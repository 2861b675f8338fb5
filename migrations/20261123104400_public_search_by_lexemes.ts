import type { Knex } from 'knex';

const SIGNATURE = 'public_search(uuid, text, timestamptz, uuid[], integer, text, text, text)';

/**
 * public_search() (first made by migration 20261123001700; same signature, same answer) finds its candidates
 * through article_lexemes (migration 20261123104300) instead of reading every live article of the school:
 *
 * - when the query only ANDs lexemes (and phrases: `<->`, `<N>`), every match holds all of its lexemes, so
 *   the articles that hold them all (a btree on leakproof equality, usable under row-level security) are a
 *   superset of the matches; their entries for those lexemes (positions and weights) make a vector on which
 *   `@@` and ts_rank give what they give on the whole vector (both only read the query's lexemes; ts_rank
 *   is called without length normalisation), so the result is the same as a full scan's, without reading
 *   the candidates' `search` column;
 * - any other query (`or`, `-word`, nothing left after stop words, lexemes with quotes or backslashes) takes
 *   the full scan, as before;
 * - ts_rank is computed for the matches only (the order needs it), ts_headline for the page's rows only.
 *
 * Still SECURITY INVOKER, under row-level security like every query; the reader's rubrics are decided by
 * the caller as before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create or replace function public_search(p_tenant uuid, p_q text, p_now timestamptz, p_private uuid[], p_limit integer,
                                         p_sentinels text, p_title_options text, p_body_options text)
returns json language plpgsql security invoker as $fn$
declare
  q tsquery := websearch_to_tsquery('preau_french', p_q);
  qt text := q::text;
  terms text[];
  best uuid[];
  matches integer;
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  if qt <> '' and position('''''' in qt) = 0 and position(E'\\\\' in qt) = 0
     and regexp_replace(qt, '''[^'']*''', '', 'g') ~ '^[\\s&()<>0-9-]*$' then
    select array_agg(distinct m[1]) into terms from regexp_matches(qt, '''([^'']*)''', 'g') m;
  end if;

  if terms is not null then
    select coalesce(array_agg(x.id order by x.rank desc, x.publish_at desc, x.id), '{}'), coalesce(max(x.total), 0)
      into best, matches
    from (
      select a.id, a.publish_at, ts_rank(c.v, q) as rank, count(*) over () as total
      from (select l.article_id, string_agg(l.entry, ' ')::tsvector as v from article_lexemes l
            where l.tenant_id = p_tenant and l.lexeme = any(terms)
            group by l.article_id having count(*) = cardinality(terms)) c
      join articles a on a.tenant_id = p_tenant and a.id = c.article_id
      join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
      where a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
        and (a.expire_at is null or a.expire_at > p_now)
        and r.archived_at is null
        and (r.visibility = 'public' or r.id = any(p_private))
        and c.v @@ q
      order by rank desc, a.publish_at desc, a.id
      limit p_limit) x;
  else
    select coalesce(array_agg(x.id order by x.rank desc, x.publish_at desc, x.id), '{}'), coalesce(max(x.total), 0)
      into best, matches
    from (
      select a.id, a.publish_at, ts_rank(a.search, q) as rank, count(*) over () as total
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
      ts_rank(a.search, q) as rank,
      ts_headline('preau_french', translate(a.title, p_sentinels, ''), q, p_title_options) as title_hl,
      ts_headline('preau_french', translate(case when a.body_text = '' then a.summary else a.body_text end,
                                            p_sentinels, ''), q, p_body_options) as body_hl
    from unnest(best) with ordinality b(id, ord)
    join articles a on a.tenant_id = p_tenant and a.id = b.id
    join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
  ) h;
  return result;
end
$fn$`);
  await knex.raw(`grant execute on function ${SIGNATURE} to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  // Back to the full scan of 20261123001700.
  const previous = await import('./20261123001700_public_search_function.js');
  await knex.raw(`drop function ${SIGNATURE}`);
  await previous.up(knex);
}
