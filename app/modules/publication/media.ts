import crypto from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { z } from 'zod';
import type { Member } from '../../auth/member.js';
import { currentTenant, db, tenantTx, type TenantRef } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { isUuid, newId } from '../../lib/ids.js';
import { storage } from '../../lib/storage.js';
import { can } from '../../rights/policy.js';
import { canReadRubric, canWriteIn, isPublicationManager, type RubricRoleRule } from './policy.js';
import { avifQueuer } from './jobs.js';
import { LIVE_ARTICLE } from './rubrics.js';

/**
 * Media of a school: uploads checked by their content, images re-encoded by sharp into the declared widths
 * (WebP + JPEG, metadata stripped), documents kept as sent, every file stored by content hash.
 * AVIF variants cost about a second each: they are made by a job queued with the upload (jobs.ts), and
 * offered first once they exist.
 */

/** The widths every image is re-encoded into (only those ≤ the original's, at least one). */
export const IMAGE_WIDTHS = [320, 640, 1024, 1400] as const;
const MB = 1024 * 1024;
export const MAX_IMAGE_BYTES = 15 * MB;
export const MAX_FILE_BYTES = 20 * MB;
/** The most an upload may weigh before its type is known: the larger of the two limits. */
export const MAX_UPLOAD_BYTES = Math.max(MAX_IMAGE_BYTES, MAX_FILE_BYTES);
export const MAX_IMAGE_PIXELS = 40_000_000;
/** Each school's storage quota (re-encoded variants and documents, as stored). */
export const SCHOOL_QUOTA_BYTES = 2 * 1024 * MB;
export const MAX_ALT_LENGTH = 500;
export const MAX_NAME_LENGTH = 200;

export type VariantFormat = 'webp' | 'jpeg' | 'avif';
export interface Variant {
  format: VariantFormat;
  width: number;
  height: number;
  sha256: string;
  bytes: number;
}

export interface Media {
  tenant_id: string;
  id: string;
  kind: 'image' | 'file';
  name: string;
  mime: string;
  size_bytes: number;
  sha256: string;
  width: number | null;
  height: number | null;
  alt: string;
  variants: Variant[];
  created_by: string | null;
  created_at: Date;
}

/** A refused upload or change: an HTTP status, a stable code, and a French message shown beside the field. */
export class MediaError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field: 'file' | 'alt' | 'media' = 'file',
  ) {
    super(message);
  }
}

const MESSAGES = {
  type: 'Type de fichier non accepté : envoyez une image (JPEG, PNG, WebP, GIF, AVIF) ou un document (PDF, traitement de texte, tableur, présentation).',
  svg: 'Type de fichier non accepté : les images SVG ne sont pas acceptées, envoyez une image JPEG, PNG, WebP, GIF ou AVIF.',
  tooBig: `Fichier trop volumineux : ${MAX_IMAGE_BYTES / MB} Mo au plus pour une image, ${MAX_FILE_BYTES / MB} Mo pour un document.`,
  imageTooBig: `Image trop volumineuse : ${MAX_IMAGE_BYTES / MB} Mo au plus.`,
  pixels: `Image trop grande : ${MAX_IMAGE_PIXELS / 1_000_000} millions de pixels au plus (par exemple 7 700 × 5 200).`,
  unreadable: 'Image illisible : le fichier est peut-être abîmé ou incomplet.',
  empty: 'Choisissez un fichier à envoyer.',
  quota: 'L’espace de stockage de l’établissement est plein : supprimez des médias inutilisés ou demandez plus d’espace.',
  disk: 'Le serveur manque d’espace disque : l’envoi n’a pas été enregistré. Réessayez plus tard.',
};

export function fileTooBigError(): MediaError {
  return new MediaError(413, 'media_too_large', MESSAGES.tooBig);
}

