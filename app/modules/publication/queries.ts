import { escapeHtml } from '../../lib/html.js';
import type { Member } from '../../auth/member.js';
import { currentTenant, db, inTenantScope, systemDb, tenantTx, type TenantRef } from '../../db/index.js';
import { now } from '../../lib/clock.js';
import { canReadRubric, type RubricRoleRule } from './policy.js';
import { allRubrics, LIVE_ARTICLE } from './rubrics.js';
import { throughSearchGate } from './search-gate.js';
import { excerpt } from './sanitize.js';

/**
 * Reads of the public site: rubric pages, article pages, feeds and search. Each page is one SQL statement
 * (JSON aggregation for the lists inside it), always scoped to one school, with the clock of
 * app/lib/clock.ts so "live" means the same thing in tests that move time.
 *
 * The rubric page, the article page and the search are the site's busiest pages: they call SQL functions
 * (migrations 20261123001500..001700: public_article, public_rubric_page, public_search) as ONE statement
 * outside any transaction, like session_member() for the signed-in member: the function sets the school for
 * its own statement only and plpgsql keeps its plan per connection, so a page costs one round trip instead of
 * four (BEGIN, set_config, query, COMMIT) and no planning. Row-level security still applies (SECURITY INVOKER).
 */

/** The functions' set_config is local to the statement's own transaction, which must not be a school's open one. */
function outsideTenantScope(what: string): void {
  if (inTenantScope()) throw new Error(`${what} inside a tenant transaction`);
}

/** JSON turns timestamps into strings: back to dates. */
const dateOf = (v: string | Date): Date => (v instanceof Date ? v : new Date(v));

export const RUBRIC_PAGE_SIZE = 10;
export const FEED_SIZE = 20;
/** Search results a page: ten, as readers expect, and half the headlines a page costs (ts_headline is the dearest part). */
export const SEARCH_PAGE_SIZE = 10;

export interface ImageVariant {
  format: 'webp' | 'jpeg' | 'avif' | string;
  width: number;
  height?: number;
}

export interface MainImage {
  id: string;
  alt: string;
  decorative: boolean;
  width: number | null;
  height: number | null;
  variants: ImageVariant[];
}

export interface ArticleCard {
  id: string;
  slug: string;
  title: string;
  publish_at: string;
  excerpt: string;
  url: string;
  image: MainImage | null;
}

export interface RubricLink {
  slug: string;
  name: string;
}

export interface RubricPage {
  id: string;
  slug: string;
  name: string;
  description: string;
  visibility: 'public' | 'private';
  archived_at: string | null;
  roles: RubricRoleRule[];
  parent: RubricLink | null;
  children: RubricLink[];
  total: number;
  articles: ArticleCard[];
}

/** The public URL of an article (the slug is cosmetic; the id decides). */
export function articleUrl(a: { id: string; slug: string }): string {
  return `/articles/${a.id}/${a.slug}`;
}

/** The main image of an article row (its media columns as selected by the public functions). */
export function imageOf(row: any): MainImage | null {
  if (!row.main_image_id) return null;
  return {
    id: row.main_image_id,
    alt: row.main_image_decorative ? '' : row.main_image_alt ?? '',
    decorative: !!row.main_image_decorative,
    width: row.image_width ?? null,
    height: row.image_height ?? null,
    variants: Array.isArray(row.image_variants) ? row.image_variants : [],
  };
}

function cardOf(row: any): ArticleCard {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    publish_at: row.publish_at,
    excerpt: row.summary ? row.summary : excerpt(row.body_start ?? ''),
    url: articleUrl(row),
    image: imageOf(row),
  };
}

/**
 * A rubric of the school with one page of its live articles (newest first), the number of them, its visible
 * sub-rubrics and its parent, in one round trip (public_rubric_page()). Undefined when no rubric has that
 * slug. The caller decides whether the reader may see it (visibility, archive); sub-rubrics and parent the
 * member may not read are left out here. Runs outside any tenant transaction.
 */
