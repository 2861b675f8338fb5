import { escapeHtml } from '../../lib/html.js';
import { z } from 'zod';
import type { Member } from '../../auth/member.js';
import { currentTenant, db } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { createNotice } from '../notices/service.js';
import { sanitizeArticleHtml } from '../publication/sanitize.js';
import { audienceChoices, audienceLabel, checkAudience, resolveAudience, type Audience } from './audience.js';
import { currentSchool } from './lists.js';
import { mailEnqueuer, type OutboxMail } from './outbox.js';

/**
 * Targeted broadcasts (issue 5): the head of school or an administrator writes to an audience of any size.
 * Sending writes the broadcast record and one outbox row per recipient address in ONE transaction (all or
 * nothing); the outbox worker delivers them, and the progress page counts the broadcast's rows by status.
 */
export const BroadcastMessageSchema = z.object({
  subject: z
    .string()
    .trim()
    .min(1, 'Le sujet est obligatoire.')
    .max(200, 'Le sujet ne doit pas dépasser 200 caractères.')
    .regex(/^[^\r\n]*$/, 'Le sujet tient sur une ligne.'),
  body: z.string().trim().min(1, 'Le message est obligatoire.').max(50_000, 'Le message est trop long (50 000 caractères au plus).'),
  notice: z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()),
});

export type BroadcastMessage = z.infer<typeof BroadcastMessageSchema>;

/** The body as sanitized HTML and plain text: HTML is cleaned; plain text becomes paragraphs. */
export function bodyOf(body: string): { html: string; text: string } {
  const looksHtml = /<[a-z][\s\S]*>/i.test(body);
  const source = looksHtml
    ? body
    : body
        .split(/\r?\n\s*\r?\n/)
        .map((p) => `<p>${escapeHtml(p.trim()).replace(/\r?\n/g, '<br>')}</p>`)
        .join('');
  const { html } = sanitizeArticleHtml(source);
  const text = looksHtml ? sanitizeArticleHtml(source).text : body.replace(/\r\n/g, '\n');
  return { html, text };
}

export interface BroadcastRow {
  id: string;
  author_id: string | null;
  subject: string;
  body_html: string;
  body_text: string;
  audience: Audience;
  audience_label: string;
  members: number;
  addresses: number;
  without_address: number;
  notice_id: string | null;
  created_at: Date;
}

/** Sends a broadcast: record, outbox rows (idempotency key per broadcast and address), optional notice. */
export async function broadcastSender(input: { actor: Member; audience: Audience; message: BroadcastMessage; ip?: string }): Promise<{ id: string; queued: number }> {
  const { actor, audience, message } = input;
  await checkAudience(audience);
  const resolved = await resolveAudience(audience);
  const label = audienceLabel(audience, await audienceChoices());
  const { html, text } = bodyOf(message.body);
  const id = newId();
  const at = now();
  let noticeId: string | null = null;
  if (message.notice) {
    noticeId = await createNotice(actor, {
      level: 'info',
      title: message.subject.slice(0, 160),
      body: text.replace(/\s+/g, ' ').slice(0, 1000),
      link_url: null,
      starts_at: at,
      ends_at: new Date(at.getTime() + 14 * 24 * 3600_000),
      audience: 'members',
      audience_profiles: [],
      audience_class_ids: [],
    });
  }
  await db()('mail_broadcasts').insert({
    tenant_id: currentTenant().id,
    id,
    author_id: actor.membershipId,
    subject: message.subject,
    body_html: html,
    body_text: text,
    audience: JSON.stringify(audience),
    audience_label: label,
    members: resolved.members,
    addresses: resolved.addresses.length,
    without_address: resolved.withoutAddress,
    notice_id: noticeId,
    created_at: at,
  });
  const school = currentSchool().name;
  const footer = `\n\n--\n${school} — ${actor.displayName}`;
  const mails: OutboxMail[] = resolved.addresses.map((to) => ({
    idempotencyKey: `broadcast:${id}:${to}`,
    to,
    subject: message.subject,
    text: `${text}${footer}`,
    html: `${html}<hr><p>${escapeHtml(school)} — ${escapeHtml(actor.displayName)}</p>`,
    headers: { 'Auto-Submitted': 'auto-generated' },
  }));
  const queued = await mailEnqueuer(mails, { broadcastId: id });
  await recordAudit({
    action: 'mailing.broadcast_sent',
    actorAccountId: actor.accountId,
    actorMembershipId: actor.membershipId,
    subjectType: 'mail_broadcast',
    subjectId: id,
    details: { subject: message.subject, audience: label, members: resolved.members, addresses: resolved.addresses.length, without_address: resolved.withoutAddress, notice_id: noticeId },
    ip: input.ip,
  });
  return { id, queued };
}

export async function broadcastById(id: string): Promise<BroadcastRow | undefined> {
  return db()('mail_broadcasts').where({ tenant_id: currentTenant().id, id }).first();
}

export async function broadcastHistory(limit = 100): Promise<(BroadcastRow & { author_name: string | null })[]> {
  return db()('mail_broadcasts as b')
    .leftJoin('memberships as m', function () {
      this.on('m.tenant_id', 'b.tenant_id').andOn('m.id', 'b.author_id');
    })
    .where('b.tenant_id', currentTenant().id)
    .orderBy('b.created_at', 'desc')
    .limit(limit)
    .select('b.*', db().raw(`m.first_name || ' ' || m.last_name as author_name`));
}

export interface BroadcastProgress {
  total: number;
  pending: number;
  sent: number;
  dead: number;
  withoutAddress: number;
  done: boolean;
  percent: number;
}

/** Counts of the broadcast's outbox rows: pending (waiting or being sent), sent, failed (dead). */
export async function broadcastProgress(b: BroadcastRow): Promise<BroadcastProgress> {
  const rows = await db()('mail_outbox')
    .where({ tenant_id: currentTenant().id, broadcast_id: b.id })
    .select('status')
    .count<{ status: string; n: string }[]>('* as n')
    .groupBy('status');
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  const pending = (by.pending ?? 0) + (by.sending ?? 0);
  const sent = by.sent ?? 0;
  const dead = by.dead ?? 0;
  const total = pending + sent + dead;
  return { total, pending, sent, dead, withoutAddress: b.without_address, done: pending === 0, percent: total ? Math.floor(((sent + dead) * 100) / total) : 100 };
}