// Raster formats sharp reads and re-encodes. SVG is never one of them: it can carry script.
const IMAGE_MIMES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heif', 'image/heic']);
const SHARP_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'heif']);
// Documents kept as uploaded: PDF, Office Open XML and OpenDocument (zip archives recognised by their content
// types or mimetype entry), legacy Office files (an OLE compound file: the name says which).
const DOCUMENT_MIMES = new Set([
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
]);
const LEGACY_OFFICE: Record<string, string> = {
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
};

export type Detected = { kind: 'image'; mime: string } | { kind: 'file'; mime: string };

/** The type of an upload from its bytes alone; the name only labels a legacy Office file. */
export async function mediaTypeDetector(bytes: Buffer, name: string): Promise<Detected> {
  const found = await fileTypeFromBuffer(bytes);
  if (found && IMAGE_MIMES.has(found.mime)) return { kind: 'image', mime: found.mime };
  if (found && DOCUMENT_MIMES.has(found.mime)) return { kind: 'file', mime: found.mime };
  if (found?.ext === 'cfb') {
    const ext = name.toLowerCase().split('.').pop() ?? '';
    return { kind: 'file', mime: LEGACY_OFFICE[ext] ?? 'application/octet-stream' };
  }
  if (/^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!doctype svg[^>]*>\s*)?<svg[\s>]/i.test(bytes.subarray(0, 4096).toString('utf8'))) {
    throw new MediaError(415, 'media_svg_refused', MESSAGES.svg);
  }
  throw new MediaError(415, 'media_type_refused', MESSAGES.type);
}

/** What an upload becomes before any database work: files stored, row values ready. */
export interface PreparedMedia {
  kind: 'image' | 'file';
  name: string;
  mime: string;
  sha256: string;
  sizeBytes: number;
  width: number | null;
  height: number | null;
  variants: Variant[];
  /** The encoded files, stored once the quota allows them. */
  blobs: Buffer[];
}

function sharpOf(bytes: Buffer) {
  // failOn 'error': a truncated file is refused rather than half decoded; the pixel limit is checked again here.
  return sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error', sequentialRead: true });
}

/** Re-encodes an image into the declared widths, WebP and JPEG, rotated upright, without any metadata. */
export async function imageVariantsMaker(bytes: Buffer): Promise<{ width: number; height: number; variants: (Variant & { data: Buffer })[] }> {
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    // Reads the header only: a pixel flood is refused before a single pixel is decoded.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    throw new MediaError(422, 'media_unreadable', MESSAGES.unreadable);
  }
  if (!meta.format || !SHARP_FORMATS.has(meta.format)) throw new MediaError(415, 'media_type_refused', MESSAGES.type);
  if (!meta.width || !meta.height) throw new MediaError(422, 'media_unreadable', MESSAGES.unreadable);
  // An animated image is measured on one frame: its pages would be decoded together otherwise.
  if (meta.width * meta.height > MAX_IMAGE_PIXELS) throw new MediaError(422, 'media_too_many_pixels', MESSAGES.pixels);
  const swapped = (meta.orientation ?? 1) >= 5;
  const width = swapped ? meta.height : meta.width;
  const widths: number[] = IMAGE_WIDTHS.filter((w) => w <= width);
  if (widths.length === 0) widths.push(width);
  const variants: (Variant & { data: Buffer })[] = [];
  try {
    for (const w of widths) {
      const resized = sharpOf(bytes).rotate().resize({ width: w, withoutEnlargement: true });
      const webp = await resized.clone().webp({ quality: 80 }).toBuffer({ resolveWithObject: true });
      const jpeg = await resized.clone().flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true }).toBuffer({ resolveWithObject: true });
      for (const [format, out] of [['webp', webp], ['jpeg', jpeg]] as const) {
        variants.push({ format, width: out.info.width, height: out.info.height, sha256: '', bytes: out.data.length, data: out.data });
      }
    }
  } catch (err: any) {
    if (/pixel limit/i.test(String(err?.message))) throw new MediaError(422, 'media_too_many_pixels', MESSAGES.pixels);
    throw new MediaError(422, 'media_unreadable', MESSAGES.unreadable);
  }
  const largest = variants[variants.length - 1];
  return { width: largest.width, height: largest.height, variants };
}

