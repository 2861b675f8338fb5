import Router from '@koa/router';
import type { Context } from 'koa';
import type { Member } from '../../auth/member.js';
import { inTenantTx, isHttps, requireMember } from '../../auth/middleware.js';
import { fieldText, formBody, seeOther } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import { isHtmx } from '../../http/htmx.js';
import { isUuid } from '../../lib/ids.js';
import { mediaChoices } from '../publication/articles.js';
import { isPublicationManager } from '../publication/policy.js';
import { allRubrics } from '../publication/rubrics.js';
import { blankSettings, isTileType, selectableArticles, settingsFromForm, tileAdder, tileDeleter, tileReorderer, tileUndeleter, tileUpdater } from './builder.js';
import { draftTiles, HomepageError, homepagePublisher, homepageVersions, versionRestorer } from './homepage.js';
import { TILE_TYPES, type Tile } from './tiles.js';
import { config } from '../../config.js';
import { storage } from '../../lib/storage.js';
import { render } from '../../http/render.js';
import { isInstitution } from '../../tenancy/tenant.js';
import { pageCacheInvalidator, type PageCacheHint } from '../../http/page-cache.js';
import { draftBanner, homepageOf, institutionNewsOf, type HomeOrigin } from './homepage.js';
import { institutionFeedScope } from '../publication/feeds.js';
import { bannerFormReader, bannerRemover, bannerSetter, homepageMediaFile, homepageShowsMedia } from './banner.js';
import { tenantTx } from '../../db/index.js';

/**
 * The public homepage: the school's banner and its published tiles (or the default homepage), read in one
 * round trip (public_homepage()) outside any tenant transaction.
 */
export const homepageRouter = new Router();

/** How this request reached the school (scheme and port), for links to its institutions' portals. */
function originOf(ctx: Context): HomeOrigin {
  const port = /:(\d+)$/.exec(ctx.get('Host'))?.[1] ?? '';
  return { scheme: isHttps(ctx) ? 'https' : 'http', baseDomain: config().publicBaseDomain, port };
}

homepageRouter.get('/', async (ctx) => {
  const tenant = ctx.state.tenant;
  const member = ctx.state.member;
  const homepage = await homepageOf(tenant, { status: 'published', origin: originOf(ctx), member });
  if (!member) {
    ctx.set('Cache-Control', 'public, max-age=60');
    ctx.state.pageCache = { validUntil: homepage.validUntil, deps: homepage.institutionIds } satisfies PageCacheHint;
  }
  render(
    ctx,
    { page: 'homepage/home.njk' },
    { title: 'Accueil', homepage, themeBanner: tenant.theme?.banner ? '/theme/banner' : null, institution: isInstitution(tenant) },
  );
});

// The school's whole feed (/flux.xml, /flux.atom, answered by the publication module) also carries its
// institutions' news: loaded here, then the publication route runs inside institutionFeedScope (feeds.ts).
homepageRouter.get(['/flux.xml', '/flux.atom'], async (ctx, next) => {
  const news = await institutionNewsOf(ctx.state.tenant, originOf(ctx));
  await institutionFeedScope.run(news, next);
});

homepageRouter.get('/accessibilite', (ctx) => {
  if (!ctx.state.member) ctx.set('Cache-Control', 'public, max-age=3600');
  render(ctx, { page: 'pages/accessibilite.njk' }, { title: 'Déclaration d’accessibilité' });
});

// ————— The builder, /publication/accueil (publication managers) —————
// Its routes live on this router (mounted before the editor's) since app/server.ts lists the routers.

const builder = new Router({ prefix: '/publication/accueil' });

builder.use(requireMember, async (ctx, next) => {
  if (!isPublicationManager(ctx.state.member)) throw new HttpError(403, 'forbidden');
  await next();
  // After the commit (inTenantTx is inside): this process drops the cached page at once; the others hear
  // the NOTIFY of the change.
  if (ctx.method === 'POST' && ctx.path === '/publication/accueil/publication') pageCacheInvalidator(ctx.state.tenant.id);
});

