import type { Knex } from 'knex';

/**
 * public_article(): a live article of a school for its public page, in one round trip with a plan cached per
 * connection (the reads of liveArticleOf in app/modules/publication/queries.ts): the article, its rubric with
 * its roles (the caller decides who may read it), the author's name, the main image's variants, the
 * attachments and the older and newer live neighbours in the rubric, as JSON; null when no live article has
 * that id. It sets the school with set_config local to the caller's transaction (the implicit one of a lone
 * statement). SECURITY INVOKER: it runs as preau_app, under row-level security like any other query.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function public_article(p_tenant uuid, p_id uuid, p_now timestamptz) returns json
language plpgsql security invoker as $fn$
declare
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  select row_to_json(x) into result from (
    select a.id, a.slug, a.title, a.summary, a.body_html, a.body_text, a.publish_at, a.updated_at,
       a.main_image_id, a.main_image_alt, a.main_image_decorative, m.variants as image_variants,
       m.width as image_width, m.height as image_height,
       case when mb.id is null then null else mb.first_name || ' ' || mb.last_name end as author,
       json_build_object('id', r.id, 'slug', r.slug, 'name', r.name, 'visibility', r.visibility,
                         'archived_at', r.archived_at,
                         'roles', coalesce((select json_agg(json_build_object('target_type', rr.target_type,
                                              'target_value', rr.target_value, 'role', rr.role))
                                            from rubric_roles rr where rr.tenant_id = r.tenant_id and rr.rubric_id = r.id),
                                           '[]'::json)) as rubric,
       (select coalesce(json_agg(json_build_object('id', f.id, 'name', f.name, 'mime', f.mime, 'size_bytes', f.size_bytes)
                                 order by aa.position, f.name), '[]'::json)
          from article_attachments aa join media f on f.tenant_id = aa.tenant_id and f.id = aa.media_id
          where aa.tenant_id = a.tenant_id and aa.article_id = a.id) as attachments,
       (select json_build_object('id', n.id, 'slug', n.slug, 'title', n.title)
          from articles n
          where n.tenant_id = a.tenant_id and n.rubric_id = a.rubric_id
            and n.status = 'published' and n.deleted_at is null and n.publish_at <= p_now
            and (n.expire_at is null or n.expire_at > p_now)
            and (n.publish_at, n.id) < (a.publish_at, a.id)
          order by n.publish_at desc, n.id desc limit 1) as previous,
       (select json_build_object('id', n.id, 'slug', n.slug, 'title', n.title)
          from articles n
          where n.tenant_id = a.tenant_id and n.rubric_id = a.rubric_id
            and n.status = 'published' and n.deleted_at is null and n.publish_at <= p_now
            and (n.expire_at is null or n.expire_at > p_now)
            and (n.publish_at, n.id) > (a.publish_at, a.id)
          order by n.publish_at asc, n.id asc limit 1) as next
    from articles a
    join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
    left join memberships mb on mb.tenant_id = a.tenant_id and mb.id = a.author_id
    left join media m on m.tenant_id = a.tenant_id and m.id = a.main_image_id
    where a.tenant_id = p_tenant and a.id = p_id
      and a.status = 'published' and a.deleted_at is null and a.publish_at <= p_now
      and (a.expire_at is null or a.expire_at > p_now)
  ) x;
  return result;
end
$fn$`);
  await knex.raw(`grant execute on function public_article(uuid, uuid, timestamptz) to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function public_article(uuid, uuid, timestamptz)`);
}
