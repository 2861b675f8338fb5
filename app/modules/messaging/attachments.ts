import type { Context } from 'koa';
import { currentTenant, db } from '../../db/index.js';
import { discardRest, readMultipart } from '../../http/multipart.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { storage } from '../../lib/storage.js';
import { MAX_UPLOAD_BYTES, MediaError, fileTooBigError, mediaPreparer } from '../publication/media.js';
import type { AttachmentRow } from './service.js';

/** At most this many files on one message. */
export const MAX_ATTACHMENTS = 10;

/** The one file (`file`) of a multipart form; 413 as soon as it passes the limit. */
export async function readAttachmentUpload(ctx: Context): Promise<{ buffer: Buffer; name: string } | undefined> {
  if (!ctx.is('multipart')) throw new MediaError(415, 'media_not_multipart', 'Envoyez le fichier avec le formulaire d’envoi.');
  if (Number(ctx.get('Content-Length') || 0) > MAX_UPLOAD_BYTES + 64 * 1024) {
    discardRest(ctx, 4 * MAX_UPLOAD_BYTES);
    throw fileTooBigError();
  }
  const form = await readMultipart(ctx, { maxFileBytes: MAX_UPLOAD_BYTES, maxFields: 4, maxFieldBytes: 1024, onTooBig: fileTooBigError });
  return form.file;
}

/** Checks the file like a media upload (type from content, images re-encoded without metadata) and stores it. */
export async function attachmentPreparer(upload: { buffer: Buffer; name: string }): Promise<Omit<AttachmentRow, 'id' | 'message_id'>> {
  const prepared = await mediaPreparer(upload);
  const index = prepared.kind === 'image' ? prepared.variants.findIndex((v) => v.sha256 === prepared.sha256) : 0;
  const bytes = prepared.blobs[index];
  const { sha256 } = await storage().put(bytes);
  return { name: prepared.name, mime: prepared.mime, size_bytes: bytes.length, sha256 };
}

/** Adds a stored file to a draft (in the current transaction); refuses beyond MAX_ATTACHMENTS. */
export async function attachmentAdder(messageId: string, file: Omit<AttachmentRow, 'id' | 'message_id'>): Promise<AttachmentRow> {
  const tenantId = currentTenant().id;
  const [{ n }] = await db()('message_attachments').where({ tenant_id: tenantId, message_id: messageId }).count<{ n: string }[]>('* as n');
  if (Number(n) >= MAX_ATTACHMENTS) throw new MediaError(422, 'too_many_attachments', `Au plus ${MAX_ATTACHMENTS} pièces jointes par message.`);
  const [row] = await db()('message_attachments')
    .insert({ tenant_id: tenantId, id: newId(), message_id: messageId, ...file, created_at: now() })
    .returning('*');
  return row;
}

export async function attachmentRemover(messageId: string, attachmentId: string): Promise<boolean> {
  const n = await db()('message_attachments').where({ tenant_id: currentTenant().id, message_id: messageId, id: attachmentId }).del();
  return n > 0;
}

/** Content-Disposition for a download, the name kept in UTF-8. */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}