const actor = (ctx: Context): Member => ctx.state.member;
async function choicesOf() {
  // One after the other: they share the request's transaction, i.e. one connection (no concurrent queries).
  const rubrics = await allRubrics();
  const articles = await selectableArticles();
  const media = await mediaChoices('image');
  return { rubrics: rubrics.filter((r) => r.visibility === 'public' && !r.archived_at), articles, media };
}

/** The builder page, or its #builder fragment for htmx. */
async function renderBuilder(ctx: Context, extra: Record<string, unknown> = {}, status = 200) {
  const tenant = ctx.state.tenant;
  const tiles = await draftTiles(tenant);
  const versions = await homepageVersions();
  const choices = await choicesOf();
  const banner = await draftBanner();
  render(
    ctx,
    { page: 'homepage/builder.njk', fragment: 'homepage/_builder.njk', status },
    { title: 'Page d’accueil', tiles, versions, choices, types: TILE_TYPES, errors: {}, banner, bannerErrors: {}, bannerValues: banner ?? {}, ...extra },
  );
}

/** The tile of this id in the school's draft; another school's (or none) is a 404. */
async function loadTile(ctx: Context): Promise<Tile> {
  const tile = (await draftTiles(ctx.state.tenant)).find((t) => t.id === ctx.params.id);
  if (!tile) throw new HttpError(404, 'not_found');
  return tile;
}

/** After a change: the fragment for htmx, else back to the page. */
async function done(ctx: Context, announce: string, extra: Record<string, unknown> = {}) {
  if (isHtmx(ctx)) return renderBuilder(ctx, { announce, ...extra });
  seeOther(ctx, '/publication/accueil');
}

builder.get('/', inTenantTx, (ctx) => renderBuilder(ctx));

builder.get('/nouvelle-tuile', inTenantTx, async (ctx) => {
  const type = ctx.query.type;
  if (!isTileType(type)) throw new HttpError(404, 'not_found');
  render(ctx, { page: 'homepage/new-tile.njk' }, { title: 'Nouvelle tuile', type, typeLabel: TILE_TYPES[type].label, values: blankSettings(type), errors: {}, choices: await choicesOf() });
});

builder.post('/tuiles', inTenantTx, async (ctx) => {
  const body = formBody(ctx);
  const type = body.type;
  if (!isTileType(type)) throw new HttpError(422, 'unknown_type');
  const r = await tileAdder({ actor: actor(ctx), tenant: ctx.state.tenant, type, body });
  if (!r.ok) {
    render(
      ctx,
      { page: 'homepage/new-tile.njk', status: 422 },
      { title: 'Nouvelle tuile', type, typeLabel: TILE_TYPES[type].label, values: { ...settingsFromForm(type, body), width: Number(fieldText(body.width)) || 1 }, errors: r.errors, choices: await choicesOf() },
    );
    return;
  }
  seeOther(ctx, `/publication/accueil#tuile-${r.id}`);
});

builder.post('/tuiles/retablir', inTenantTx, async (ctx) => {
  const body = formBody(ctx);
  const ok = await tileUndeleter({ actor: actor(ctx), tenant: ctx.state.tenant, tileJson: fieldText(body.tile), position: Number(fieldText(body.position)) });
  if (!ok) throw new HttpError(422, 'bad_tile');
  await done(ctx, 'Tuile rétablie.');
});

builder.post('/tuiles/:id', inTenantTx, async (ctx) => {
  const tile = await loadTile(ctx);
  const body = formBody(ctx);
  const r = await tileUpdater({ actor: actor(ctx), tenant: ctx.state.tenant, tile, body });
  if (!r.ok) return renderBuilder(ctx, { errors: r.errors, errorsFor: tile.id, values: settingsFromForm(tile.type, body) }, 422);
  await done(ctx, 'Tuile enregistrée dans le brouillon.');
});

// The move buttons send direction=haut|bas; drag and drop (static/js/homepage-builder.js) sends position=<index>.
builder.post('/tuiles/:id/deplacement', inTenantTx, async (ctx) => {
  const tile = await loadTile(ctx);
  const body = formBody(ctx);
  const position = fieldText(body.position);
  if (/^\d{1,3}$/.test(position)) {
    await tileReorderer({ actor: actor(ctx), tenant: ctx.state.tenant, tile, position: Number(position) });
    return done(ctx, `Tuile déplacée en position ${Number(position) + 1}.`);
  }
  const direction = fieldText(body.direction) === 'haut' ? 'up' : 'down';
  await tileReorderer({ actor: actor(ctx), tenant: ctx.state.tenant, tile, direction });
  await done(ctx, direction === 'up' ? 'Tuile montée.' : 'Tuile descendue.');
});

