import type { Knex } from 'knex';
import { up as previousUp } from './20261123103400_public_homepage_banner_feeds.js';

/**
 * public_homepage() (migration 20261123103400) at scale: at 10,000 articles the per-rubric news ranked every
 * live article of the school with a window function (about 180 ms a page); it now takes the newest few of
 * each rubric through the rubric index (a LATERAL … LIMIT), and the next scheduled change comes from
 * next_publication_change() (two index lookups, migration 20261123106100) instead of a scan.
 * Same signature, same answer, same grants; SECURITY INVOKER as before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create or replace function public_homepage(p_tenant uuid, p_parents text[], p_status text, p_now timestamptz, p_per_rubric integer, p_inst_limit integer,
                                p_profile text, p_class_ids uuid[], p_events integer)
returns json language plpgsql security invoker as $fn$
declare
  v_parent uuid;
  v_inst_row record;
  v_one json;
  v_inst json[] := '{}';
  v_next timestamptz;
  v_tiles jsonb;
  v_banner jsonb;
  result json;
begin
  -- Institutions first, each under its own id.
  for v_inst_row in select t.id, t.slug, t.name, t.hostnames from tenants t
                    where t.slug = any(coalesce(p_parents, '{}'::text[])) order by array_position(p_parents, t.slug) loop
    v_parent := v_inst_row.id;
    perform set_config('app.tenant_id', v_parent::text, true);
    select json_build_object('tenant_id', v_parent, 'slug', v_inst_row.slug, 'name', v_inst_row.name,
                             'hostnames', to_json(v_inst_row.hostnames), 'articles', coalesce(json_agg(y order by y.publish_at desc, y.id desc), '[]'::json))
      into v_one from (
        select a.id, a.slug, a.title, a.summary, case when a.summary = '' then left(a.body_text, 300) end as body_start, a.publish_at
        from articles a join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
        where a.tenant_id = v_parent and r.visibility = 'public' and r.archived_at is null
          and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
          and (a.expire_at is null or a.expire_at > p_now)
        order by a.publish_at desc, a.id desc limit p_inst_limit) y;
    v_inst := v_inst || v_one;
    -- Two index lookups (next publication, next expiry), not a scan of the institution's articles.
    v_next := least(v_next, next_publication_change(v_parent, p_now));
  end loop;

  perform set_config('app.tenant_id', p_tenant::text, true);

  select h.tiles, h.banner into v_tiles, v_banner from homepage_versions h
    where h.tenant_id = p_tenant and h.status in (p_status, 'published') order by (h.status = p_status) desc limit 1;

  v_next := least(v_next, next_publication_change(p_tenant, p_now));
  -- Public notices and events start and end on their own (tables of migrations 20261123002000 and 002200).
  select least(v_next, min(n.starts_at) filter (where n.starts_at > p_now), min(n.ends_at) filter (where n.ends_at > p_now))
    into v_next from notices n where n.tenant_id = p_tenant and (n.starts_at > p_now or n.ends_at > p_now);
  select least(v_next, min(e.starts_at) filter (where e.starts_at > p_now), min(e.ends_at) filter (where e.ends_at > p_now))
    into v_next from agenda_events e where e.tenant_id = p_tenant and (e.starts_at > p_now or e.ends_at > p_now);

  select json_build_object(
    'tiles', v_tiles,
    'rubrics', (select coalesce(json_agg(json_build_object('id', r.id, 'slug', r.slug, 'name', r.name, 'description', r.description,
                                                           'parent_id', r.parent_id) order by r.position, r.name), '[]'::json)
                from rubrics r where r.tenant_id = p_tenant and r.visibility = 'public' and r.archived_at is null),
    -- The newest p_per_rubric live articles of each public rubric: per rubric, an index scan that stops after
    -- p_per_rubric rows (articles_rubric_published_idx), however many articles the school has.
    'articles', (select coalesce(json_agg(y order by y.publish_at desc, y.id desc), '[]'::json) from (
        select a.id, a.slug, a.title, a.summary, case when a.summary = '' then left(a.body_text, 300) end as body_start, a.publish_at, a.rubric_id,
               r.slug as rubric_slug, r.name as rubric_name,
               a.main_image_id, a.main_image_alt, a.main_image_decorative, m.variants as image_variants,
               m.width as image_width, m.height as image_height
        from rubrics r
        cross join lateral (
          select a.* from articles a
           where a.tenant_id = p_tenant and a.rubric_id = r.id
             and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
             and (a.expire_at is null or a.expire_at > p_now)
           order by a.publish_at desc, a.id desc
           limit p_per_rubric) a
        left join media m on m.tenant_id = a.tenant_id and m.id = a.main_image_id
        where r.tenant_id = p_tenant and r.visibility = 'public' and r.archived_at is null) y),
    'selected', (select coalesce(json_agg(y), '[]'::json) from (
        select a.id, a.slug, a.title, a.summary, case when a.summary = '' then left(a.body_text, 300) end as body_start, a.publish_at, a.rubric_id,
               r.slug as rubric_slug, r.name as rubric_name,
               a.main_image_id, a.main_image_alt, a.main_image_decorative, m.variants as image_variants,
               m.width as image_width, m.height as image_height
        from articles a
        join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
        left join media m on m.tenant_id = a.tenant_id and m.id = a.main_image_id
        where a.tenant_id = p_tenant and r.visibility = 'public' and r.archived_at is null
          and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
          and (a.expire_at is null or a.expire_at > p_now)
          and a.id::text in (select jsonb_array_elements_text(t->'settings'->'ids')
                             from jsonb_array_elements(coalesce(v_tiles, '[]'::jsonb)) t
                             where t->>'type' = 'selection' and jsonb_typeof(t->'settings'->'ids') = 'array')) y),
    'media', (select coalesce(json_agg(json_build_object('id', m.id, 'alt', m.alt, 'width', m.width, 'height', m.height,
                                                         'variants', m.variants)), '[]'::json)
              from media m where m.tenant_id = p_tenant and m.kind = 'image'
                and m.id::text in (select t->'settings'->>'mediaId' from jsonb_array_elements(coalesce(v_tiles, '[]'::jsonb)) t
                                   where t->>'type' = 'media')),
    -- [homepage banner and external feeds, migration 20261123103400]
    'banner', (select json_build_object('mediaId', m.id, 'alt', coalesce(v_banner->>'alt', ''), 'decorative', coalesce((v_banner->>'decorative')::boolean, false),
                                        'width', m.width, 'height', m.height, 'variants', m.variants)
               from media m where m.tenant_id = p_tenant and m.kind = 'image' and m.id::text = v_banner->>'mediaId'),
    'feeds', (select coalesce(json_agg(json_build_object('url', f.url, 'items', f.items, 'fetched_at', f.fetched_at)), '[]'::json)
              from external_feeds f where f.tenant_id = p_tenant
                and f.url in (select t->'settings'->>'url' from jsonb_array_elements(coalesce(v_tiles, '[]'::jsonb)) t where t->>'type' = 'feed')),
    'institutions', array_to_json(v_inst),
    'notices', live_notices(p_tenant, p_now, p_profile, p_class_ids),
    'events', agenda_events(p_tenant, p_now, null, p_events, p_profile, p_class_ids),
    'next_change', v_next
  ) into result;
  return result;
end
$fn$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function public_homepage(uuid, text[], text, timestamptz, integer, integer, text, uuid[], integer)`);
  await previousUp(knex);
}
