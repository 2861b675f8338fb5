import type { Member } from '../../auth/member.js';
import { currentTenant, db } from '../../db/index.js';
import { now } from '../../lib/clock.js';
import { messagingSettings } from './settings-store.js';

/**
 * Abuse containment (issue 5). In March 2024 stolen ENT accounts sent threats to whole schools within minutes;
 * these limits bound what one account can do in an hour, far above what a genuine member needs.
 */
export const LIMIT_WINDOW_MS = 60 * 60 * 1000;

/**
 * Messages sent per hour. A student rarely writes more than a few messages an hour; adults (teachers, CPE,
 * office) answer families in bursts after a class council, hence a higher ceiling.
 */
export const MESSAGES_PER_HOUR = { student: 10, other: 60 } as const;

/**
 * Recipients per hour, groups expanded. A student reaches a class or two (30 each); an adult can write to
 * the parents of their classes (a teacher with 6 classes ≈ 180 families) a few times. Beyond that it is a
 * broadcast, which has its own tool (communication ciblée).
 */
export const RECIPIENTS_PER_HOUR = { student: 60, other: 600 } as const;

function tier(sender: Member): 'student' | 'other' {
  return sender.profile === 'student' ? 'student' : 'other';
}

/** The school's suspension notice, or null when sending is open (for the compose page and the picker). */
export async function sendingSuspendedNotice(): Promise<string | null> {
  const s = await messagingSettings();
  return s.sendingSuspendedAt
    ? 'L’envoi de messages est suspendu par l’établissement. Vous pouvez toujours lire vos messages.'
    : null;
}

function inMinutes(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/**
 * Why the sender may not send a message to recipientCount people now (French, for the compose form), or null:
 * the school suspended sending, or the sender reached their hourly limits (counted from the messages they sent
 * in the last hour, drafts excluded).
 */
export async function sendingRefusal(sender: Member, recipientCount: number): Promise<string | null> {
  const suspended = await sendingSuspendedNotice();
  if (suspended) return suspended;
  const at = now();
  const since = new Date(at.getTime() - LIMIT_WINDOW_MS);
  const row = await db()('messages')
    .where({ tenant_id: currentTenant().id, sender_id: sender.membershipId })
    .where('sent_at', '>', since)
    .first(
      db().raw('count(*)::int as messages'),
      db().raw('coalesce(sum(recipient_count), 0)::int as recipients'),
      db().raw('min(sent_at) as oldest'),
    );
  const messages = Number(row?.messages ?? 0);
  const recipients = Number(row?.recipients ?? 0);
  const wait = row?.oldest ? inMinutes(new Date(row.oldest).getTime() + LIMIT_WINDOW_MS - at.getTime()) : '1 minute';
  const t = tier(sender);
  if (messages + 1 > MESSAGES_PER_HOUR[t]) {
    return `Vous avez envoyé ${messages} messages depuis une heure, la limite est de ${MESSAGES_PER_HOUR[t]}. Réessayez dans ${wait}.`;
  }
  if (recipients + recipientCount > RECIPIENTS_PER_HOUR[t]) {
    const left = Math.max(0, RECIPIENTS_PER_HOUR[t] - recipients);
    return (
      `Vous avez écrit à ${recipients} destinataires depuis une heure, la limite est de ${RECIPIENTS_PER_HOUR[t]} ` +
      `(il vous en reste ${left} ; ce message en compte ${recipientCount}). Réessayez dans ${wait}.`
    );
  }
  return null;
}
