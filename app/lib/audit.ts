import { db, currentTenant } from '../db/index.js';
import { newId } from './ids.js';
import { now } from './clock.js';

export interface AuditEntry {
  action: string;
  actorAccountId?: string | null;
  actorMembershipId?: string | null;
  subjectType?: string;
  subjectId?: string;
  /** Old and new values, never secrets (no passwords, codes, tokens, message bodies). */
  details?: Record<string, unknown>;
  ip?: string;
}

/** Appends one line to the school's audit trail, inside the current tenant transaction. */
export async function recordAudit(entry: AuditEntry): Promise<void> {
  await db()('audit_events').insert({
    tenant_id: currentTenant().id,
    id: newId(),
    at: now(),
    actor_account_id: entry.actorAccountId ?? null,
    actor_membership_id: entry.actorMembershipId ?? null,
    action: entry.action,
    subject_type: entry.subjectType ?? null,
    subject_id: entry.subjectId ?? null,
    details: JSON.stringify(entry.details ?? {}),
    ip: entry.ip ?? null,
  });
}
