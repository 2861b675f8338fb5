import type { Knex } from 'knex';

/**
 * next_publication_change(school, now): the school's next scheduled publication or expiry of a published
 * article — when its cached rubric and article pages stop being right by themselves (app/http/page-cache.ts).
 * One statement outside any transaction, like the other public reads; row-level security applies.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`create index articles_expiry_idx on articles (tenant_id, expire_at)
    where status = 'published' and deleted_at is null and expire_at is not null`);
  await knex.raw(`
create function next_publication_change(p_tenant uuid, p_now timestamptz) returns timestamptz
language plpgsql security invoker as $fn$
declare
  v_publish timestamptz;
  v_expire timestamptz;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  select a.publish_at into v_publish from articles a
   where a.tenant_id = p_tenant and a.status = 'published' and a.deleted_at is null and a.publish_at > p_now
   order by a.publish_at limit 1;
  select a.expire_at into v_expire from articles a
   where a.tenant_id = p_tenant and a.status = 'published' and a.deleted_at is null and a.expire_at > p_now
   order by a.expire_at limit 1;
  return least(v_publish, v_expire);
end
$fn$`);
  await knex.raw(`grant execute on function next_publication_change(uuid, timestamptz) to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function next_publication_change(uuid, timestamptz)`);
  await knex.raw(`drop index articles_expiry_idx`);
}