builder.post('/tuiles/:id/suppression', inTenantTx, async (ctx) => {
  const tile = await loadTile(ctx);
  const { position } = await tileDeleter({ actor: actor(ctx), tenant: ctx.state.tenant, tile, ip: ctx.ip });
  const undo = { label: TILE_TYPES[tile.type].label, json: JSON.stringify(tile), position };
  if (isHtmx(ctx)) return renderBuilder(ctx, { announce: 'Tuile supprimée.', undo });
  // Without JavaScript: the page again, with the undo form.
  await renderBuilder(ctx, { undo });
});

// The banner: a multipart form (the CSRF token in the action's query string), the image work outside any
// transaction; refused → 422 with the builder and the messages beside the fields, the draft unchanged.
builder.post('/banniere', async (ctx) => {
  const form = await bannerFormReader(ctx);
  const r = await bannerSetter({ tenant: ctx.state.tenant, actor: actor(ctx), form, ip: ctx.ip });
  if (!r.ok) {
    await tenantTx(ctx.state.tenant, () =>
      renderBuilder(ctx, { bannerErrors: r.errors, bannerValues: { alt: form.alt, decorative: form.decorative }, announce: Object.values(r.errors).join(' ') }, 422),
    );
    return;
  }
  seeOther(ctx, '/publication/accueil#banniere');
});

builder.post('/banniere/suppression', inTenantTx, async (ctx) => {
  await bannerRemover({ tenant: ctx.state.tenant, actor: actor(ctx) });
  seeOther(ctx, '/publication/accueil#banniere');
});

builder.post('/publication', inTenantTx, async (ctx) => {
  await homepagePublisher({ actor: actor(ctx), tenant: ctx.state.tenant, ip: ctx.ip });
  seeOther(ctx, '/publication/accueil');
});

builder.post('/versions/:id/restauration', inTenantTx, async (ctx) => {
  if (!isUuid(ctx.params.id)) throw new HttpError(404, 'not_found');
  try {
    await versionRestorer({ actor: actor(ctx), versionId: ctx.params.id, ip: ctx.ip });
  } catch (err) {
    if (err instanceof HomepageError) throw new HttpError(404, 'not_found');
    throw err;
  }
  seeOther(ctx, '/publication/accueil');
});

// The preview reads the draft like the public page reads the published version: one statement, no transaction.
builder.get('/apercu', async (ctx) => {
  const homepage = await homepageOf(ctx.state.tenant, { status: 'draft', origin: originOf(ctx) });
  render(ctx, { page: 'homepage/preview.njk' }, { title: 'Aperçu de la page d’accueil', homepage });
});

homepageRouter.use(builder.routes());

// The homepage's images (banner, media tiles): served when the published version shows them (to everybody,
// cached for good: a media's files never change), or the draft does (to its builders, for the preview).
homepageRouter.get('/accueil/images/:id/:file', async (ctx) => {
  const builderToo = isPublicationManager(ctx.state.member);
  const found = await tenantTx(ctx.state.tenant, async () => {
    const shown = isUuid(ctx.params.id) ? await homepageShowsMedia(ctx.params.id, builderToo) : null;
    if (!shown) return undefined;
    const file = await homepageMediaFile(ctx.params.id, ctx.params.file);
    return file && { shown, file };
  });
  if (!found) throw new HttpError(404, 'not_found');
  const etag = `"${found.file.sha256}"`;
  ctx.set({
    ETag: etag,
    'Cache-Control': found.shown === 'published' ? 'public, max-age=31536000, immutable' : 'private, no-store',
    'Content-Security-Policy': "default-src 'none'; sandbox",
  });
  if (ctx.get('If-None-Match').split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    ctx.status = 304;
    return;
  }
  ctx.type = found.file.mime;
  ctx.length = found.file.bytes;
  if (ctx.method === 'HEAD') {
    ctx.status = 200;
    return;
  }
  ctx.body = storage().stream(found.file.sha256);
});