/**
 * The AVIF variants of a stored image, at the widths of its WebP ones, encoded from its largest WebP (which
 * keeps transparency). Slow: for the media-avif job only.
 */
export async function avifVariantsMaker(media: Pick<Media, 'variants'>): Promise<(Variant & { data: Buffer })[]> {
  const webp = media.variants.filter((v) => v.format === 'webp').sort((a, b) => a.width - b.width);
  const source = webp.at(-1);
  if (!source) return [];
  const bytes = await storage().get(source.sha256);
  const out: (Variant & { data: Buffer })[] = [];
  for (const v of webp) {
    const avif = await sharpOf(bytes).resize({ width: v.width, withoutEnlargement: true }).avif({ quality: 55, effort: 4 }).toBuffer({ resolveWithObject: true });
    out.push({
      format: 'avif',
      width: avif.info.width,
      height: avif.info.height,
      sha256: crypto.createHash('sha256').update(avif.data).digest('hex'),
      bytes: avif.data.length,
      data: avif.data,
    });
  }
  return out;
}

function cleanName(name: string): string {
  // Keep the name people gave (it is shown and offered on download), without control characters or paths.
  const base = name.replace(/^.*[\\/]/, '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return (base || 'fichier').slice(0, MAX_NAME_LENGTH);
}

/**
 * Checks and encodes an upload without touching the database (sharp work stays out of any transaction).
 * Throws MediaError: 413 too big, 415 not an accepted type, 422 unreadable or too many pixels.
 */
export async function mediaPreparer({ buffer, name }: { buffer: Buffer; name: string }): Promise<PreparedMedia> {
  if (buffer.length === 0) throw new MediaError(422, 'media_empty', MESSAGES.empty);
  if (buffer.length > MAX_UPLOAD_BYTES) throw fileTooBigError();
  const detected = await mediaTypeDetector(buffer, name);
  const label = cleanName(name);
  if (detected.kind === 'file') {
    if (buffer.length > MAX_FILE_BYTES) throw fileTooBigError();
    const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
    return { kind: 'file', name: label, mime: detected.mime, sha256, sizeBytes: buffer.length, width: null, height: null, variants: [], blobs: [buffer] };
  }
  if (buffer.length > MAX_IMAGE_BYTES) throw new MediaError(413, 'media_too_large', MESSAGES.imageTooBig);
  const made = await imageVariantsMaker(buffer);
  const variants = made.variants.map(({ data, ...v }) => ({ ...v, sha256: crypto.createHash('sha256').update(data).digest('hex') }));
  const original = variants.filter((v) => v.format === 'jpeg').at(-1)!;
  return {
    kind: 'image',
    name: label,
    // What /medias/:id/original serves: the largest JPEG; the uploaded bytes are not kept.
    mime: 'image/jpeg',
    sha256: original.sha256,
    sizeBytes: variants.reduce((n, v) => n + v.bytes, 0),
    width: made.width,
    height: made.height,
    variants,
    blobs: made.variants.map((v) => v.data),
  };
}

/** Bytes stored by the current school's media. */
export async function mediaUsage(): Promise<number> {
  const row = await db()('media').where('tenant_id', currentTenant().id).sum({ n: 'size_bytes' }).first();
  return Number(row?.n ?? 0);
}

/**
 * Records a prepared upload in the current school's transaction: the quota is checked under a per-school
 * lock (two uploads at once cannot both squeeze under it), the files are written, then the row. A failed
 * write rolls the row back; files already written and never referenced are left to mediaFilesCollector.
 */
export async function mediaRecorder({ prepared, actor, alt, ip }: { prepared: PreparedMedia; actor: Member; alt: string; ip?: string }): Promise<Media> {
  const tenantId = currentTenant().id;
  await db().raw(`select pg_advisory_xact_lock(hashtext('media-quota'), hashtext(?))`, [tenantId]);
  if ((await mediaUsage()) + prepared.sizeBytes > SCHOOL_QUOTA_BYTES) throw new MediaError(422, 'media_quota_exceeded', MESSAGES.quota);
  try {
    for (const blob of prepared.blobs) await storage().put(blob);
  } catch (err: any) {
    if (err?.code === 'ENOSPC' || err?.code === 'EDQUOT') throw new MediaError(507, 'media_disk_full', MESSAGES.disk);
    throw err;
  }
  const row = {
    tenant_id: tenantId,
    id: newId(),
    kind: prepared.kind,
    name: prepared.name,
    mime: prepared.mime,
    size_bytes: prepared.sizeBytes,
    sha256: prepared.sha256,
    width: prepared.width,
    height: prepared.height,
    alt: alt.trim().slice(0, MAX_ALT_LENGTH),
    variants: JSON.stringify(prepared.variants),
    created_by: actor.membershipId,
    created_at: now(),
  };
  await db()('media').insert(row);
  // AVIF variants come later, from a job written in this transaction (it exists if and only if the row does).
  if (prepared.kind === 'image') await avifQueuer(tenantId, row.id);
  await recordAudit({
    action: 'media.uploaded',
    actorAccountId: actor.accountId,
    actorMembershipId: actor.membershipId,
    subjectType: 'media',
    subjectId: row.id,
    details: { name: row.name, kind: row.kind, bytes: row.size_bytes },
    ip,
  });
  return { ...row, variants: prepared.variants, size_bytes: Number(row.size_bytes) } as Media;
}

/**
 * Uploads a file for the school: checks and encodes it first (outside any transaction when called outside
 * one), then records it in the school's transaction.
 */
export async function mediaUploader({ tenant, buffer, name, actor, alt, ip }: { tenant: TenantRef; buffer: Buffer; name: string; actor: Member; alt: string; ip?: string }): Promise<Media> {
  // A school already full (or that this upload alone would fill) is told so before the image work.
  if ((await tenantTx(tenant, () => mediaUsage())) + Math.min(buffer.length, MAX_IMAGE_BYTES) > SCHOOL_QUOTA_BYTES) throw new MediaError(422, 'media_quota_exceeded', MESSAGES.quota);
  const prepared = await mediaPreparer({ buffer, name });
  return tenantTx(tenant, () => mediaRecorder({ prepared, actor, alt, ip }));
}

function normalise(row: any): Media {
  return {
    ...row,
    size_bytes: Number(row.size_bytes),
    variants: typeof row.variants === 'string' ? JSON.parse(row.variants) : row.variants,
  };
}

/** The media of this id in the current school; undefined for anything else (another school's id included). */
export async function mediaById(id: string): Promise<Media | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await db()('media').where({ tenant_id: currentTenant().id, id }).first();
  return row ? normalise(row) : undefined;
}

