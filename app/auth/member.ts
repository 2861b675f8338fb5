import { sqlLiteral, tenantRoundTrip, type TenantRef } from '../db/index.js';
import { now } from '../lib/clock.js';
import { rightsOf, type AccessRule, type Actor } from '../rights/policy.js';
import { TOUCH_EVERY_MS, timeoutsFor, type SessionRow } from './session.js';

export interface Child {
  id: string;
  first_name: string;
  last_name: string;
  classes: string | null;
}

/** The signed-in member of the current school, as every route sees it (ctx.state.member). */
export interface Member extends Actor {
  accountId: string;
  login: string;
  firstName: string;
  lastName: string;
  displayName: string;
  children: Child[];
  rights: Map<string, Set<string>>;
  session: SessionRow;
}

// The session's idle expiry slides at most once a minute, by the timeout of the member's profile; an expired
// session is never slid. Runs in the same round trip as the lookup below.
function slideSql(tenantId: string, sessionId: string, at: Date): string {
  const ms = (profile: string) => sqlLiteral(timeoutsFor(profile).idleMs);
  return `update sessions s set last_seen_at = ${sqlLiteral(at)},
      idle_expires_at = least(${sqlLiteral(at)} + make_interval(secs => (case m.profile
        when 'admin' then ${ms('admin')} when 'student' then ${ms('student')} when 'guardian' then ${ms('guardian')}
        else ${ms('teacher')} end) / 1000.0), s.absolute_expires_at)
    from memberships m
    where s.tenant_id = ${sqlLiteral(tenantId)} and s.id = ${sqlLiteral(sessionId)}
      and m.tenant_id = s.tenant_id and m.id = s.membership_id
      and s.last_seen_at <= ${sqlLiteral(new Date(at.getTime() - TOUCH_EVERY_MS))}
      and s.idle_expires_at > ${sqlLiteral(at)} and s.absolute_expires_at > ${sqlLiteral(at)}`;
}

// One round trip: the session, its member, the member's classes, groups, subjects and children, and the
// school's rules. Classes count whether the member is in them, teaches them, or guards a student in them.
const MEMBER_SQL = `
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
where s.tenant_id = $tenant and s.id = $session`;

/**
 * Loads the member behind a session id in one round trip (no transaction held for the page), sliding the
 * session's idle expiry on the way. Null when no session of that id exists in this school; `expired` or
 * `disabled` when it exists but must not be honoured.
 */
export async function memberForSession(
  tenant: TenantRef,
  sessionId: string,
): Promise<(Member & { disabled: boolean; expired: boolean }) | null> {
  const at = now();
  const [, , rows] = await tenantRoundTrip(tenant, [
    slideSql(tenant.id, sessionId, at),
    MEMBER_SQL.replace('$tenant', sqlLiteral(tenant.id)).replace('$session', sqlLiteral(sessionId)),
  ]);
  const r = rows[0];
  if (!r) return null;
  const actor: Actor = {
    tenantId: r.tenant_id,
    membershipId: r.membership_id,
    profile: r.profile,
    functions: r.functions ?? [],
    classIds: r.class_ids ?? [],
    groupIds: r.group_ids ?? [],
    subjectIds: r.subject_ids ?? [],
  };
  return {
    ...actor,
    accountId: r.account_id,
    login: r.login,
    firstName: r.first_name,
    lastName: r.last_name,
    displayName: `${r.first_name} ${r.last_name}`,
    children: r.children,
    rights: rightsOf(actor, r.rules as AccessRule[]),
    disabled: Boolean(r.disabled_at || r.left_at),
    expired: new Date(r.idle_expires_at) <= at || new Date(r.absolute_expires_at) <= at,
    session: {
      tenant_id: r.tenant_id,
      id: r.id,
      account_id: r.account_id,
      membership_id: r.membership_id,
      csrf_token: r.csrf_token,
      created_at: r.created_at,
      last_seen_at: r.last_seen_at,
      idle_expires_at: r.idle_expires_at,
      absolute_expires_at: r.absolute_expires_at,
    },
  };
}
