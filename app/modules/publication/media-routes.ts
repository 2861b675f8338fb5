import { discardRest, readMultipart } from '../../http/multipart.js';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { tenantTx } from '../../db/index.js';
import { formBody, seeOther } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import { wantsFragment } from '../../http/htmx.js';
import { render } from '../../http/render.js';
import { storage } from '../../lib/storage.js';
import {
  MAX_ALT_LENGTH,
  MAX_UPLOAD_BYTES,
  MediaAltUpdateSchema,
  MediaError,
  SCHOOL_QUOTA_BYTES,
  canManageMedia,
  canUseMediaLibrary,
  fileTooBigError,
  formatBytes,
  mediaAccessOf,
  mediaAltUpdater,
  mediaById,
  mediaFileOf,
  mediaList,
  mediaRemover,
  mediaSrcset,
  mediaUploader,
  mediaUsage,
  mediaUseCounts,
  mediaUses,
  type Media,
} from './media.js';

/** Media: serving stored files and variants (/medias), the media library (/publication/medias). */
export const mediaRouter = new Router();

// ---------------------------------------------------------------------------------------------------------
// Multipart uploads, parsed on these routes only, with the size enforced while the bytes arrive.

interface Upload {
  fields: Record<string, string>;
  file?: { buffer: Buffer; name: string };
}

/** The form's fields and its one file (`file`); 413 as soon as the file passes the limit. */
async function readUpload(ctx: Context, fields: Record<string, string>): Promise<Upload> {
  if (!ctx.is('multipart')) throw new MediaError(415, 'media_not_multipart', 'Envoyez le fichier avec le formulaire d’envoi.');
  // A declared length far above the limit is refused before reading anything.
  if (Number(ctx.get('Content-Length') || 0) > MAX_UPLOAD_BYTES + 64 * 1024) {
    discardRest(ctx, 4 * MAX_UPLOAD_BYTES);
    throw fileTooBigError();
  }
  const form = await readMultipart(ctx, { maxFileBytes: MAX_UPLOAD_BYTES, maxFields: 8, maxFieldBytes: 8 * 1024, onTooBig: fileTooBigError });
  return { fields: Object.assign(fields, form.fields), file: form.file };
}

// ---------------------------------------------------------------------------------------------------------
// Serving files: /medias/:id/original, /medias/:id/<width>.webp, /medias/:id/<width>.jpg

