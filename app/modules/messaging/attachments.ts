import busboy from 'busboy';
import type { Context } from 'koa';
import { currentTenant, db } from '../../db/index.js';
import { HttpError } from '../../http/errors.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { storage } from '../../lib/storage.js';
import { MAX_UPLOAD_BYTES, MediaError, fileTooBigError, mediaPreparer } from '../publication/media.js';
import type { AttachmentRow } from './service.js';

/** At most this many files on one message. */
export const MAX_ATTACHMENTS = 10;

/** Reads the rest of a refused request without keeping it, so the browser gets the answer, not a reset. */
function discardRest(ctx: Context): void {
  let drained = 0;
  ctx.req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > 4 * MAX_UPLOAD_BYTES) ctx.req.destroy();
  });
  ctx.req.resume();
}

/** The one file (`file`) of a multipart form; 413 as soon as it passes the limit. */
export function readAttachmentUpload(ctx: Context): Promise<{ buffer: Buffer; name: string } | undefined> {
  if (!ctx.is('multipart')) return Promise.reject(new MediaError(415, 'media_not_multipart', 'Envoyez le fichier avec le formulaire d’envoi.'));
  if (Number(ctx.get('Content-Length') || 0) > MAX_UPLOAD_BYTES + 64 * 1024) {
    discardRest(ctx);
    return Promise.reject(fileTooBigError());
  }
  return new Promise((resolve, reject) => {
    let file: { buffer: Buffer; name: string } | undefined;
    let settled = false;
    let parser: busboy.Busboy;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      ctx.req.unpipe(parser);
      discardRest(ctx);
      reject(err);
    };
    try {
      parser = busboy({ headers: ctx.req.headers, defParamCharset: 'utf8', limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 4, fieldSize: 1024, parts: 6 } });
    } catch {
      return reject(new HttpError(400, 'bad_multipart'));
    }
    parser.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => fail(fileTooBigError()));
      stream.on('end', () => {
        if (!settled && (chunks.length > 0 || info.filename)) file = { buffer: Buffer.concat(chunks), name: info.filename ?? '' };
      });
    });
    parser.on('error', () => fail(new HttpError(400, 'bad_multipart')));
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      resolve(file);
    });
    ctx.req.on('aborted', () => fail(new HttpError(400, 'upload_aborted')));
    ctx.req.pipe(parser);
  });
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