export async function rubricPageOf(tenant: TenantRef, slug: string, page: number, member?: Member): Promise<RubricPage | undefined> {
  outsideTenantScope('rubricPageOf');
  const offset = (page - 1) * RUBRIC_PAGE_SIZE;
  const { rows } = await systemDb().raw(`select public_rubric_page(?, ?, ?, ?, ?) as r`, [tenant.id, slug, now(), RUBRIC_PAGE_SIZE, offset]);
  const row = rows[0]?.r;
  if (!row) return undefined;
  const parent = row.parent && !row.parent.archived_at && canReadRubric(member, row.parent) ? { slug: row.parent.slug, name: row.parent.name } : null;
  return {
    ...row,
    parent,
    children: (row.children as any[]).filter((c) => canReadRubric(member, c)).map((c) => ({ slug: c.slug, name: c.name })),
    articles: (row.articles as any[]).map(cardOf),
  };
}

export interface Attachment {
  id: string;
  name: string;
  mime: string;
  size_bytes: number;
}

export interface ArticlePage {
  id: string;
  slug: string;
  title: string;
  summary: string;
  body_html: string;
  body_text: string;
  publish_at: Date;
  updated_at: Date;
  author: string | null;
  image: MainImage | null;
  rubric: { id: string; slug: string; name: string; visibility: 'public' | 'private'; archived_at: string | null; roles: RubricRoleRule[] };
  attachments: Attachment[];
  previous: { id: string; slug: string; title: string } | null;
  next: { id: string; slug: string; title: string } | null;
}

/**
 * A live article of the school with its rubric (and roles), author's name, main image, attachments and its
 * older and newer neighbours in the rubric, in one round trip (public_article()); undefined when there is no
 * live article of that id. The caller checks that the reader may read the rubric. Runs outside any tenant
 * transaction.
 */
export async function liveArticleOf(tenant: TenantRef, id: string): Promise<ArticlePage | undefined> {
  outsideTenantScope('liveArticleOf');
  const { rows } = await systemDb().raw(`select public_article(?, ?, ?) as a`, [tenant.id, id, now()]);
  const row = rows[0]?.a;
  if (!row) return undefined;
  return {
    ...row,
    publish_at: dateOf(row.publish_at),
    updated_at: dateOf(row.updated_at),
    attachments: row.attachments.map((f: any) => ({ ...f, size_bytes: Number(f.size_bytes) })),
    image: imageOf(row),
  };
}

export interface FeedItem {
  id: string;
  slug: string;
  title: string;
  summary: string;
  body_start: string;
  publish_at: Date;
  updated_at: Date;
  author: string | null;
  rubric_name: string;
}

/**
 * The newest live articles of a public rubric (rubricId given) or of every public rubric of the school,
 * for the feeds. Archived rubrics publish nothing.
 */
export async function feedItems(rubricId?: string): Promise<FeedItem[]> {
  const at = now();
  const { rows } = await db().raw(
    `select a.id, a.slug, a.title, a.summary, left(a.body_text, 600) as body_start, a.publish_at, a.updated_at,
       r.name as rubric_name,
       case when mb.id is null then null else mb.first_name || ' ' || mb.last_name end as author
     from articles a
     join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
     left join memberships mb on mb.tenant_id = a.tenant_id and mb.id = a.author_id
     where a.tenant_id = ? and ${LIVE_ARTICLE} and r.visibility = 'public' and r.archived_at is null
       ${rubricId ? 'and a.rubric_id = ?' : ''}
     order by a.publish_at desc, a.id desc limit ?`,
    [currentTenant().id, at, at, ...(rubricId ? [rubricId] : []), FEED_SIZE],
  );
  return rows;
}

// Sentinels that ts_headline puts around matches: private-use characters, removed from the text first, so
// that after escaping they can only stand for our own marks.
const START = '\uE000';
const STOP = '\uE001';
const HEADLINE_OPTIONS = `StartSel=${START}, StopSel=${STOP}, MaxWords=35, MinWords=15, ShortWord=3, MaxFragments=2, FragmentDelimiter=" … "`;

/** ts_headline output → safe HTML: everything escaped, then our sentinels turned into <mark> elements. */
export function highlightToHtml(headline: string): string {
  return escapeHtml(headline).replaceAll(START, '<mark>').replaceAll(STOP, '</mark>');
}

