import type { Knex } from 'knex';

const OLD_SIGNATURE = 'public_search(uuid, text, timestamptz, uuid[], integer, text, text, text)';
const SIGNATURE = 'public_search(uuid, text, timestamptz, uuid[], integer, integer, text, text, text)';

/**
 * public_search() (migration 20261123106400) answers one page of the results: p_offset skips the better-ranked
 * matches of the earlier pages, so a reader can go past the first ones instead of being told to refine. Same
 * matching, ranking, count and headlines (for the page's rows only), same grants; SECURITY INVOKER as before.
 * A page past the last one has no rows, hence no count either: the caller answers 404 for it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`drop function ${OLD_SIGNATURE}`);
  await knex.raw(`
create function public_search(p_tenant uuid, p_q text, p_now timestamptz, p_private uuid[], p_limit integer, p_offset integer,
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
      limit p_limit offset p_offset) x;
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
      limit p_limit offset p_offset) x;
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
  await knex.raw(`drop function ${SIGNATURE}`);
  // 106400's up() makes public_search_matches() too.
  await knex.raw(`drop function public_search_matches(uuid, text[], tsquery, timestamptz, uuid[])`);
  const previous = await import('./20261123106400_public_search_lexeme_rank.js');
  await previous.up(knex);
}
