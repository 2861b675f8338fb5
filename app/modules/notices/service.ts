import type { Member } from '../../auth/member.js';
import { currentTenant, db, inTenantScope, systemDb, type TenantRef } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';

export type NoticeLevel = 'alert' | 'warning' | 'info';
export const NOTICE_LEVELS: NoticeLevel[] = ['alert', 'warning', 'info'];
export const NOTICE_LEVEL_NAMES: Record<NoticeLevel, string> = { alert: 'Alerte', warning: 'Avertissement', info: 'Information' };

/** A notice as readers see it. */
export interface Notice {
  id: string;
  level: NoticeLevel;
  title: string;
  /** Plain text. */
  body: string;
  link_url: string | null;
  starts_at: Date;
  ends_at: Date | null;
}

/** A notice as its managers see it, with its audience. */
export interface NoticeRow extends Notice {
  audience: 'public' | 'members';
  audience_profiles: string[];
  audience_class_ids: string[];
}

function toNotice(r: any): Notice {
  return {
    id: r.id,
    level: r.level,
    title: r.title,
    body: r.body,
    link_url: r.link_url ?? null,
    starts_at: new Date(r.starts_at),
    ends_at: r.ends_at ? new Date(r.ends_at) : null,
  };
}

/**
 * The notices visible at `at`: starts_at ≤ at < ends_at (or no end); public ones for a visitor, plus those
 * whose audience covers the member. Ordered by level (alert > warning > info), then newest start first.
 * One statement, the SQL function live_notices() (migration 20261123002100). Callable both outside any
 * tenant transaction (the usual case: a lone statement through systemDb()) and inside the same school's
 * tenantTx (then it runs in that transaction).
 */
export async function liveNotices(tenant: TenantRef, at: Date, member?: Member): Promise<Notice[]> {
  const params = [tenant.id, at, member?.profile ?? null, (member?.classIds ?? []).join(',')];
  const sql = `select live_notices(?, ?, ?, string_to_array(?, ',')::uuid[]) as n`;
  let rows: any[];
  if (inTenantScope()) {
    if (currentTenant().id !== tenant.id) throw new Error('liveNotices for another school inside a tenant transaction');
    ({ rows } = await db().raw(sql, params));
  } else {
    ({ rows } = await systemDb().raw(sql, params));
  }
  return ((rows[0]?.n ?? []) as any[]).map(toNotice);
}

/** Every notice of the current school, for its managers: live and future first, then ended ones. */
export async function listNotices(): Promise<(NoticeRow & { state: 'live' | 'future' | 'ended' })[]> {
  const at = now();
  const rows = await db()('notices').where('tenant_id', currentTenant().id).orderBy('starts_at', 'desc').orderBy('id');
  const list = rows.map((r: any) => {
    const n = { ...toNotice(r), audience: r.audience, audience_profiles: r.audience_profiles ?? [], audience_class_ids: (r.audience_class_ids ?? []).map(String) };
    const state: 'live' | 'future' | 'ended' =
      n.starts_at > at ? 'future' : n.ends_at && n.ends_at <= at ? 'ended' : 'live';
    return { ...n, state };
  });
  const order = { live: 0, future: 1, ended: 2 };
  return list.sort((a, b) => order[a.state] - order[b.state]);
}

/** A notice of the current school, or undefined (another school's id finds nothing). */
export async function noticeById(id: string): Promise<NoticeRow | undefined> {
  const r = await db()('notices').where({ tenant_id: currentTenant().id, id }).first();
  if (!r) return undefined;
  return { ...toNotice(r), audience: r.audience, audience_profiles: r.audience_profiles ?? [], audience_class_ids: (r.audience_class_ids ?? []).map(String) };
}

export interface NoticeInput {
  level: NoticeLevel;
  title: string;
  body: string;
  link_url: string | null;
  starts_at: Date;
  ends_at: Date | null;
  audience: 'public' | 'members';
  audience_profiles: string[];
  audience_class_ids: string[];
}

function columns(input: NoticeInput) {
  return {
    level: input.level,
    title: input.title,
    body: input.body,
    link_url: input.link_url,
    starts_at: input.starts_at,
    ends_at: input.ends_at,
    audience: input.audience,
    audience_profiles: input.audience === 'members' ? input.audience_profiles : [],
    audience_class_ids: input.audience === 'members' ? input.audience_class_ids : [],
  };
}

export async function createNotice(actor: Member, input: NoticeInput): Promise<string> {
  const id = newId();
  const at = now();
  await db()('notices').insert({ tenant_id: currentTenant().id, id, ...columns(input), created_by: actor.membershipId, created_at: at, updated_at: at });
  await recordAudit({ action: 'notice.create', actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'notice', subjectId: id, details: { level: input.level, title: input.title } });
  return id;
}

export async function updateNotice(actor: Member, id: string, input: NoticeInput): Promise<void> {
  await db()('notices').where({ tenant_id: currentTenant().id, id }).update({ ...columns(input), updated_at: now() });
  await recordAudit({ action: 'notice.update', actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'notice', subjectId: id, details: { level: input.level, title: input.title } });
}

/** Ends a notice now (it disappears from every page at once); a notice not yet started never shows. */
export async function endNotice(actor: Member, notice: NoticeRow): Promise<void> {
  const at = now();
  if (notice.ends_at && notice.ends_at <= at) return;
  const starts = notice.starts_at < at ? notice.starts_at : new Date(at.getTime() - 1000);
  await db()('notices').where({ tenant_id: currentTenant().id, id: notice.id }).update({ starts_at: starts, ends_at: at, updated_at: at });
  await recordAudit({ action: 'notice.end', actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'notice', subjectId: notice.id });
}

export async function deleteNotice(actor: Member, notice: NoticeRow): Promise<void> {
  await db()('notices').where({ tenant_id: currentTenant().id, id: notice.id }).delete();
  await recordAudit({ action: 'notice.delete', actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'notice', subjectId: notice.id, details: { title: notice.title } });
}

/** The classes of the school, for the audience choices and labels. */
export async function schoolClasses(tenantId: string): Promise<{ id: string; code: string }[]> {
  return db()('classes').where('tenant_id', tenantId).orderBy('code').select('id', 'code');
}

/** Whether every class a form aims at belongs to this school (notices and agenda events share the rule). */
export async function audienceClassesKnown(tenantId: string, ids: string[]): Promise<boolean> {
  if (!ids.length) return true;
  const known = new Set((await schoolClasses(tenantId)).map((c) => c.id));
  return ids.every((id) => known.has(id));
}
