import type { Knex } from 'knex';

/**
 * public_search(): French full-text search over a school's live articles in public rubrics and in the
 * private rubrics given (those the signed-in reader may read, decided by the caller), best first, with the
 * number of matches and ts_headline's highlighted title and body (the caller's options and sentinels; the
 * sentinels are removed from the text first), in one round trip with a plan cached per connection (the reads of
 * searchArticles in app/modules/publication/queries.ts), as a JSON array. It sets the school with set_config
 * local to the caller's transaction (the implicit one of a lone statement). SECURITY INVOKER: it runs as
 * preau_app, under row-level security like any other query.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function public_search(p_tenant uuid, p_q text, p_now timestamptz, p_private uuid[], p_limit integer,
                              p_sentinels text, p_title_options text, p_body_options text)
returns json language plpgsql security invoker as $fn$
declare
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  with q as (select websearch_to_tsquery('preau_french', p_q) as query),
  best as (
    select a.id, a.slug, a.title, a.body_text, a.summary, a.publish_at, r.name as rubric_name, r.slug as rubric_slug,
           ts_rank(a.search, q.query) as rank, count(*) over () as total
    from articles a
    join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
    cross join q
    where a.tenant_id = p_tenant
      and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
      and (a.expire_at is null or a.expire_at > p_now)
      and r.archived_at is null
      and (r.visibility = 'public' or r.id = any(p_private))
      and a.search @@ q.query
    order by rank desc, a.publish_at desc, a.id
    limit p_limit)
  select coalesce(json_agg(h order by h.rank desc, h.publish_at desc, h.id), '[]'::json) into result from (
    select best.id, best.slug, best.publish_at, best.rubric_name, best.rubric_slug, best.total::int as total, best.rank,
      ts_headline('preau_french', translate(best.title, p_sentinels, ''), q.query, p_title_options) as title_hl,
      ts_headline('preau_french', translate(case when best.body_text = '' then best.summary else best.body_text end,
                                            p_sentinels, ''), q.query, p_body_options) as body_hl
    from best cross join q
  ) h;
  return result;
end
$fn$`);
  await knex.raw(`grant execute on function public_search(uuid, text, timestamptz, uuid[], integer, text, text, text) to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function public_search(uuid, text, timestamptz, uuid[], integer, text, text, text)`);
}