function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The current school's media, newest first, optionally those whose name (or alternative text) holds q. */
export async function mediaList({ q = '', limit = 60 }: { q?: string; limit?: number } = {}): Promise<{ items: Media[]; more: boolean }> {
  const query = db()('media').where('tenant_id', currentTenant().id);
  const term = q.trim();
  if (term) {
    // unaccent on both sides: "eleve" finds "Élève.jpg".
    const pattern = likePattern(term);
    query.where((w) => w.whereRaw(`unaccent(name) ilike unaccent(?)`, [pattern]).orWhereRaw(`unaccent(alt) ilike unaccent(?)`, [pattern]));
  }
  const rows = await query.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]).limit(limit + 1).select('*');
  return { items: rows.slice(0, limit).map(normalise), more: rows.length > limit };
}

export type MediaUseKind = 'main' | 'attachment' | 'body';
export interface MediaUse {
  article_id: string;
  title: string;
  status: string;
  deleted: boolean;
  how: MediaUseKind[];
}

/**
 * Articles of the current school that use the media: as main image, as attachment, or in their body (the
 * media_uses table, kept by triggers whenever an article is saved; trashed articles still count: they can
 * be restored).
 */
export async function mediaUses(mediaId: string): Promise<MediaUse[]> {
  const { rows } = await db().raw(
    `select a.id as article_id, a.title, a.status, a.deleted_at is not null as deleted,
            array_agg(u.how order by array_position(array['main','attachment','body'], u.how)) as how
     from media_uses u
     join articles a on a.tenant_id = u.tenant_id and a.id = u.article_id
     where u.tenant_id = ? and u.media_id = ?
     group by a.id, a.title, a.status, a.deleted_at, a.updated_at
     order by a.updated_at desc nulls last, a.title`,
    [currentTenant().id, mediaId],
  );
  return rows;
}

