import type { Knex } from 'knex';

/**
 * agenda_events(): the events of a school a reader may see that have not ended by p_from (or, for an event
 * with no end, start at or after p_from) and start before p_to (when given), ordered by start, at most p_limit
 * (when given), as a JSON array in one round trip (app/modules/agenda/service.ts). Audience rules as in
 * live_notices. SECURITY INVOKER with set_config local to the caller's transaction.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function agenda_events(p_tenant uuid, p_from timestamptz, p_to timestamptz, p_limit integer,
                              p_profile text, p_class_ids uuid[]) returns json
language plpgsql security invoker as $fn$
declare
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);
  select coalesce(json_agg(x order by x.starts_at, x.id), '[]'::json) into result from (
    select e.id, e.title, e.starts_at, e.ends_at, e.all_day, e.place, e.description, e.audience
    from agenda_events e
    where e.tenant_id = p_tenant
      and (e.ends_at > p_from or (e.ends_at is null and e.starts_at >= p_from))
      and (p_to is null or e.starts_at < p_to)
      and (e.audience = 'public'
           or (p_profile is not null and e.audience = 'members'
               and ((cardinality(e.audience_profiles) = 0 and cardinality(e.audience_class_ids) = 0)
                    or p_profile = any(e.audience_profiles)
                    or e.audience_class_ids && coalesce(p_class_ids, '{}'::uuid[]))))
    order by e.starts_at, e.id
    limit p_limit
  ) x;
  return result;
end
$fn$`);
  await knex.raw(`grant execute on function agenda_events(uuid, timestamptz, timestamptz, integer, text, uuid[]) to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function agenda_events(uuid, timestamptz, timestamptz, integer, text, uuid[])`);
}
