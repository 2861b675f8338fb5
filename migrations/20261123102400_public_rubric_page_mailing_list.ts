import type { Knex } from 'knex';

/**
 * public_rubric_page() also returns the rubric's `mailing_list_enabled`, so the public rubric page links to the
 * list's subscription page when the list is on (templates/mailing/_rubric-list.njk). Same function otherwise
 * (migration 20261123001600); down restores that version.
 */
const WITH_LIST = `
create or replace function public_rubric_page(p_tenant uuid, p_slug text, p_now timestamptz, p_limit integer, p_offset integer)
returns json language plpgsql security invoker as $fn$
declare
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  select row_to_json(x) into result from (
    select r.id, r.slug, r.name, r.description, r.visibility, r.archived_at, r.mailing_list_enabled,
       coalesce((select json_agg(json_build_object('target_type', rr.target_type, 'target_value', rr.target_value, 'role', rr.role))
                 from rubric_roles rr where rr.tenant_id = r.tenant_id and rr.rubric_id = r.id), '[]'::json) as roles,
       (select json_build_object('slug', p.slug, 'name', p.name, 'visibility', p.visibility, 'archived_at', p.archived_at,
                                 'roles', coalesce((select json_agg(json_build_object('target_type', rr.target_type,
                                                      'target_value', rr.target_value, 'role', rr.role))
                                                    from rubric_roles rr where rr.tenant_id = p.tenant_id and rr.rubric_id = p.id),
                                                   '[]'::json))
          from rubrics p where p.tenant_id = r.tenant_id and p.id = r.parent_id) as parent,
       (select coalesce(json_agg(json_build_object('slug', c.slug, 'name', c.name, 'visibility', c.visibility,
                                   'roles', coalesce((select json_agg(json_build_object('target_type', rr.target_type,
                                                        'target_value', rr.target_value, 'role', rr.role))
                                                      from rubric_roles rr where rr.tenant_id = c.tenant_id and rr.rubric_id = c.id),
                                                     '[]'::json))
                                 order by c.position, c.name), '[]'::json)
          from rubrics c where c.tenant_id = r.tenant_id and c.parent_id = r.id and c.archived_at is null) as children,
       (select count(*)::int from articles a
          where a.tenant_id = r.tenant_id and a.rubric_id = r.id
            and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
            and (a.expire_at is null or a.expire_at > p_now)) as total,
       (select coalesce(json_agg(y order by y.publish_at desc, y.id desc), '[]'::json) from (
          select a.id, a.slug, a.title, a.summary, left(a.body_text, 600) as body_start, a.publish_at,
                 a.main_image_id, a.main_image_alt, a.main_image_decorative, m.variants as image_variants,
                 m.width as image_width, m.height as image_height
          from articles a left join media m on m.tenant_id = a.tenant_id and m.id = a.main_image_id
          where a.tenant_id = r.tenant_id and a.rubric_id = r.id
            and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
            and (a.expire_at is null or a.expire_at > p_now)
          order by a.publish_at desc, a.id desc limit p_limit offset p_offset) y) as articles
    from rubrics r where r.tenant_id = p_tenant and r.slug = p_slug
  ) x;
  return result;
end
$fn$`;

const ORIGINAL = `
create or replace function public_rubric_page(p_tenant uuid, p_slug text, p_now timestamptz, p_limit integer, p_offset integer)
returns json language plpgsql security invoker as $fn$
declare
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  select row_to_json(x) into result from (
    select r.id, r.slug, r.name, r.description, r.visibility, r.archived_at,
       coalesce((select json_agg(json_build_object('target_type', rr.target_type, 'target_value', rr.target_value, 'role', rr.role))
                 from rubric_roles rr where rr.tenant_id = r.tenant_id and rr.rubric_id = r.id), '[]'::json) as roles,
       (select json_build_object('slug', p.slug, 'name', p.name, 'visibility', p.visibility, 'archived_at', p.archived_at,
                                 'roles', coalesce((select json_agg(json_build_object('target_type', rr.target_type,
                                                      'target_value', rr.target_value, 'role', rr.role))
                                                    from rubric_roles rr where rr.tenant_id = p.tenant_id and rr.rubric_id = p.id),
                                                   '[]'::json))
          from rubrics p where p.tenant_id = r.tenant_id and p.id = r.parent_id) as parent,
       (select coalesce(json_agg(json_build_object('slug', c.slug, 'name', c.name, 'visibility', c.visibility,
                                   'roles', coalesce((select json_agg(json_build_object('target_type', rr.target_type,
                                                        'target_value', rr.target_value, 'role', rr.role))
                                                      from rubric_roles rr where rr.tenant_id = c.tenant_id and rr.rubric_id = c.id),
                                                     '[]'::json))
                                 order by c.position, c.name), '[]'::json)
          from rubrics c where c.tenant_id = r.tenant_id and c.parent_id = r.id and c.archived_at is null) as children,
       (select count(*)::int from articles a
          where a.tenant_id = r.tenant_id and a.rubric_id = r.id
            and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
            and (a.expire_at is null or a.expire_at > p_now)) as total,
       (select coalesce(json_agg(y order by y.publish_at desc, y.id desc), '[]'::json) from (
          select a.id, a.slug, a.title, a.summary, left(a.body_text, 600) as body_start, a.publish_at,
                 a.main_image_id, a.main_image_alt, a.main_image_decorative, m.variants as image_variants,
                 m.width as image_width, m.height as image_height
          from articles a left join media m on m.tenant_id = a.tenant_id and m.id = a.main_image_id
          where a.tenant_id = r.tenant_id and a.rubric_id = r.id
            and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
            and (a.expire_at is null or a.expire_at > p_now)
          order by a.publish_at desc, a.id desc limit p_limit offset p_offset) y) as articles
    from rubrics r where r.tenant_id = p_tenant and r.slug = p_slug
  ) x;
  return result;
end
$fn$`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw(WITH_LIST);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(ORIGINAL);
}