/** How many articles use each of these media (the library's list), in one query. */
export async function mediaUseCounts(ids: string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db().raw(
    `select u.media_id as id, count(distinct u.article_id)::int as n
     from media_uses u
     where u.tenant_id = ? and u.media_id = any(?::uuid[])
     group by u.media_id`,
    [currentTenant().id, ids],
  );
  const found = new Map<string, number>(rows.map((r: { id: string; n: number }) => [r.id, r.n]));
  return new Map(ids.map((id) => [id, found.get(id) ?? 0]));
}

/** Who may manage the library (see, upload, search): members with the publication service. */
export function canUseMediaLibrary(m: Member | undefined): boolean {
  return !!m && can(m.rights, 'publication');
}

/** Changing the alternative text or deleting: the school's publication managers and the one who uploaded it. */
export function canManageMedia(m: Member | undefined, media: Pick<Media, 'created_by'>): boolean {
  return !!m && canUseMediaLibrary(m) && (isPublicationManager(m) || media.created_by === m.membershipId);
}

export const MediaAltUpdateSchema = z.object({
  alt: z
    .string({ error: 'Saisissez le texte alternatif.' })
    .trim()
    .max(MAX_ALT_LENGTH, `Le texte alternatif fait ${MAX_ALT_LENGTH} caractères au plus.`),
});

/** Changes the alternative text of an image (the default proposed when it is placed in an article). */
export async function mediaAltUpdater({ media, alt, actor }: { media: Media; alt: string; actor: Member }): Promise<Media> {
  await db()('media').where({ tenant_id: currentTenant().id, id: media.id }).update({ alt });
  void actor;
  return { ...media, alt };
}

/** Deletes a media no article uses (422 otherwise), with a line in the audit trail. Its files go later. */
export async function mediaRemover({ media, actor, ip }: { media: Media; actor: Member; ip?: string }): Promise<void> {
  // Locks the media row first: an article saved meanwhile waits, then its use (a foreign key) finds the row gone.
  await db()('media').where({ tenant_id: currentTenant().id, id: media.id }).forUpdate().first('id');
  const uses = await mediaUses(media.id);
  if (uses.length > 0) {
    const n = uses.length;
    const titles = uses.slice(0, 3).map((u) => `« ${u.title} »`).join(', ') + (n > 3 ? '…' : '');
    throw new MediaError(
      422,
      'media_in_use',
      `Ce média est utilisé par ${n} article${n > 1 ? 's' : ''} (${titles}) : retirez-le d’abord de ${n > 1 ? 'ces articles' : 'cet article'}, puis supprimez-le.`,
      'media',
    );
  }
  await db()('media').where({ tenant_id: currentTenant().id, id: media.id }).del();
  // Its files stop being used now: the collector keeps them for a grace period from this moment.
  for (const sha256 of filesOf(media)) await storage().touch(sha256);
  await recordAudit({
    action: 'media.deleted',
    actorAccountId: actor.accountId,
    actorMembershipId: actor.membershipId,
    subjectType: 'media',
    subjectId: media.id,
    details: { name: media.name, kind: media.kind, bytes: media.size_bytes },
    ip,
  });
}

