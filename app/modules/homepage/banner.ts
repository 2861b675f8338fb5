import type { Context } from 'koa';
import sharp from 'sharp';
import type { Member } from '../../auth/member.js';
import { currentTenant, db, tenantTx } from '../../db/index.js';
import { HttpError } from '../../http/errors.js';
import { readMultipart } from '../../http/multipart.js';
import { recordAudit } from '../../lib/audit.js';
import { isSha256, storage } from '../../lib/storage.js';
import type { Tenant } from '../../tenancy/tenant.js';
import { MAX_ALT_LENGTH, MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MediaError, mediaById, mediaFileOf, mediaTypeDetector, mediaUploader, type Media } from '../publication/media.js';
import { draftBanner, draftSaver, draftTiles, type Banner } from './homepage.js';

/**
 * The homepage's banner: an uploaded image cropped and resized by sharp to 1400×320 (cover), then stored
 * through the media library (mediaUploader: WebP and JPEG variants, the quota), with a mandatory alternative
 * text unless the manager marks it decorative. It goes into the draft, like the tiles.
 */
export const BANNER_WIDTH = 1400;
export const BANNER_HEIGHT = 320;

export type BannerErrors = Partial<Record<'file' | 'alt', string>>;

export interface BannerForm {
  alt: string;
  decorative: boolean;
  file?: { buffer: Buffer; name: string };
}

/** Reads the banner's multipart form; a file over the image limit is dropped and flagged, the form kept. */
export async function bannerFormReader(ctx: Context): Promise<BannerForm & { tooBig?: boolean }> {
  if (!ctx.is('multipart')) throw new HttpError(415, 'not_multipart');
  const form = await readMultipart(ctx, { maxFileBytes: MAX_IMAGE_BYTES, maxFields: 6, maxFieldBytes: 4096, onTooBig: () => null });
  return { alt: String(form.fields.alt ?? '').trim(), decorative: form.fields.decorative === 'on', file: form.file, tooBig: form.tooBig };
}

const MESSAGES = {
  alt: 'Décrivez la bannière (texte alternatif), ou cochez « Image décorative ».',
  altLong: `Le texte alternatif fait ${MAX_ALT_LENGTH} caractères au plus.`,
  file: 'Choisissez une image pour la bannière.',
  type: 'Type de fichier non accepté : envoyez une image JPEG, PNG, WebP, GIF ou AVIF.',
  unreadable: 'Image illisible : le fichier est peut-être abîmé ou incomplet.',
  tooBig: `Image trop volumineuse : ${MAX_IMAGE_BYTES / 1024 / 1024} Mo au plus.`,
};

/** Crops and resizes an image to the banner's 1400×320 (cover, centred), upright, as a high-quality JPEG. */
export async function bannerCropper(bytes: Buffer): Promise<Buffer> {
  const meta = await sharp(bytes, { limitInputPixels: false }).metadata().catch(() => undefined);
  if (!meta?.width || !meta.height) throw new MediaError(422, 'media_unreadable', MESSAGES.unreadable);
  if (meta.width * meta.height > MAX_IMAGE_PIXELS) throw new MediaError(422, 'media_too_many_pixels', MESSAGES.unreadable);
  try {
    return await sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' })
      .rotate()
      .resize(BANNER_WIDTH, BANNER_HEIGHT, { fit: 'cover', position: 'centre' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 90, mozjpeg: true })
      .toBuffer();
  } catch {
    throw new MediaError(422, 'media_unreadable', MESSAGES.unreadable);
  }
}

/**
 * Sets the draft's banner: a new image (cropped, then stored as a media), or only new text for the current
 * one. Returns the messages per field when refused (nothing is changed then). Runs outside a transaction
 * (the image work comes first; mediaUploader and the draft have their own).
 */
export async function bannerSetter(input: { tenant: Tenant; actor: Member; form: BannerForm & { tooBig?: boolean }; ip?: string }): Promise<{ ok: true } | { ok: false; errors: BannerErrors }> {
  const { form } = input;
  const errors: BannerErrors = {};
  if (!form.decorative && !form.alt) errors.alt = MESSAGES.alt;
  if (form.alt.length > MAX_ALT_LENGTH) errors.alt = MESSAGES.altLong;
  const current = await tenantTx(input.tenant, () => draftBanner());
  if (form.tooBig) errors.file = MESSAGES.tooBig;
  else if (!form.file && !current) errors.file = MESSAGES.file;
  let cropped: Buffer | undefined;
  if (form.file && !errors.file) {
    try {
      const detected = await mediaTypeDetector(form.file.buffer, form.file.name);
      if (detected.kind !== 'image') throw new MediaError(415, 'media_type_refused', MESSAGES.type);
      if (!errors.alt) cropped = await bannerCropper(form.file.buffer);
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      errors.file = err.code === 'media_unreadable' || err.code === 'media_too_many_pixels' ? err.message : MESSAGES.type;
    }
  }
  if (errors.file || errors.alt) return { ok: false, errors };
  const alt = form.decorative ? '' : form.alt;
  let mediaId = current?.mediaId;
  if (cropped) {
    const name = `banniere-${(form.file!.name || 'image').replace(/\.[a-z0-9]+$/i, '')}.jpg`;
    try {
      const media = await mediaUploader({ tenant: input.tenant, buffer: cropped, name, actor: input.actor, alt, ip: input.ip });
      mediaId = media.id;
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      return { ok: false, errors: { file: err.message } };
    }
  }
  const banner: Banner = { mediaId: mediaId!, alt, decorative: form.decorative };
  await tenantTx(input.tenant, async () => {
    await draftSaver({ actor: input.actor, tiles: await draftTiles(input.tenant), banner });
    await recordAudit({
      action: 'homepage.banner_set',
      actorAccountId: input.actor.accountId,
      actorMembershipId: input.actor.membershipId,
      subjectType: 'media',
      subjectId: banner.mediaId,
      details: { decorative: banner.decorative, newImage: !!cropped },
      ip: input.ip,
    });
  });
  return { ok: true };
}

/** Removes the banner from the draft (inside the school's transaction). */
export async function bannerRemover(input: { tenant: Tenant; actor: Member }): Promise<void> {
  await draftSaver({ actor: input.actor, tiles: await draftTiles(input.tenant), banner: null });
}

/**
 * Whether a homepage version of the current school shows this media (its banner or a media tile): the
 * published one for everybody, the draft too for those who build it. Inside the school's transaction.
 */
export async function homepageShowsMedia(mediaId: string, withDraft: boolean): Promise<'published' | 'draft' | null> {
  const rows: { status: string }[] = await db()('homepage_versions')
    .where({ tenant_id: currentTenant().id })
    .whereIn('status', withDraft ? ['published', 'draft'] : ['published'])
    .where((q) =>
      q.whereRaw(`banner->>'mediaId' = ?`, [mediaId]).orWhereRaw(`tiles @> ?::jsonb`, [JSON.stringify([{ type: 'media', settings: { mediaId } }])]),
    )
    .select('status');
  if (rows.some((r) => r.status === 'published')) return 'published';
  return rows.length ? 'draft' : null;
}

/** The stored file of a homepage image (media of the school, variant name as in /medias/…), or undefined. */
export async function homepageMediaFile(mediaId: string, file: string): Promise<{ media: Media; sha256: string; mime: string; bytes: number } | undefined> {
  const media = await mediaById(mediaId);
  if (!media || media.kind !== 'image') return undefined;
  const f = mediaFileOf(media, file);
  if (!f || !isSha256(f.sha256) || !(await storage().exists(f.sha256))) return undefined;
  return { media, ...f };
}
