import { inTenantScope, systemDb, type TenantRef } from '../db/index.js';
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

/**
 * Loads the member behind a session id in one round trip with a cached plan (no transaction held for the
 * page), sliding the session's idle expiry on the way: the SQL function session_member() of migration
 * 20261123001000 says what it reads. Null when no session of that id exists in this school; `expired` or
 * `disabled` when it exists but must not be honoured.
 */
export async function memberForSession(
  tenant: TenantRef,
  sessionId: string,
): Promise<(Member & { disabled: boolean; expired: boolean }) | null> {
  // Its set_config is local to the statement's own transaction, which must not be a school's open one.
  if (inTenantScope()) throw new Error('memberForSession inside a tenant transaction');
  const at = now();
  const { rows } = await systemDb().raw(`select session_member(?, ?, ?, ?, ?, ?, ?) as m`, [
    tenant.id,
    sessionId,
    at,
    new Date(at.getTime() - TOUCH_EVERY_MS),
    timeoutsFor('admin').idleMs,
    timeoutsFor('student').idleMs,
    timeoutsFor('teacher').idleMs,
  ]);
  const r = rows[0]?.m;
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
      created_at: new Date(r.created_at),
      last_seen_at: new Date(r.last_seen_at),
      idle_expires_at: new Date(r.idle_expires_at),
      absolute_expires_at: new Date(r.absolute_expires_at),
    },
  };
}