function contentDisposition(media: Media): string {
  if (media.kind === 'image') return 'inline';
  const ascii = media.name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(media.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function etagMatches(header: string, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

mediaRouter.get('/medias/:id/:file', async (ctx) => {
  const member = ctx.state.member;
  const found = await tenantTx(ctx.state.tenant, async () => {
    const media = await mediaById(ctx.params.id);
    if (!media) return undefined;
    return { media, access: await mediaAccessOf(media, member) };
  });
  // Another school's media, a private one for those who may not see it, and no media at all look the same.
  if (!found || found.access === 'none') throw new HttpError(404, 'not_found');
  const file = mediaFileOf(found.media, ctx.params.file);
  if (!file || !(await storage().exists(file.sha256))) throw new HttpError(404, 'not_found');
  const etag = `"${file.sha256}"`;
  ctx.set({
    ETag: etag,
    'Cache-Control': found.access === 'public' ? 'public, max-age=31536000, immutable' : 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Content-Disposition': contentDisposition(found.media),
  });
  if (etagMatches(ctx.get('If-None-Match'), etag)) {
    ctx.status = 304;
    return;
  }
  ctx.type = file.mime;
  ctx.length = file.bytes;
  // A HEAD request gets the headers only: no file is opened for a body that is never sent.
  if (ctx.method === 'HEAD') {
    ctx.status = 200;
    return;
  }
  ctx.body = storage().stream(file.sha256);
});

// ---------------------------------------------------------------------------------------------------------
// The media library: /publication/medias

async function libraryAccess(ctx: Context, next: Next): Promise<void> {
  if (!canUseMediaLibrary(ctx.state.member)) throw new HttpError(403, 'forbidden');
  await next();
}

const TYPE_LABELS: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Document Word',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Classeur Excel',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'Présentation PowerPoint',
  'application/vnd.oasis.opendocument.text': 'Texte OpenDocument',
  'application/vnd.oasis.opendocument.spreadsheet': 'Classeur OpenDocument',
  'application/vnd.oasis.opendocument.presentation': 'Présentation OpenDocument',
  'application/msword': 'Document Word',
  'application/vnd.ms-excel': 'Classeur Excel',
  'application/vnd.ms-powerpoint': 'Présentation PowerPoint',
};

/** What the templates show of a media. */
function view(media: Media, ctx: Context, uses?: number) {
  const webp = media.variants.filter((v) => v.format === 'webp');
  const thumb = webp[0];
  return {
    id: media.id,
    name: media.name,
    kind: media.kind,
    alt: media.alt,
    typeLabel: media.kind === 'image' ? 'Image' : (TYPE_LABELS[media.mime] ?? 'Document'),
    sizeLabel: formatBytes(media.size_bytes),
    width: media.width,
    height: media.height,
    createdAt: media.created_at,
    thumb: thumb ? { src: `/medias/${media.id}/${thumb.width}.webp`, width: thumb.width, height: thumb.height } : null,
    srcset: media.kind === 'image' ? mediaSrcset(media, 'webp') : '',
    url: `/medias/${media.id}/original`,
    uses,
    canManage: canManageMedia(ctx.state.member, media),
  };
}

async function libraryData(ctx: Context, q: string) {
  const list = await mediaList({ q });
  const counts = await mediaUseCounts(list.items.map((m) => m.id));
  const used = await mediaUsage();
  return {
    title: 'Médiathèque',
    q,
    items: list.items.map((m) => view(m, ctx, counts.get(m.id) ?? 0)),
    more: list.more,
    quota: { used: formatBytes(used), total: formatBytes(SCHOOL_QUOTA_BYTES), percent: Math.min(100, Math.round((used / SCHOOL_QUOTA_BYTES) * 100)) },
    maxAlt: MAX_ALT_LENGTH,
  };
}

mediaRouter.get('/publication/medias', requireMember, libraryAccess, inTenantTx, async (ctx) => {
  const q = typeof ctx.query.q === 'string' ? ctx.query.q.slice(0, 200) : '';
  const data = await libraryData(ctx, q);
  let added: ReturnType<typeof view> | undefined;
  if (typeof ctx.query.ajoute === 'string') {
    const media = await mediaById(ctx.query.ajoute);
    if (media) added = view(media, ctx);
  }
  ctx.vary('HX-Target');
  // The active search swaps the results only; anything else gets the page.
  const fragment = wantsFragment(ctx) && ctx.get('HX-Target').includes('media-results') ? 'publication/media/_results.njk' : undefined;
  render(ctx, { page: fragment ?? 'publication/media/library.njk' }, { ...data, added, deleted: ctx.query.supprime === '1' });
});

mediaRouter.post('/publication/medias', requireMember, libraryAccess, async (ctx) => {
  // Fields read before a refusal (the alternative text comes before the file) are shown again.
  const fields: Record<string, string> = {};
  let error: MediaError | undefined;
  try {
    const upload = await readUpload(ctx, fields);
    if (!upload.file || upload.file.buffer.length === 0) throw new MediaError(422, 'media_empty', 'Choisissez un fichier à envoyer.');
    const alt = String(upload.fields.alt ?? '');
    if (alt.length > MAX_ALT_LENGTH) throw new MediaError(422, 'media_alt_too_long', `Le texte alternatif fait ${MAX_ALT_LENGTH} caractères au plus.`, 'alt');
    const media = await mediaUploader({ tenant: ctx.state.tenant, buffer: upload.file.buffer, name: upload.file.name, actor: ctx.state.member, alt, ip: ctx.ip });
    return tenantTx(ctx.state.tenant, async () => {
      if (wantsFragment(ctx)) {
        const data = await libraryData(ctx, '');
        return render(ctx, { page: 'publication/media/_library.njk' }, { ...data, added: view(media, ctx), announce: `Fichier « ${media.name} » ajouté à la médiathèque.` });
      }
      seeOther(ctx, `/publication/medias?ajoute=${media.id}`);
    });
  } catch (err) {
    if (!(err instanceof MediaError)) throw err;
    error = err;
  }
  // Refused: the form again with the message beside its field and what was typed kept.
  await tenantTx(ctx.state.tenant, async () => {
    const data = await libraryData(ctx, '');
    const values = { alt: String(fields.alt ?? '') };
    const errors = { [error!.field === 'alt' ? 'alt' : 'file']: error!.message };
    render(
      ctx,
      { page: 'publication/media/library.njk', fragment: 'publication/media/_library.njk', status: error!.status },
      { ...data, errors, values, announce: error!.message },
    );
  });
});

async function loadMedia(ctx: Context): Promise<Media> {
  const media = await mediaById(ctx.params.id);
  if (!media) throw new HttpError(404, 'not_found');
  return media;
}

async function detailData(ctx: Context, media: Media) {
  return { title: `Média « ${media.name} »`, media: view(media, ctx), uses: await mediaUses(media.id), maxAlt: MAX_ALT_LENGTH };
}

mediaRouter.get('/publication/medias/:id', requireMember, libraryAccess, inTenantTx, async (ctx) => {
  const media = await loadMedia(ctx);
  render(ctx, { page: 'publication/media/detail.njk' }, await detailData(ctx, media));
});

mediaRouter.post('/publication/medias/:id/texte-alternatif', requireMember, libraryAccess, inTenantTx, async (ctx) => {
  let media = await loadMedia(ctx);
  if (!canManageMedia(ctx.state.member, media)) throw new HttpError(403, 'forbidden');
  const parsed = MediaAltUpdateSchema.safeParse(formBody(ctx));
  if (!parsed.success) {
    const item = { ...view(media, ctx), alt: String(formBody(ctx).alt ?? '') };
    const altError = parsed.error.issues[0]?.message ?? 'Texte alternatif invalide.';
    if (wantsFragment(ctx)) return render(ctx, { page: 'publication/media/_alt.njk', status: 422 }, { item, altError, maxAlt: MAX_ALT_LENGTH });
    return render(ctx, { page: 'publication/media/detail.njk', status: 422 }, { ...(await detailData(ctx, media)), media: item, altError });
  }
  media = await mediaAltUpdater({ media, alt: parsed.data.alt, actor: ctx.state.member });
  if (wantsFragment(ctx)) {
    return render(ctx, { page: 'publication/media/_alt.njk' }, { item: view(media, ctx), maxAlt: MAX_ALT_LENGTH, announce: `Texte alternatif de « ${media.name} » enregistré.` });
  }
  seeOther(ctx, `/publication/medias/${media.id}`);
});

mediaRouter.post('/publication/medias/:id/suppression', requireMember, libraryAccess, inTenantTx, async (ctx) => {
  const media = await loadMedia(ctx);
  if (!canManageMedia(ctx.state.member, media)) throw new HttpError(403, 'forbidden');
  try {
    await mediaRemover({ media, actor: ctx.state.member, ip: ctx.ip });
  } catch (err) {
    if (!(err instanceof MediaError)) throw err;
    return render(ctx, { page: 'publication/media/detail.njk', status: err.status }, { ...(await detailData(ctx, media)), deleteError: err.message });
  }
  seeOther(ctx, '/publication/medias?supprime=1');
});

// ---------------------------------------------------------------------------------------------------------
// Files dropped or pasted into the article editor (trix): the same upload, answered in JSON for editor.js.

/** The address trix shows and saves for an upload: an image's 1024 px WebP (or its largest below), else the file. */
export function editorUrlsOf(media: Media): { url: string; href: string } {
  const href = `/medias/${media.id}/original`;
  if (media.kind !== 'image') return { url: href, href };
  const webp = media.variants.filter((v) => v.format === 'webp').sort((a, b) => a.width - b.width);
  const chosen = webp.filter((v) => v.width <= 1024).at(-1) ?? webp[0];
  return { url: chosen ? `/medias/${media.id}/${chosen.width}.webp` : href, href };
}

mediaRouter.post('/publication/medias/televersement', requireMember, async (ctx) => {
  ctx.vary('Accept');
  if (!canUseMediaLibrary(ctx.state.member)) {
    ctx.status = 403;
    ctx.body = { error: 'Vous n’avez pas le droit d’ajouter des fichiers à la médiathèque.' };
    return;
  }
  try {
    const upload = await readUpload(ctx, {});
    if (!upload.file || upload.file.buffer.length === 0) throw new MediaError(422, 'media_empty', 'Choisissez un fichier à envoyer.');
    const media = await mediaUploader({ tenant: ctx.state.tenant, buffer: upload.file.buffer, name: upload.file.name, actor: ctx.state.member, alt: '', ip: ctx.ip });
    ctx.status = 201;
    ctx.body = { id: media.id, kind: media.kind, name: media.name, alt: media.alt, ...editorUrlsOf(media) };
  } catch (err) {
    if (err instanceof MediaError) {
      ctx.status = err.status;
      ctx.body = { error: err.message };
      return;
    }
    if (err instanceof HttpError && err.status < 500) {
      ctx.status = err.status;
      ctx.body = { error: 'L’envoi du fichier a échoué : réessayez.' };
      return;
    }
    throw err;
  }
});
