import type { Member } from '../../auth/member.js';
import { currentTenant, db, inTenantScope, systemDb, type TenantRef } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';

/** An event as readers see it. All-day events run from midnight (Paris) of their first day to midnight after the last. */
export interface AgendaEvent {
  id: string;
  title: string;
  starts_at: Date;
  ends_at: Date | null;
  all_day: boolean;
  place: string;
  description: string;
}

export interface AgendaEventRow extends AgendaEvent {
  audience: 'public' | 'members';
  audience_profiles: string[];
  audience_class_ids: string[];
}

function toEvent(r: any): AgendaEvent {
  return {
    id: r.id,
    title: r.title,
    starts_at: new Date(r.starts_at),
    ends_at: r.ends_at ? new Date(r.ends_at) : null,
    all_day: !!r.all_day,
    place: r.place ?? '',
    description: r.description ?? '',
  };
}

/**
 * The events a reader may see that are not over at `from` and start before `to` (when given), ordered by
 * start, at most `limit`: one statement, the SQL function agenda_events() (migration 20261123002300). Runs
 * outside any tenant transaction as a lone statement, or inside the same school's tenantTx.
 */
export async function eventsBetween(tenant: TenantRef, from: Date, to: Date | null, limit: number | null, member?: Member): Promise<AgendaEvent[]> {
  const params = [tenant.id, from, to, limit, member?.profile ?? null, (member?.classIds ?? []).join(',')];
  const sql = `select agenda_events(?, ?, ?, ?, ?, string_to_array(?, ',')::uuid[]) as e`;
  let rows: any[];
  if (inTenantScope()) {
    if (currentTenant().id !== tenant.id) throw new Error('agenda events for another school inside a tenant transaction');
    ({ rows } = await db().raw(sql, params));
  } else {
    ({ rows } = await systemDb().raw(sql, params));
  }
  return ((rows[0]?.e ?? []) as any[]).map(toEvent);
}

/** The next events from `from` (those under way included): public ones for visitors, plus the member's audience. */
export async function upcomingEvents(tenant: TenantRef, from: Date, limit: number, member?: Member): Promise<AgendaEvent[]> {
  return eventsBetween(tenant, from, null, limit, member);
}

function toRow(r: any): AgendaEventRow {
  return { ...toEvent(r), audience: r.audience, audience_profiles: r.audience_profiles ?? [], audience_class_ids: (r.audience_class_ids ?? []).map(String) };
}

/** Every event of the current school from `from` on (managers' list), ordered by start. */
export async function listEvents(from: Date): Promise<AgendaEventRow[]> {
  const rows = await db()('agenda_events')
    .where('tenant_id', currentTenant().id)
    .andWhere((q) => q.where('ends_at', '>', from).orWhere((q2) => q2.whereNull('ends_at').andWhere('starts_at', '>=', from)))
    .orderBy('starts_at')
    .orderBy('id');
  return rows.map(toRow);
}

export async function eventById(id: string): Promise<AgendaEventRow | undefined> {
  const r = await db()('agenda_events').where({ tenant_id: currentTenant().id, id }).first();
  return r ? toRow(r) : undefined;
}

export interface EventInput {
  title: string;
  starts_at: Date;
  ends_at: Date | null;
  all_day: boolean;
  place: string;
  description: string;
  audience: 'public' | 'members';
  audience_profiles: string[];
  audience_class_ids: string[];
}

function columns(input: EventInput) {
  return {
    ...input,
    audience_profiles: input.audience === 'members' ? input.audience_profiles : [],
    audience_class_ids: input.audience === 'members' ? input.audience_class_ids : [],
  };
}

export async function createEvent(actor: Member, input: EventInput): Promise<string> {
  const id = newId();
  const at = now();
  await db()('agenda_events').insert({ tenant_id: currentTenant().id, id, ...columns(input), created_by: actor.membershipId, created_at: at, updated_at: at });
  await recordAudit({ action: 'agenda.create', actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'agenda_event', subjectId: id, details: { title: input.title } });
  return id;
}

export async function updateEvent(actor: Member, id: string, input: EventInput): Promise<void> {
  await db()('agenda_events').where({ tenant_id: currentTenant().id, id }).update({ ...columns(input), updated_at: now() });
  await recordAudit({ action: 'agenda.update', actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'agenda_event', subjectId: id, details: { title: input.title } });
}

export async function deleteEvent(actor: Member, event: AgendaEventRow): Promise<void> {
  await db()('agenda_events').where({ tenant_id: currentTenant().id, id: event.id }).delete();
  await recordAudit({ action: 'agenda.delete', actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'agenda_event', subjectId: event.id, details: { title: event.title } });
}
