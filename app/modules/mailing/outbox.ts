import { z } from 'zod';
import { currentTenant, db } from '../../db/index.js';
import { enqueueJob } from '../../jobs/queue.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';

/**
 * The mail outbox (issue 5): every outgoing e-mail is written to `mail_outbox` in the CURRENT tenant
 * transaction, with what caused it, so a rolled-back cause sends nothing and a committed one is never lost.
 * Delivery is the worker's job (worker.ts). The idempotency key (`<cause>:<message id>:<recipient>`) is unique
 * per school: enqueuing the same mail twice adds nothing.
 */

/** No CR or LF: a header value (or the subject, or an address) with one could inject headers. */
const NO_CRLF = /^[^\r\n]*$/;
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,76}$/;
/** Headers the transport sets itself, from the row: a caller may not override them. */
const RESERVED_HEADERS = new Set(['to', 'from', 'subject', 'message-id', 'date', 'cc', 'bcc', 'reply-to', 'sender', 'content-type', 'content-transfer-encoding', 'mime-version']);

export const OutboxMailSchema = z.object({
  idempotencyKey: z.string().min(1).max(500).regex(NO_CRLF, 'retour à la ligne interdit'),
  to: z.string().trim().email('adresse invalide').max(320).regex(NO_CRLF, 'retour à la ligne interdit'),
  subject: z.string().min(1).max(998).regex(NO_CRLF, 'retour à la ligne interdit dans le sujet'),
  text: z.string(),
  html: z.string().nullish(),
  headers: z
    .record(z.string(), z.string().max(2000))
    .default({})
    .superRefine((headers, ctx) => {
      for (const [name, value] of Object.entries(headers)) {
        if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', message: `nom d’en-tête invalide : ${JSON.stringify(name)}` });
        else if (RESERVED_HEADERS.has(name.toLowerCase())) ctx.addIssue({ code: 'custom', message: `en-tête réservé : ${name}` });
        if (!NO_CRLF.test(value)) ctx.addIssue({ code: 'custom', message: `retour à la ligne interdit dans l’en-tête ${name}` });
      }
    }),
});

export type OutboxMail = z.input<typeof OutboxMailSchema>;

export class OutboxMailError extends Error {}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'dead';

export interface OutboxRow {
  tenant_id: string;
  id: string;
  idempotency_key: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  headers: Record<string, string>;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: Date;
  lease_until: Date | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  broadcast_id?: string | null;
}

const INSERT_CHUNK = 1000;

export interface EnqueueOptions {
  /** The first attempt waits until then (the worker claims rows whose next_attempt_at has come). */
  notBefore?: Date;
  /** The targeted broadcast these mails belong to (its progress page counts them). */
  broadcastId?: string;
}

/**
 * Writes mails to the outbox in the current tenant transaction (db()). Validates every mail first (a CR/LF
 * in a header, the subject or the address refuses the whole call: nothing is written). A mail whose
 * idempotency key is already in the outbox is skipped (ON CONFLICT DO NOTHING). Returns how many were added.
 * `opts.notBefore` delays the first attempt; `opts.broadcastId` ties the rows to a broadcast.
 */
export async function mailEnqueuer(mails: OutboxMail[], opts: EnqueueOptions = {}): Promise<number> {
  const trx = db();
  const tenantId = currentTenant().id;
  const at = now();
  // Not before: a later first attempt (a scheduled article's list mail goes out at its publication time).
  const due = opts.notBefore && opts.notBefore > at ? opts.notBefore : at;
  const rows = mails.map((m, i) => {
    const parsed = OutboxMailSchema.safeParse(m);
    if (!parsed.success) throw new OutboxMailError(`courriel ${i + 1} refusé : ${parsed.error.issues.map((x) => x.message).join(' ; ')}`);
    const p = parsed.data;
    return {
      tenant_id: tenantId,
      id: newId(),
      idempotency_key: p.idempotencyKey,
      to_address: p.to,
      subject: p.subject,
      text_body: p.text,
      html_body: p.html ?? null,
      headers: JSON.stringify(p.headers),
      status: 'pending',
      attempts: 0,
      next_attempt_at: due,
      created_at: at,
      ...(opts.broadcastId ? { broadcast_id: opts.broadcastId } : {}),
    };
  });
  let added = 0;
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const inserted = await trx('mail_outbox')
      .insert(rows.slice(i, i + INSERT_CHUNK))
      .onConflict(['tenant_id', 'idempotency_key'])
      .ignore()
      .returning('id');
    added += inserted.length;
  }
  if (added) await deliveryWakeUp(due);
  return added;
}

/** The job queue of mail delivery (migration 20261123105100; its handler is in worker.ts). */
export const MAIL_DELIVERY_QUEUE = 'mail-delivery';

/**
 * Asks for a delivery round of the current school at `due`, in the current transaction: the mail and the
 * job that delivers it commit together. Keyed by school and minute, so a burst of mails makes one job.
 */
export async function deliveryWakeUp(due: Date): Promise<void> {
  const tenantId = currentTenant().id;
  const later = due.getTime() > now().getTime() + 1_000;
  const at = later ? due : now();
  await enqueueJob(MAIL_DELIVERY_QUEUE, { tenantId }, { singletonKey: `${tenantId}@${at.toISOString().slice(0, 16)}`, ...(later ? { startAfter: due } : {}) });
}

/** Counts of the current school's outbox by status (for the administrators' view). */
export async function outboxCounts(): Promise<Record<OutboxStatus, number>> {
  const rows = await db()('mail_outbox').where('tenant_id', currentTenant().id).select('status').count<{ status: OutboxStatus; count: string }[]>('* as count').groupBy('status');
  const out: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, dead: 0 };
  for (const r of rows) out[r.status] = Number(r.count);
  return out;
}
