import type { Member } from '../../auth/member.js';
import { currentTenant, db } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { deliveryWakeUp } from './outbox.js';

/** The administrators' view of the school's outbox: dead letters and their retry (audited). */

export interface DeadLetter {
  id: string;
  to_address: string;
  subject: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
  next_attempt_at: Date;
}

export async function latestDeadLetters(limit = 50): Promise<DeadLetter[]> {
  return db()('mail_outbox')
    .where({ tenant_id: currentTenant().id, status: 'dead' })
    .orderBy('next_attempt_at', 'desc')
    .limit(limit)
    .select('id', 'to_address', 'subject', 'attempts', 'last_error', 'created_at', 'next_attempt_at');
}

export async function deadLetterById(id: string): Promise<DeadLetter | undefined> {
  return db()('mail_outbox').where({ tenant_id: currentTenant().id, id, status: 'dead' }).first('id', 'to_address', 'subject', 'attempts', 'last_error', 'created_at', 'next_attempt_at');
}

/** A dead letter goes back to the queue for a fresh series of attempts, at once. */
export async function deadLetterRetrier(input: { actor: Member; letter: DeadLetter; ip?: string }): Promise<boolean> {
  const n = await db()('mail_outbox')
    .where({ tenant_id: currentTenant().id, id: input.letter.id, status: 'dead' })
    .update({ status: 'pending', attempts: 0, next_attempt_at: now(), lease_until: null });
  if (n) {
    await deliveryWakeUp(now());
    await recordAudit({
      action: 'mailing.dead_letter_retried',
      actorAccountId: input.actor.accountId,
      actorMembershipId: input.actor.membershipId,
      subjectType: 'mail_outbox',
      subjectId: input.letter.id,
      details: { to: input.letter.to_address, attempts: input.letter.attempts, last_error: input.letter.last_error?.slice(0, 200) ?? null },
      ip: input.ip,
    });
  }
  return n > 0;
}
