import type { PageCacheHint } from '../../http/page-cache.js';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { isHttps } from '../../auth/middleware.js';
import { tenantTx } from '../../db/index.js';
import { notFound } from '../../http/errors.js';
import { render } from '../../http/render.js';
import { isUuid } from '../../lib/ids.js';
import { pageLinks } from '../../lib/pagination.js';
import { atomOf, rssOf } from './feeds.js';
import { canReadRubric } from './policy.js';
import { articleUrl, feedItems, liveArticleOf, pictureOf, RUBRIC_PAGE_SIZE, rubricPageOf, SEARCH_PAGE_SIZE, searchArticles } from './queries.js';
import { rubricBySlug } from './rubrics.js';
import { excerpt } from './sanitize.js';

/** Public site of the publication module: rubric pages, article pages, feeds and search. */
export const publicPublicationRouter = new Router();

export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
});

export const SEARCH_MAX = 200;
export const PublicSearchQuerySchema = z.object({
  q: z.preprocess(
    (v) => (Array.isArray(v) ? v[0] : v ?? ''),
    z.string().trim().max(SEARCH_MAX, `La recherche ne doit pas dépasser ${SEARCH_MAX} caractères.`),
  ),
});

/**
 * Visitors' pages may be cached by anyone for a minute (they carry no per-visitor value); a signed-in
 * member's may show private rubrics and their own header, so they are never stored.
 */
function cacheFor(ctx: Context): void {
  ctx.set('Cache-Control', ctx.state.member ? 'private, no-store' : 'public, max-age=60');
}

