import type { Knex } from 'knex';

/**
 * live_notices(): the notices of a school visible at p_now to a reader, as a JSON array, in one round trip
 * (liveNotices in app/modules/notices/service.ts). A visitor (p_profile null) sees public notices; a member
 * also sees the 'members' notices whose audience covers their profile or one of their classes (or every
 * member when the notice names neither). Ordered by level (alert, warning, info) then newest start first.
 * SECURITY INVOKER with set_config local to the caller's transaction: row-level security applies as usual.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function live_notices(p_tenant uuid, p_now timestamptz, p_profile text, p_class_ids uuid[]) returns json
language plpgsql security invoker as $fn$
declare
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  select coalesce(json_agg(x order by x.rank, x.starts_at desc, x.id), '[]'::json) into result from (
    select n.id, n.level, n.title, n.body, n.link_url, n.starts_at, n.ends_at,
           case n.level when 'alert' then 0 when 'warning' then 1 else 2 end as rank
    from notices n
    where n.tenant_id = p_tenant and n.starts_at <= p_now and (n.ends_at is null or n.ends_at > p_now)
      and (n.audience = 'public'
           or (p_profile is not null and n.audience = 'members'
               and ((cardinality(n.audience_profiles) = 0 and cardinality(n.audience_class_ids) = 0)
                    or p_profile = any(n.audience_profiles)
                    or n.audience_class_ids && coalesce(p_class_ids, '{}'::uuid[]))))
  ) x;
  return result;
end
$fn$`);
  await knex.raw(`grant execute on function live_notices(uuid, timestamptz, text, uuid[]) to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function live_notices(uuid, timestamptz, text, uuid[])`);
}