export interface SearchHit {
  id: string;
  slug: string;
  url: string;
  title_html: string;
  excerpt_html: string;
  publish_at: string;
  rubric_name: string;
  rubric_slug: string;
}

/** Private rubrics of the school the member may read (their articles are searchable by them). */
async function readablePrivateRubricIds(tenant: TenantRef, member?: Member): Promise<string[]> {
  if (!member) return [];
  const rubrics = await tenantTx(tenant, () => allRubrics());
  return rubrics.filter((r) => r.visibility === 'private' && !r.archived_at && canReadRubric(member, r)).map((r) => r.id);
}

/**
 * French full-text search over the live articles the reader may see (public rubrics, and private ones the
 * member reads), best first (title words over summary words over body words, more occurrences higher, newest
 * first on a tie: migration 20261123106400), one page of SEARCH_PAGE_SIZE at a time (migration 20261123110000),
 * with highlighted title and excerpt as safe HTML, and the number of matches (0 past the last page): one round trip (public_search()) for a visitor, plus the school's rubrics for a signed-in
 * member. Runs outside any tenant transaction.
 */
export async function searchArticles(tenant: TenantRef, q: string, member?: Member, page = 1): Promise<{ total: number; hits: SearchHit[] }> {
  outsideTenantScope('searchArticles');
  const privateIds = await readablePrivateRubricIds(tenant, member);
  const { rows } = await throughSearchGate(() => systemDb().raw(`select public_search(?, ?, ?, ?::uuid[], ?, ?, ?, ?, ?) as hits`, [
    tenant.id,
    q,
    now(),
    privateIds,
    SEARCH_PAGE_SIZE,
    (page - 1) * SEARCH_PAGE_SIZE,
    `${START}${STOP}`,
    `StartSel=${START}, StopSel=${STOP}, HighlightAll=true`,
    HEADLINE_OPTIONS,
  ]));
  const hits: any[] = rows[0]?.hits ?? [];
  return {
    total: hits[0]?.total ?? 0,
    hits: hits.map((r: any) => ({
      id: r.id,
      slug: r.slug,
      url: articleUrl(r),
      title_html: highlightToHtml(r.title_hl),
      excerpt_html: highlightToHtml(r.body_hl),
      publish_at: r.publish_at,
      rubric_name: r.rubric_name,
      rubric_slug: r.rubric_slug,
    })),
  };
}

/**
 * A main image as a responsive picture: AVIF (once its job has made them), WebP and JPEG srcsets from its
 * stored variants, served by /medias.
 */
export interface Picture {
  avifSrcset?: string;
  webpSrcset: string;
  jpegSrcset: string;
  src: string;
  largest: string;
  width: number | null;
  height: number | null;
  alt: string;
}

export function pictureOf(image: MainImage | null, maxWidth = 1400): Picture | null {
  if (!image) return null;
  const byFormat = (format: string) =>
    image.variants.filter((v) => v.format === format && Number.isInteger(v.width) && v.width <= maxWidth).sort((x, y) => x.width - y.width);
  const webp = byFormat('webp');
  const jpeg = byFormat('jpeg');
  if (!jpeg.length && !webp.length) return null;
  const url = (w: number, ext: string) => `/medias/${image.id}/${w}.${ext}`;
  const fallback = jpeg.length ? jpeg : webp;
  const ext = jpeg.length ? 'jpg' : 'webp';
  const biggest = fallback[fallback.length - 1];
  // The default source: the variant closest to 640 px wide (a phone's screen), larger ones through srcset.
  const middle = fallback.find((v) => v.width >= 640) ?? biggest;
  const avif = byFormat('avif');
  return {
    avifSrcset: avif.map((v) => `${url(v.width, 'avif')} ${v.width}w`).join(', '),
    webpSrcset: webp.map((v) => `${url(v.width, 'webp')} ${v.width}w`).join(', '),
    jpegSrcset: jpeg.map((v) => `${url(v.width, 'jpg')} ${v.width}w`).join(', '),
    src: url(middle.width, ext),
    largest: url(biggest.width, ext),
    width: biggest.width ?? null,
    height: biggest.height ?? null,
    alt: image.alt,
  };
}