/** The school's own address as the visitor reached it (Host was matched to this school already). */
function originOf(ctx: Context): string {
  return `${isHttps(ctx) ? 'https' : 'http'}://${ctx.get('Host')}`;
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** "12 Ko", "1,4 Mo": sizes as French readers write them. */
export function humanSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} Ko`;
  const mo = bytes / (1024 * 1024);
  return `${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(mo)} Mo`;
}

const TYPE_NAMES: Record<string, string> = {
  'application/pdf': 'PDF',
  'application/msword': 'Word',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word',
  'application/vnd.oasis.opendocument.text': 'OpenDocument texte',
  'application/vnd.ms-excel': 'Excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel',
  'application/vnd.oasis.opendocument.spreadsheet': 'OpenDocument tableur',
  'application/vnd.ms-powerpoint': 'PowerPoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint',
  'application/vnd.oasis.opendocument.presentation': 'OpenDocument présentation',
  'image/jpeg': 'image JPEG',
  'image/png': 'image PNG',
  'image/webp': 'image WebP',
  'text/plain': 'texte',
  'application/zip': 'archive ZIP',
};

export function typeName(mime: string): string {
  return TYPE_NAMES[mime] ?? (mime.split('/')[1] ?? mime).toUpperCase();
}

// --------------------------------------------------------------------------------------------------------
// Rubric pages

publicPublicationRouter.get('/rubriques/:slug', async (ctx) => {
  const { slug } = ctx.params;
  const parsed = PageQuerySchema.safeParse(ctx.query);
  if (!SLUG.test(slug) || !parsed.success) throw notFound();
  const { page } = parsed.data;
  const member = ctx.state.member;
  const rubric = await rubricPageOf(ctx.state.tenant, slug, page, member);
  // Archived, or private and not readable: it does not exist for this reader.
  if (!rubric || rubric.archived_at || !canReadRubric(member, rubric)) throw notFound();
  const pages = Math.max(1, Math.ceil(rubric.total / RUBRIC_PAGE_SIZE));
  if (page > pages) throw notFound();
  cacheFor(ctx);
  if (!member) ctx.state.pageCache = { followsPublication: true } satisfies PageCacheHint;
  const articles = rubric.articles.map((a) => ({ ...a, picture: pictureOf(a.image, 640), iso: new Date(a.publish_at).toISOString() }));
  render(
    ctx,
    { page: 'publication/rubric.njk' },
    {
      title: page > 1 ? `${rubric.name} — page ${page}` : rubric.name,
      rubric,
      articles,
      page,
      pages,
      pageLinks: pageLinks(page, pages),
      feeds: rubric.visibility === 'public',
    },
  );
});

// --------------------------------------------------------------------------------------------------------
// Article pages

async function articleOr404(ctx: Context, id: string) {
  if (!isUuid(id)) throw notFound();
  const member = ctx.state.member;
  const article = await liveArticleOf(ctx.state.tenant, id);
  if (!article || article.rubric.archived_at || !canReadRubric(member, article.rubric)) throw notFound();
  return article;
}

function redirectPermanently(ctx: Context, to: string): void {
  cacheFor(ctx);
  ctx.redirect(to);
  ctx.status = 301;
}

publicPublicationRouter.get('/articles/:id', async (ctx) => {
  const article = await articleOr404(ctx, ctx.params.id);
  redirectPermanently(ctx, articleUrl(article));
});

publicPublicationRouter.get('/articles/:id/:slug', async (ctx) => {
  const article = await articleOr404(ctx, ctx.params.id);
  const canonical = articleUrl(article);
  // The slug only decorates the address: an old or mistyped one leads to the current address.
  if (ctx.params.slug !== article.slug) return redirectPermanently(ctx, canonical);
  cacheFor(ctx);
  // Previous/next links and the article's own expiry follow the school's publication schedule.
  if (!ctx.state.member) ctx.state.pageCache = { followsPublication: true } satisfies PageCacheHint;
  const origin = originOf(ctx);
  const picture = pictureOf(article.image);
  const description = article.summary || excerpt(article.body_text, 200);
  render(
    ctx,
    { page: 'publication/article.njk' },
    {
      title: article.title,
      article,
      picture,
      iso: new Date(article.publish_at).toISOString(),
      description,
      attachments: article.attachments.map((f) => ({ ...f, size: humanSize(f.size_bytes), type: typeName(f.mime) })),
      og: {
        title: article.title,
        description,
        url: `${origin}${canonical}`,
        image: picture ? `${origin}${picture.largest}` : null,
        imageAlt: picture?.alt ?? '',
      },
    },
  );
});

// --------------------------------------------------------------------------------------------------------
// Feeds

const FEED_TYPES = { xml: 'application/rss+xml; charset=utf-8', atom: 'application/atom+xml; charset=utf-8' } as const;

async function sendFeed(ctx: Context, format: keyof typeof FEED_TYPES, rubricSlug?: string) {
  if (rubricSlug !== undefined && !SLUG.test(rubricSlug)) throw notFound();
  const tenant = ctx.state.tenant;
  const source = await tenantTx(tenant, async () => {
    if (rubricSlug === undefined) return { rubric: undefined, items: await feedItems() };
    const rubric = await rubricBySlug(rubricSlug);
    // Feeds are for public rubrics only: a feed reader has no session.
    if (!rubric || rubric.archived_at || rubric.visibility !== 'public') throw notFound();
    return { rubric, items: await feedItems(rubric.id) };
  });
  const src = { origin: originOf(ctx), schoolName: tenant.name, rubric: source.rubric, items: source.items };
  ctx.set('Cache-Control', 'public, max-age=300');
  ctx.type = FEED_TYPES[format];
  ctx.body = format === 'xml' ? rssOf(src) : atomOf(src);
}

publicPublicationRouter.get('/flux.xml', (ctx) => sendFeed(ctx, 'xml'));
publicPublicationRouter.get('/flux.atom', (ctx) => sendFeed(ctx, 'atom'));
publicPublicationRouter.get('/rubriques/:slug/flux.xml', (ctx) => sendFeed(ctx, 'xml', ctx.params.slug));
publicPublicationRouter.get('/rubriques/:slug/flux.atom', (ctx) => sendFeed(ctx, 'atom', ctx.params.slug));

// --------------------------------------------------------------------------------------------------------
// Search

publicPublicationRouter.get('/recherche', async (ctx) => {
  const parsed = PublicSearchQuerySchema.safeParse(ctx.query);
  const view = { page: 'publication/search.njk', fragment: 'publication/_results.njk' };
  if (!parsed.success) {
    const raw = Array.isArray(ctx.query.q) ? ctx.query.q[0] : ctx.query.q;
    cacheFor(ctx);
    return render(ctx, { ...view, status: 422 }, {
      title: 'Recherche',
      q: String(raw ?? ''),
      error: parsed.error.issues[0]?.message ?? 'Recherche invalide.',
    });
  }
  const { q } = parsed.data;
  // A page number that is not one is a page that does not exist, as on rubric pages.
  const paging = PageQuerySchema.safeParse(ctx.query);
  if (!paging.success) throw notFound();
  const { page } = paging.data;
  const result = q ? await searchArticles(ctx.state.tenant, q, ctx.state.member, page) : { total: 0, hits: [] };
  // Past the last page (or a page of nothing): no such page.
  if (page > 1 && result.hits.length === 0) throw notFound();
  const pages = Math.max(1, Math.ceil(result.total / SEARCH_PAGE_SIZE));
  cacheFor(ctx);
  render(ctx, view, {
    title: q ? `Recherche « ${q} »${page > 1 ? ` — page ${page}` : ''}` : 'Recherche',
    q,
    searched: q !== '',
    total: result.total,
    page,
    pages,
    pageLinks: pageLinks(page, pages),
    firstRank: (page - 1) * SEARCH_PAGE_SIZE + 1,
    hits: result.hits.map((h) => ({ ...h, iso: new Date(h.publish_at).toISOString() })),
  });
});
