import type { Knex } from 'knex';

/**
 * session_member(): the signed-in member behind a session, in one round trip with a cached plan. It sets the
 * school (set_config local to the caller's transaction: the implicit one of a lone statement), slides the
 * session's idle expiry at most once a minute (never an expired session), and returns the session, the
 * member, their classes (in, taught, or guarded), groups, subjects, children and the school's rules as JSON.
 * SECURITY INVOKER: it runs as preau_app, under row-level security like any other query.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
create function session_member(
  p_tenant uuid, p_session text, p_now timestamptz, p_touch_before timestamptz,
  p_idle_admin_ms integer, p_idle_family_ms integer, p_idle_staff_ms integer
) returns json language plpgsql security invoker as $fn$
declare
  result json;
begin
  perform set_config('app.tenant_id', p_tenant::text, true);

  update sessions s set last_seen_at = p_now,
    idle_expires_at = least(p_now + make_interval(secs => (case m.profile
      when 'admin' then p_idle_admin_ms when 'student' then p_idle_family_ms when 'guardian' then p_idle_family_ms
      else p_idle_staff_ms end) / 1000.0), s.absolute_expires_at)
  from memberships m
  where s.tenant_id = p_tenant and s.id = p_session
    and m.tenant_id = s.tenant_id and m.id = s.membership_id
    and s.last_seen_at <= p_touch_before and s.idle_expires_at > p_now and s.absolute_expires_at > p_now;

  select row_to_json(member) into result from (

select s.tenant_id, s.id, s.account_id, s.membership_id, s.csrf_token, s.created_at, s.last_seen_at,
       s.idle_expires_at, s.absolute_expires_at,
       m.profile, m.functions, m.first_name, m.last_name, m.left_at, a.login, a.disabled_at,
       array(
         select cm.class_id from class_members cm where cm.tenant_id = m.tenant_id and cm.membership_id = m.id
         union select ta.class_id from teaching_assignments ta
           where ta.tenant_id = m.tenant_id and ta.teacher_id = m.id and ta.class_id is not null
         union select cm.class_id from guardianships g
           join class_members cm on cm.tenant_id = g.tenant_id and cm.membership_id = g.student_id
           where g.tenant_id = m.tenant_id and g.guardian_id = m.id
       )::text[] as class_ids,
       array(
         select gm.group_id from group_members gm where gm.tenant_id = m.tenant_id and gm.membership_id = m.id
         union select ta.group_id from teaching_assignments ta
           where ta.tenant_id = m.tenant_id and ta.teacher_id = m.id and ta.group_id is not null
       )::text[] as group_ids,
       array(
         select distinct ta.subject_id from teaching_assignments ta where ta.tenant_id = m.tenant_id and ta.teacher_id = m.id
       )::text[] as subject_ids,
       coalesce((
         select json_agg(json_build_object('id', c.id, 'first_name', c.first_name, 'last_name', c.last_name,
                  'classes', (select string_agg(cl.code, ', ' order by cl.code) from class_members cm
                              join classes cl on cl.tenant_id = cm.tenant_id and cl.id = cm.class_id
                              where cm.tenant_id = c.tenant_id and cm.membership_id = c.id))
                order by c.first_name, c.last_name)
         from guardianships g join memberships c on c.tenant_id = g.tenant_id and c.id = g.student_id
         where g.tenant_id = m.tenant_id and g.guardian_id = m.id
       ), '[]'::json) as children,
       coalesce((
         select json_agg(json_build_object('service_key', r.service_key, 'target_type', r.target_type,
                  'target_value', r.target_value, 'role', r.role))
         from access_rules r where r.tenant_id = s.tenant_id
       ), '[]'::json) as rules
from sessions s
join memberships m on m.tenant_id = s.tenant_id and m.id = s.membership_id
join accounts a on a.id = s.account_id
where s.tenant_id = p_tenant and s.id = p_session
  ) member;
  return result;
end
$fn$`);
  await knex.raw(`grant execute on function session_member(uuid, text, timestamptz, timestamptz, integer, integer, integer) to preau_app`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`drop function session_member(uuid, text, timestamptz, timestamptz, integer, integer, integer)`);
}