/** Every stored file of a media: its original (or document) and its variants. */
export function filesOf(media: Pick<Media, 'sha256' | 'variants'>): string[] {
  return [...new Set([media.sha256, ...media.variants.map((v) => v.sha256)])];
}

/** Whether a visitor may fetch the media (then it is cached publicly), a given member may, or nobody. */
export type MediaAccess = 'public' | 'member' | 'none';

/**
 * Who may read a media: public when a live article of a public rubric uses it; otherwise members with the
 * publication service, those who may write in a rubric where it is used, and readers of a rubric where a
 * live article uses it.
 */
export async function mediaAccessOf(media: Media, member: Member | undefined): Promise<MediaAccess> {
  const at = now();
  const { rows } = await db().raw(
    `select r.visibility, r.archived_at, (${LIVE_ARTICLE}) as live,
            coalesce((select json_agg(json_build_object('target_type', rr.target_type, 'target_value', rr.target_value, 'role', rr.role))
                      from rubric_roles rr where rr.tenant_id = r.tenant_id and rr.rubric_id = r.id), '[]'::json) as roles
     from articles a join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
     where a.tenant_id = ?
       and a.id in (select u.article_id from media_uses u where u.tenant_id = ? and u.media_id = ?)`,
    [at, at, currentTenant().id, currentTenant().id, media.id],
  );
  const uses = rows as { visibility: 'public' | 'private'; archived_at: Date | null; live: boolean; roles: RubricRoleRule[] }[];
  if (uses.some((u) => u.live && u.visibility === 'public')) return 'public';
  if (!member) return 'none';
  if (canUseMediaLibrary(member)) return 'member';
  for (const u of uses) {
    if (canWriteIn(member, u)) return 'member';
    if (u.live && canReadRubric(member, u)) return 'member';
  }
  return 'none';
}

/** The stored file behind a media URL's last segment: `original`, `<width>.webp` or `<width>.jpg`. */
export function mediaFileOf(media: Media, file: string): { sha256: string; mime: string; bytes: number } | undefined {
  if (media.kind === 'file') return file === 'original' ? { sha256: media.sha256, mime: media.mime, bytes: media.size_bytes } : undefined;
  if (file === 'original') {
    const v = media.variants.find((x) => x.sha256 === media.sha256) ?? media.variants.filter((x) => x.format === 'jpeg').at(-1);
    return v && { sha256: v.sha256, mime: 'image/jpeg', bytes: v.bytes };
  }
  const m = /^([1-9][0-9]{0,4})\.(webp|jpg|avif)$/.exec(file);
  if (!m) return undefined;
  const format: VariantFormat = m[2] === 'jpg' ? 'jpeg' : (m[2] as VariantFormat);
  const v = media.variants.find((x) => x.format === format && x.width === Number(m[1]));
  return v && { sha256: v.sha256, mime: `image/${format}`, bytes: v.bytes };
}

/** URLs of an image's variants, for `srcset` (articles, the library). */
export function mediaSrcset(media: Pick<Media, 'id' | 'variants'>, format: VariantFormat): string {
  const ext = format === 'jpeg' ? 'jpg' : format;
  return media.variants
    .filter((v) => v.format === format)
    .map((v) => `/medias/${media.id}/${v.width}.${ext} ${v.width}w`)
    .join(', ');
}

/** "12 Mo", "1,5 Go", "850 Ko": sizes as French people read them. */
export function formatBytes(n: number): string {
  const units = ['octets', 'Ko', 'Mo', 'Go', 'To'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return `${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: digits }).format(v)} ${units[i]}`;
}
