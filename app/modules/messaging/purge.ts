import type { Member } from '../../auth/member.js';
import { currentTenant, db } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { SENDER_NAME_SQL } from './service.js';

/** A sent message as administrators see it when looking for abuse (no body beyond a short extract). */
export interface FoundMessage {
  id: string;
  subject: string;
  extract: string;
  /** Null once the sender's membership is deleted (sender_name then is the name kept with the message). */
  sender_id: string | null;
  sender_name: string;
  sent_at: Date;
  recipient_count: number;
  copies: number;
}

/** Sent messages of the school matching words of their content and/or their sender's name, newest first. */
export async function messagesFinder({ q, sender }: { q?: string; sender?: string }, limit = 50): Promise<FoundMessage[]> {
  const tenantId = currentTenant().id;
  const query = db()('messages as m')
    .leftJoin('memberships as s', function () {
      this.on('s.tenant_id', 'm.tenant_id').andOn('s.id', 'm.sender_id');
    })
    .where('m.tenant_id', tenantId)
    .whereNotNull('m.sent_at')
    .select(
      'm.id',
      'm.subject',
      db().raw(`left(m.body_text, 200) as extract`),
      'm.sender_id',
      db().raw(`${SENDER_NAME_SQL} as sender_name`),
      'm.sent_at',
      'm.recipient_count',
      db().raw(`(select count(*)::int from message_entries e where e.tenant_id = m.tenant_id and e.message_id = m.id) as copies`),
    )
    .orderBy('m.sent_at', 'desc')
    .limit(limit);
  if (q) query.andWhereRaw(`m.search @@ websearch_to_tsquery('preau_french', ?)`, [q]);
  if (sender) {
    const like = `%${sender.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    // A sender still in the school by either order of their names; a gone one by the name kept with the message.
    query.andWhere((w) =>
      w
        .whereRaw(`unaccent(s.first_name || ' ' || s.last_name) ilike unaccent(?)`, [like])
        .orWhereRaw(`unaccent(s.last_name || ' ' || s.first_name) ilike unaccent(?)`, [like])
        .orWhereRaw(`s.id is null and unaccent(m.sender_name) ilike unaccent(?)`, [like]),
    );
  }
  return query;
}

export async function sentMessageById(id: string): Promise<FoundMessage | undefined> {
  const [found] = await db()('messages as m')
    .leftJoin('memberships as s', function () {
      this.on('s.tenant_id', 'm.tenant_id').andOn('s.id', 'm.sender_id');
    })
    .where({ 'm.tenant_id': currentTenant().id, 'm.id': id })
    .whereNotNull('m.sent_at')
    .select('m.id', 'm.subject', db().raw(`'' as extract`), 'm.sender_id', db().raw(`${SENDER_NAME_SQL} as sender_name`), 'm.sent_at', 'm.recipient_count', db().raw('0 as copies'));
  return found;
}

/**
 * Purges a message from every mailbox: its row goes, and with it (cascade) every member's copy and its
 * attachments' rows; copies still waiting in the outbox for external addresses are dropped. Audited with the
 * sender, subject and number of copies, never the body.
 */
export async function messagePurger({ actor, message, ip }: { actor: Member; message: FoundMessage; ip?: string }): Promise<number> {
  const tenantId = currentTenant().id;
  const [{ n }] = await db()('message_entries').where({ tenant_id: tenantId, message_id: message.id }).count<{ n: string }[]>('* as n');
  await db()('messages').where({ tenant_id: tenantId, id: message.id }).del();
  await db()('mail_outbox')
    .where({ tenant_id: tenantId, status: 'pending' })
    .andWhere('idempotency_key', 'like', `messaging.external:${message.id}:%`)
    .del();
  await recordAudit({
    action: 'messaging.message_purged',
    actorAccountId: actor.accountId,
    actorMembershipId: actor.membershipId,
    subjectType: 'message',
    subjectId: message.id,
    details: { sender_id: message.sender_id, sender_name: message.sender_name, subject: message.subject, sent_at: message.sent_at, copies: Number(n) },
    ip,
  });
  return Number(n);
}
