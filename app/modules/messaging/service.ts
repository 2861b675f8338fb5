import type { Member } from '../../auth/member.js';
import { currentTenant, db, inTenantScope, systemDb, type TenantRef } from '../../db/index.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { mailEnqueuer, type OutboxMail } from '../mailing/outbox.js';
import { describeRecipients, expandRecipients, type RecipientOption } from './recipients.js';
import { sendingRefusal, sendingSuspendedNotice } from './limits.js';
import { escapeHtml } from '../../lib/html.js';
import { sanitizeMessageHtml } from './sanitize.js';

/**
 * Internal messaging: a message row per message (drafts have sent_at null), a mailbox entry per member who has
 * it (sender in 'sent', each recipient in 'inbox'), attachments stored by hash. Every function runs in the
 * current tenant transaction (db()) and reaches rows through the member, so another school's or another
 * member's message is simply not found.
 */

export const PAGE_SIZE = 50;
export const MAX_SUBJECT = 200;
export const MAX_BODY_BYTES = 200_000;

export interface MessageRow {
  tenant_id: string;
  id: string;
  /** Null once the sender's membership is deleted: the message stays, under sender_name. */
  sender_id: string | null;
  /** The sender's name when the message was written (null on rows written by other means). */
  sender_name: string | null;
  thread_id: string;
  parent_id: string | null;
  subject: string;
  body_html: string;
  body_text: string;
  recipients: RecipientOption[];
  external_addresses: string[];
  recipient_count: number;
  sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface EntryRow {
  owner_id: string;
  message_id: string;
  box: 'inbox' | 'sent';
  folder_id: string | null;
  received_at: Date;
  read_at: Date | null;
  flagged: boolean;
  trashed_at: Date | null;
}

export interface AttachmentRow {
  id: string;
  message_id: string;
  name: string;
  mime: string;
  size_bytes: number;
  sha256: string;
}

export interface FolderRow {
  id: string;
  owner_id: string;
  name: string;
}

/** A line of a mailbox listing. */
export interface ListedMessage {
  id: string;
  thread_id: string;
  subject: string;
  preview: string;
  sender_name: string;
  /** The sender's membership is deleted: sender_name is the name kept with the message. */
  sender_gone: boolean;
  recipients: RecipientOption[];
  received_at: Date;
  read: boolean;
  flagged: boolean;
  box: 'inbox' | 'sent';
  folder_id: string | null;
  trashed: boolean;
  attachments: number;
}

/** Where a listing looks: a box, one of the member's folders, the trash, or a search. */
export type Place = { kind: 'inbox' } | { kind: 'sent' } | { kind: 'trash' } | { kind: 'folder'; folderId: string } | { kind: 'search'; q: string };

const t = () => currentTenant().id;

/** Runs one statement in the current school's transaction when there is one, else alone (no transaction held). */
async function lone(tenant: TenantRef, sql: string, bindings: unknown[]): Promise<any[]> {
  if (inTenantScope()) {
    if (currentTenant().id !== tenant.id) throw new Error('messaging read for another school inside a tenant transaction');
    return (await db().raw(sql, bindings as any[])).rows;
  }
  return (await systemDb().raw(sql, bindings as any[])).rows;
}

export interface MailboxPage {
  items: ListedMessage[];
  more: boolean;
  /** The folder shown (place 'folder'); undefined when it is not the member's. */
  folder?: FolderRow;
  folders: (FolderRow & { unread: number })[];
  unread: number;
  prefs: { notify: boolean; email: string | null };
}

/**
 * A mailbox page in one statement (SQL function mailbox_page(), migration 20261123100700): a page of the place,
 * newest first (`before` continues after the last line shown), the member's folders, the unread count and the
 * notification preference. A folder that is not the member's gives `folder` undefined.
 */
export async function mailboxPageOf(tenant: TenantRef, member: Member, place: Place, opts: { before?: Date; limit?: number } = {}): Promise<MailboxPage> {
  const limit = opts.limit ?? PAGE_SIZE;
  const [row] = await lone(tenant, `select mailbox_page(?, ?, ?, ?, ?, ?, ?) as p`, [
    tenant.id,
    member.membershipId,
    place.kind,
    place.kind === 'folder' ? place.folderId : null,
    place.kind === 'search' ? place.q : null,
    opts.before ?? null,
    limit,
  ]);
  const p = row.p;
  const folder = p.folder ? { id: p.folder.id, name: p.folder.name, owner_id: member.membershipId } : undefined;
  if (place.kind === 'folder' && !folder) return { items: [], more: false, folders: [], unread: 0, prefs: { notify: false, email: null } };
  const items: ListedMessage[] = (p.items as any[]).map((r) => ({
    id: r.id,
    thread_id: r.thread_id,
    subject: r.subject || '(sans objet)',
    preview: r.preview,
    sender_name: r.sender_name,
    sender_gone: Boolean(r.sender_gone),
    recipients: r.recipients ?? [],
    received_at: new Date(r.received_at),
    read: r.read,
    flagged: r.flagged,
    box: r.box,
    folder_id: r.folder_id,
    trashed: r.trashed,
    attachments: r.attachments,
  }));
  return {
    items: items.slice(0, limit),
    more: items.length > limit,
    folder,
    folders: (p.folders as any[]).map((f) => ({ id: f.id, name: f.name, owner_id: member.membershipId, unread: f.unread })),
    unread: p.unread,
    prefs: { notify: Boolean(p.notify), email: p.email ?? null },
  };
}

/** The member's unread messages in their inbox (and own folders), outside the trash: one statement. */
export async function unreadOf(tenant: TenantRef, member: Member): Promise<number> {
  const [row] = await lone(tenant, `select mailbox_unread(?, ?) as n`, [tenant.id, member.membershipId]);
  return Number(row.n);
}

/** unreadOf in the current school's transaction. */
export async function unreadCount(member: Member): Promise<number> {
  return unreadOf(currentTenant(), member);
}

/** The member's drafts, last edited first. */
export async function draftList(member: Member): Promise<MessageRow[]> {
  return db()('messages').where({ tenant_id: t(), sender_id: member.membershipId }).whereNull('sent_at').orderBy('updated_at', 'desc').limit(200);
}

/** A draft of the member (never someone else's, never a sent message). */
export async function draftOf(member: Member, id: string): Promise<MessageRow | undefined> {
  return db()('messages').where({ tenant_id: t(), id, sender_id: member.membershipId }).whereNull('sent_at').first();
}

/** A sent message the member has in a mailbox (their entry with it), or undefined. */
export async function messageFor(member: Member, id: string): Promise<{ message: MessageRow; entry: EntryRow } | undefined> {
  const entry: EntryRow | undefined = await db()('message_entries').where({ tenant_id: t(), owner_id: member.membershipId, message_id: id }).first();
  if (!entry) return undefined;
  const message: MessageRow = await db()('messages').where({ tenant_id: t(), id }).first();
  return message ? { message, entry } : undefined;
}

/** The gone sender's suffix, as mailbox_page() (migration 20261123111030) writes it too. */
export const DEPARTED = ' (a quitté l’établissement)';
/** A gone sender whose name was not kept. */
export const UNKNOWN_DEPARTED = 'Ancien membre de l’établissement';

/**
 * SQL for the sender's name shown with a message `m` whose sender membership is left-joined as `s`: their
 * current name while they are in the school, else the name kept with the message and DEPARTED.
 */
export const SENDER_NAME_SQL = `case when s.id is not null then s.first_name || ' ' || s.last_name
  when m.sender_name is not null then m.sender_name || '${DEPARTED.replace(/'/g, "''")}'
  else '${UNKNOWN_DEPARTED.replace(/'/g, "''")}' end`;

export interface ThreadItem {
  message: MessageRow;
  entry: EntryRow;
  sender_name: string;
  sender_gone: boolean;
  attachments: AttachmentRow[];
}

/** The messages of a conversation that the member has, oldest first, and marks the unread ones read. */
export async function threadOf(member: Member, threadId: string): Promise<ThreadItem[]> {
  const rows = await db()('message_entries as e')
    .join('messages as m', function () {
      this.on('m.tenant_id', 'e.tenant_id').andOn('m.id', 'e.message_id');
    })
    .leftJoin('memberships as s', function () {
      this.on('s.tenant_id', 'm.tenant_id').andOn('s.id', 'm.sender_id');
    })
    .where({ 'e.tenant_id': t(), 'e.owner_id': member.membershipId, 'm.thread_id': threadId })
    .select('m.*', db().raw(`to_jsonb(e) as entry`), db().raw(`${SENDER_NAME_SQL} as shown_sender_name`))
    .orderBy('m.sent_at', 'asc');
  const ids = rows.map((r: any) => r.id);
  const attachments: AttachmentRow[] = ids.length
    ? await db()('message_attachments').where('tenant_id', t()).whereIn('message_id', ids).orderBy('created_at')
    : [];
  const unread = rows.filter((r: any) => r.entry.read_at == null).map((r: any) => r.id);
  if (unread.length) {
    await db()('message_entries').where({ tenant_id: t(), owner_id: member.membershipId }).whereIn('message_id', unread).update({ read_at: now() });
  }
  return rows.map((r: any) => {
    const { entry, shown_sender_name, search: _search, ...message } = r;
    return { message, entry, sender_name: shown_sender_name, sender_gone: message.sender_id == null, attachments: attachments.filter((a) => a.message_id === r.id) };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Drafts

export interface DraftInput {
  subject: string;
  body: string;
  recipients: string[];
}

/** A new empty draft (or one prefilled by a reply or a forward). */
export async function draftCreator(member: Member, fields: Partial<Pick<MessageRow, 'subject' | 'body_html' | 'thread_id' | 'parent_id' | 'recipients'>> = {}): Promise<MessageRow> {
  const at = now();
  const id = newId();
  const body = sanitizeMessageHtml(fields.body_html ?? '');
  const row = {
    tenant_id: t(),
    id,
    sender_id: member.membershipId,
    sender_name: member.displayName,
    thread_id: fields.thread_id ?? id,
    parent_id: fields.parent_id ?? null,
    subject: fields.subject ?? '',
    body_html: body.html,
    body_text: body.text,
    recipients: JSON.stringify(fields.recipients ?? []),
    created_at: at,
    updated_at: at,
  };
  const [created] = await db()('messages').insert(row).returning('*');
  return created;
}

/** Saves what the form holds into the draft (recipients described for display); nothing is checked here. */
export async function draftSaver(member: Member, draft: MessageRow, input: DraftInput): Promise<MessageRow> {
  const body = sanitizeMessageHtml(input.body);
  const recipients = input.recipients.length ? await describeRecipients(member, input.recipients) : [];
  const [saved] = await db()('messages')
    .where({ tenant_id: t(), id: draft.id, sender_id: member.membershipId })
    .whereNull('sent_at')
    .update({ subject: input.subject, body_html: body.html, body_text: body.text, recipients: JSON.stringify(recipients), updated_at: now() })
    .returning('*');
  return saved ?? draft;
}

export async function draftRemover(member: Member, draft: MessageRow): Promise<void> {
  await db()('messages').where({ tenant_id: t(), id: draft.id, sender_id: member.membershipId }).whereNull('sent_at').del();
}

function prefixed(prefix: string, subject: string): string {
  const re = new RegExp(`^${prefix}\\s*:`, 'i');
  return (re.test(subject) ? subject : `${prefix} : ${subject}`).slice(0, MAX_SUBJECT);
}

const quoteDate = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' });

/** The name a message is quoted under: its sender's current name, or the one kept with it once they are gone. */
async function senderName(original: MessageRow): Promise<string> {
  const s = original.sender_id ? await db()('memberships').where({ tenant_id: t(), id: original.sender_id }).first('first_name', 'last_name') : undefined;
  return s ? `${s.first_name} ${s.last_name}` : (original.sender_name ?? UNKNOWN_DEPARTED);
}

/**
 * Why a reply cannot reach the sender of the message it answers (French, for the compose form), or undefined:
 * their membership was deleted, or they left the school. Only for a draft answering a message (parent_id).
 */
export async function unreachableSenderNotice(member: Member, draft: MessageRow): Promise<string | undefined> {
  if (!draft.parent_id) return undefined;
  const parent = await messageFor(member, draft.parent_id);
  if (!parent || parent.message.sender_id === member.membershipId) return undefined;
  const original = parent.message;
  const s = original.sender_id
    ? await db()('memberships').where({ tenant_id: t(), id: original.sender_id }).first('first_name', 'last_name', 'left_at')
    : undefined;
  if (s && !s.left_at) return undefined;
  const name = s ? `${s.first_name} ${s.last_name}` : (original.sender_name ?? 'L’expéditeur de ce message');
  return `${name} a quitté l’établissement et ne peut plus recevoir de messages : votre réponse ne lui parviendra pas.`;
}

/**
 * A draft answering a message: to its sender (or, for "reply all", also to its other recipients), quoted. A
 * sender who is gone (sender_id null) is simply not a recipient: the compose form says why
 * (unreachableSenderNotice).
 */
export async function replyDrafter(member: Member, original: MessageRow, all: boolean): Promise<MessageRow> {
  const keys = new Set<string>();
  const mine = `m:${member.membershipId}`;
  if (original.sender_id && original.sender_id !== member.membershipId) keys.add(`m:${original.sender_id}`);
  if (all || original.sender_id === member.membershipId) for (const r of original.recipients ?? []) keys.add(r.key);
  keys.delete(mine);
  const recipients = keys.size ? await describeRecipients(member, [...keys]) : [];
  const name = await senderName(original);
  // Quoted as plain lines: the editor (trix) flattens paragraphs nested in a quote into one line.
  const lines = escapeHtml(original.body_text).replace(/\n/g, '<br>');
  const quoted = `<div><br></div><blockquote>Le ${escapeHtml(quoteDate.format(new Date(original.sent_at!)))}, ${escapeHtml(name)} a écrit :<br>${lines}</blockquote>`;
  return draftCreator(member, { subject: prefixed('RE', original.subject), body_html: quoted, thread_id: original.thread_id, parent_id: original.id, recipients });
}

/** A draft forwarding a message, with its attachments, to recipients still to choose. */
export async function forwardDrafter(member: Member, original: MessageRow): Promise<MessageRow> {
  const name = await senderName(original);
  const header = `<div><br></div><p>-------- Message transféré --------<br>De : ${escapeHtml(name)}<br>Date : ${escapeHtml(quoteDate.format(new Date(original.sent_at!)))}<br>Objet : ${escapeHtml(original.subject)}</p>`;
  const draft = await draftCreator(member, { subject: prefixed('TR', original.subject), body_html: header + original.body_html });
  const files: AttachmentRow[] = await db()('message_attachments').where({ tenant_id: t(), message_id: original.id });
  if (files.length) {
    await db()('message_attachments').insert(
      files.map((f) => ({ tenant_id: t(), id: newId(), message_id: draft.id, name: f.name, mime: f.mime, size_bytes: f.size_bytes, sha256: f.sha256, created_at: now() })),
    );
  }
  return draft;
}

// ---------------------------------------------------------------------------------------------------------
// Sending

export type SendResult = { ok: true; message: MessageRow } | { ok: false; status: 422 | 429; field?: 'recipients' | 'subject'; message: string };

const NOTIFY_CAUSE = 'messaging.notify';
const EXTERNAL_CAUSE = 'messaging.external';

/**
 * Sends a draft: re-checks every recipient (expandRecipients), asks the school's limits, then in the current
 * transaction marks the message sent, fans out one inbox entry per member plus the sender's 'sent' entry, and
 * writes to the outbox the notifications (no body) and the external addresses' copies.
 * `origin` is the school's address as the request reached it (for links in mails).
 */
export async function messageSender(member: Member, draft: MessageRow, input: DraftInput, origin: string): Promise<SendResult> {
  const saved = await draftSaver(member, draft, input);
  if (!input.subject.trim()) return { ok: false, status: 422, field: 'subject', message: 'Indiquez l’objet du message.' };
  if (!input.recipients.length) return { ok: false, status: 422, field: 'recipients', message: 'Choisissez au moins un destinataire.' };
  const expanded = await expandRecipients(member, input.recipients);
  if (!expanded.ok) return { ok: false, status: 422, field: 'recipients', message: expanded.message };
  const memberIds = [...new Set(expanded.memberIds)].filter((id) => id !== member.membershipId);
  const external = [...new Set(expanded.externalAddresses.map((a) => a.trim().toLowerCase()))];
  if (!memberIds.length && !external.length) return { ok: false, status: 422, field: 'recipients', message: 'Aucun destinataire ne peut recevoir ce message.' };
  const refusal = await sendingRefusal(member, memberIds.length + external.length);
  // A suspended school is a refusal of the request (422); otherwise it is the sender's hourly rate (429).
  if (refusal) return { ok: false, status: (await sendingSuspendedNotice()) ? 422 : 429, message: refusal };

  const at = now();
  const [message] = await db()('messages')
    .where({ tenant_id: t(), id: saved.id, sender_id: member.membershipId })
    .whereNull('sent_at')
    .update({ sent_at: at, updated_at: at, sender_name: member.displayName, recipient_count: memberIds.length, external_addresses: external })
    .returning('*');
  if (!message) return { ok: false, status: 422, message: 'Ce brouillon a déjà été envoyé.' };
  const entries = [
    { tenant_id: t(), owner_id: member.membershipId, message_id: message.id, box: 'sent', received_at: at, read_at: at },
    ...memberIds.map((id) => ({ tenant_id: t(), owner_id: id, message_id: message.id, box: 'inbox', received_at: at, read_at: null })),
  ];
  for (let i = 0; i < entries.length; i += 1000) await db()('message_entries').insert(entries.slice(i, i + 1000));

  const link = `${origin}/messagerie/messages/${message.id}`;
  const subjectLine = message.subject.replace(/[\r\n]+/g, ' ');
  const mails: OutboxMail[] = [];
  if (memberIds.length) {
    const wanting: { id: string; email: string }[] = await db()('messaging_preferences as p')
      .join('memberships as ms', function () {
        this.on('ms.tenant_id', 'p.tenant_id').andOn('ms.id', 'p.member_id');
      })
      .where({ 'p.tenant_id': t(), 'p.notify_by_email': true })
      .whereIn('p.member_id', memberIds)
      .whereNotNull('ms.email')
      .whereNull('ms.left_at')
      .select('ms.id', 'ms.email');
    for (const w of wanting) {
      if (!/^[^\s@]+@[^\s@]+$/.test(w.email)) continue;
      mails.push({
        idempotencyKey: `${NOTIFY_CAUSE}:${message.id}:${w.id}`,
        to: w.email,
        subject: `Nouveau message de ${member.displayName} : ${subjectLine}`.slice(0, 300),
        text: `Bonjour,\n\n${member.displayName} vous a écrit sur l’espace numérique de l’établissement.\nObjet : ${subjectLine}\n\nLisez-le ici : ${link}\n\nVous recevez ce courriel parce que vous avez demandé à être prévenu des nouveaux messages ; vous pouvez changer ce choix dans votre messagerie.`,
      });
    }
  }
  for (const address of external) {
    mails.push({
      idempotencyKey: `${EXTERNAL_CAUSE}:${message.id}:${address}`,
      to: address,
      subject: subjectLine,
      text: `Message de ${member.displayName}, envoyé par la messagerie de l’établissement :\n\n${message.body_text}`,
      html: `<p>Message de ${escapeHtml(member.displayName)}, envoyé par la messagerie de l’établissement :</p>${message.body_html}`,
    });
  }
  if (mails.length) await mailEnqueuer(mails);
  return { ok: true, message };
}

// ---------------------------------------------------------------------------------------------------------
// Per-member state

function entryOf(member: Member, messageId: string) {
  return db()('message_entries').where({ tenant_id: t(), owner_id: member.membershipId, message_id: messageId });
}

export async function readMarker(member: Member, messageId: string, read: boolean): Promise<void> {
  await entryOf(member, messageId).update({ read_at: read ? now() : null });
}

export async function flagSetter(member: Member, messageId: string, flagged: boolean): Promise<void> {
  await entryOf(member, messageId).update({ flagged });
}

export async function trasher(member: Member, messageId: string): Promise<void> {
  await entryOf(member, messageId).update({ trashed_at: now() });
}

export async function restorer(member: Member, messageId: string): Promise<void> {
  await entryOf(member, messageId).update({ trashed_at: null });
}

/** Deletes the member's copy for good (from the trash); the message goes once nobody has it any more. */
export async function entryRemover(member: Member, messageId: string): Promise<void> {
  await entryOf(member, messageId).whereNotNull('trashed_at').del();
  const left = await db()('message_entries').where({ tenant_id: t(), message_id: messageId }).first('message_id');
  if (!left) await db()('messages').where({ tenant_id: t(), id: messageId }).whereNotNull('sent_at').del();
}

/** Moves the member's copy to one of their folders (null: back to its box), out of the trash. */
export async function mover(member: Member, messageId: string, folderId: string | null): Promise<void> {
  await entryOf(member, messageId).update({ folder_id: folderId, trashed_at: null });
}

/** Applies a listing's action to the member's own copies of the ticked messages (others' ids change nothing). */
export async function selectionActor(
  member: Member,
  ids: string[],
  action: 'lu' | 'non-lu' | 'suivre' | 'ne-plus-suivre' | 'corbeille' | 'restaurer' | 'supprimer' | 'deplacer',
  folderId: string | null,
): Promise<void> {
  if (!ids.length) return;
  const mine = () => db()('message_entries').where({ tenant_id: t(), owner_id: member.membershipId }).whereIn('message_id', ids);
  const at = now();
  switch (action) {
    case 'lu':
      await mine().whereNull('read_at').update({ read_at: at });
      break;
    case 'non-lu':
      await mine().update({ read_at: null });
      break;
    case 'suivre':
    case 'ne-plus-suivre':
      await mine().update({ flagged: action === 'suivre' });
      break;
    case 'corbeille':
      await mine().whereNull('trashed_at').update({ trashed_at: at });
      break;
    case 'restaurer':
      await mine().update({ trashed_at: null });
      break;
    case 'deplacer':
      await mine().update({ folder_id: folderId, trashed_at: null });
      break;
    case 'supprimer':
      for (const id of ids) await entryRemover(member, id);
      break;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Folders

export async function foldersOf(member: Member): Promise<(FolderRow & { unread: number })[]> {
  return db()('message_folders as f')
    .where({ 'f.tenant_id': t(), 'f.owner_id': member.membershipId })
    .select(
      'f.id',
      'f.owner_id',
      'f.name',
      db().raw(`(select count(*)::int from message_entries e where e.tenant_id = f.tenant_id and e.folder_id = f.id and e.read_at is null and e.trashed_at is null) as unread`),
    )
    .orderByRaw('lower(f.name)');
}

export async function folderOf(member: Member, id: string): Promise<FolderRow | undefined> {
  return db()('message_folders').where({ tenant_id: t(), id, owner_id: member.membershipId }).first();
}

async function nameTaken(member: Member, name: string, exceptId?: string): Promise<boolean> {
  const q = db()('message_folders').where({ tenant_id: t(), owner_id: member.membershipId }).andWhereRaw('lower(name) = lower(?)', [name]);
  if (exceptId) q.andWhereNot('id', exceptId);
  return Boolean(await q.first('id'));
}

export async function folderCreator(member: Member, name: string): Promise<{ folder?: FolderRow; error?: string }> {
  if (await nameTaken(member, name)) return { error: 'Vous avez déjà un dossier de ce nom.' };
  const [folder] = await db()('message_folders').insert({ tenant_id: t(), id: newId(), owner_id: member.membershipId, name, created_at: now() }).returning('*');
  return { folder };
}

export async function folderRenamer(member: Member, folder: FolderRow, name: string): Promise<{ error?: string }> {
  if (await nameTaken(member, name, folder.id)) return { error: 'Vous avez déjà un dossier de ce nom.' };
  await db()('message_folders').where({ tenant_id: t(), id: folder.id, owner_id: member.membershipId }).update({ name });
  return {};
}

/** Deletes a folder; its messages go back to their box. */
export async function folderRemover(member: Member, folder: FolderRow): Promise<void> {
  await db()('message_entries').where({ tenant_id: t(), owner_id: member.membershipId, folder_id: folder.id }).update({ folder_id: null });
  await db()('message_folders').where({ tenant_id: t(), id: folder.id, owner_id: member.membershipId }).del();
}

// ---------------------------------------------------------------------------------------------------------
// Attachments

export async function attachmentsOf(messageId: string): Promise<AttachmentRow[]> {
  return db()('message_attachments').where({ tenant_id: t(), message_id: messageId }).orderBy('created_at');
}

/** An attachment the member may download: of a message they have, or of their own draft. */
export async function attachmentFor(member: Member, id: string): Promise<AttachmentRow | undefined> {
  const a: AttachmentRow | undefined = await db()('message_attachments').where({ tenant_id: t(), id }).first();
  if (!a) return undefined;
  if (await entryOf(member, a.message_id).first('message_id')) return a;
  if (await draftOf(member, a.message_id)) return a;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Preferences

export async function notifyPreference(member: Member): Promise<{ notify: boolean; email: string | null }> {
  const p = await db()('messaging_preferences').where({ tenant_id: t(), member_id: member.membershipId }).first('notify_by_email');
  const m = await db()('memberships').where({ tenant_id: t(), id: member.membershipId }).first('email');
  return { notify: Boolean(p?.notify_by_email), email: m?.email ?? null };
}

export async function notifyPreferenceSetter(member: Member, notify: boolean): Promise<void> {
  await db()('messaging_preferences')
    .insert({ tenant_id: t(), member_id: member.membershipId, notify_by_email: notify, updated_at: now() })
    .onConflict(['tenant_id', 'member_id'])
    .merge();
}
