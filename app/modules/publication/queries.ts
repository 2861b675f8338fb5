import type { Member } from '../../auth/member.js';
import { currentTenant, db } from '../../db/index.js';
import { now } from '../../lib/clock.js';
import { canReadRubric, type RubricRoleRule } from './policy.js';
import { allRubrics, LIVE_ARTICLE } from './rubrics.js';
import { excerpt } from './sanitize.js';

/**
 * Reads of the public site: rubric pages, article pages, feeds and search. Each page is one SQL statement
 * (JSON aggregation for the lists inside it), always scoped to the current school, with the clock of
 * app/lib/clock.ts so "live" means the same thing in tests that move time.
 */

export const RUBRIC_PAGE_SIZE = 10;
export const FEED_SIZE = 20;
export const SEARCH_LIMIT = 20;

/** LIVE_ARTICLE for another alias than `a`. */
function liveAs(alias: string): string {
  return LIVE_ARTICLE.replace(/\ba\./g, `${alias}.`);
}

const ROLES_OF = (alias: string) => `coalesce((select json_agg(json_build_object('target_type', rr.target_type,
  'target_value', rr.target_value, 'role', rr.role)) from rubric_roles rr
  where rr.tenant_id = ${alias}.tenant_id and rr.rubric_id = ${alias}.id), '[]'::json)`;

export interface ImageVariant {
  format: 'webp' | 'jpeg' | string;
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

function imageOf(row: any): MainImage | null {
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

// The columns of an article card (with its main image's variants), for an articles alias `a` and media `m`.
const CARD_COLUMNS = `a.id, a.slug, a.title, a.summary, left(a.body_text, 600) as body_start, a.publish_at,
  a.main_image_id, a.main_image_alt, a.main_image_decorative, m.variants as image_variants,
  m.width as image_width, m.height as image_height`;

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
 * A rubric of the current school with one page of its live articles (newest first), the number of them, its
 * visible sub-rubrics and its parent, in one statement. Undefined when no rubric has that slug. The caller
 * decides whether the reader may see it (visibility, archive) and which sub-rubrics to show.
 */
export async function rubricPageOf(slug: string, page: number, member?: Member): Promise<RubricPage | undefined> {
  const at = now();
  const offset = (page - 1) * RUBRIC_PAGE_SIZE;
  const { rows } = await db().raw(
    `select r.id, r.slug, r.name, r.description, r.visibility, r.archived_at, ${ROLES_OF('r')} as roles,
       (select json_build_object('slug', p.slug, 'name', p.name, 'visibility', p.visibility, 'archived_at', p.archived_at,
                                 'roles', ${ROLES_OF('p')})
          from rubrics p where p.tenant_id = r.tenant_id and p.id = r.parent_id) as parent,
       (select coalesce(json_agg(json_build_object('slug', c.slug, 'name', c.name, 'visibility', c.visibility,
                                                   'roles', ${ROLES_OF('c')}) order by c.position, c.name), '[]'::json)
          from rubrics c where c.tenant_id = r.tenant_id and c.parent_id = r.id and c.archived_at is null) as children,
       (select count(*)::int from articles a where a.tenant_id = r.tenant_id and a.rubric_id = r.id and ${LIVE_ARTICLE}) as total,
       (select coalesce(json_agg(x order by x.publish_at desc, x.id desc), '[]'::json) from (
          select ${CARD_COLUMNS}
          from articles a left join media m on m.tenant_id = a.tenant_id and m.id = a.main_image_id
          where a.tenant_id = r.tenant_id and a.rubric_id = r.id and ${LIVE_ARTICLE}
          order by a.publish_at desc, a.id desc limit ? offset ?) x) as articles
     from rubrics r where r.tenant_id = ? and r.slug = ?`,
    [at, at, at, at, RUBRIC_PAGE_SIZE, offset, currentTenant().id, slug],
  );
  const row = rows[0];
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
 * A live article of the current school with its rubric (and roles), author's name, main image, attachments
 * and its older and newer neighbours in the rubric, in one statement; undefined when there is no live article
 * of that id. The caller checks that the reader may read the rubric.
 */
export async function liveArticleOf(id: string): Promise<ArticlePage | undefined> {
  const at = now();
  const neighbour = (cmp: '<' | '>', dir: 'desc' | 'asc') => `(select json_build_object('id', n.id, 'slug', n.slug, 'title', n.title)
      from articles n where n.tenant_id = a.tenant_id and n.rubric_id = a.rubric_id and ${liveAs('n')}
        and (n.publish_at, n.id) ${cmp} (a.publish_at, a.id)
      order by n.publish_at ${dir}, n.id ${dir} limit 1)`;
  const { rows } = await db().raw(
    `select a.id, a.slug, a.title, a.summary, a.body_html, a.body_text, a.publish_at, a.updated_at,
       a.main_image_id, a.main_image_alt, a.main_image_decorative, m.variants as image_variants,
       m.width as image_width, m.height as image_height,
       case when mb.id is null then null else mb.first_name || ' ' || mb.last_name end as author,
       json_build_object('id', r.id, 'slug', r.slug, 'name', r.name, 'visibility', r.visibility,
                         'archived_at', r.archived_at, 'roles', ${ROLES_OF('r')}) as rubric,
       (select coalesce(json_agg(json_build_object('id', f.id, 'name', f.name, 'mime', f.mime, 'size_bytes', f.size_bytes)
                                 order by at.position, f.name), '[]'::json)
          from article_attachments at join media f on f.tenant_id = at.tenant_id and f.id = at.media_id
          where at.tenant_id = a.tenant_id and at.article_id = a.id) as attachments,
       ${neighbour('<', 'desc')} as previous,
       ${neighbour('>', 'asc')} as next
     from articles a
     join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
     left join memberships mb on mb.tenant_id = a.tenant_id and mb.id = a.author_id
     left join media m on m.tenant_id = a.tenant_id and m.id = a.main_image_id
     where a.tenant_id = ? and a.id = ? and ${LIVE_ARTICLE}`,
    [at, at, at, at, currentTenant().id, id, at, at],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { ...row, attachments: row.attachments.map((f: any) => ({ ...f, size_bytes: Number(f.size_bytes) })), image: imageOf(row) };
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

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

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
async function readablePrivateRubricIds(member?: Member): Promise<string[]> {
  if (!member) return [];
  return (await allRubrics()).filter((r) => r.visibility === 'private' && !r.archived_at && canReadRubric(member, r)).map((r) => r.id);
}

/**
 * French full-text search over the live articles the reader may see (public rubrics, and private ones the
 * member reads), best first, with highlighted title and excerpt as safe HTML, and the number of matches.
 */
export async function searchArticles(q: string, member?: Member): Promise<{ total: number; hits: SearchHit[] }> {
  const privateIds = await readablePrivateRubricIds(member);
  const at = now();
  const strip = (col: string) => `translate(${col}, '${START}${STOP}', '')`;
  const { rows } = await db().raw(
    `with q as (select websearch_to_tsquery('preau_french', ?) as query),
     best as (
       select a.id, a.slug, a.title, a.body_text, a.summary, a.publish_at, r.name as rubric_name, r.slug as rubric_slug,
              ts_rank(a.search, q.query) as rank, count(*) over () as total
       from articles a
       join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
       cross join q
       where a.tenant_id = ? and ${LIVE_ARTICLE} and r.archived_at is null
         and (r.visibility = 'public' or r.id = any(?::uuid[]))
         and a.search @@ q.query
       order by rank desc, a.publish_at desc, a.id
       limit ?)
     select best.id, best.slug, best.publish_at, best.rubric_name, best.rubric_slug, best.total::int as total,
       ts_headline('preau_french', ${strip('best.title')}, q.query, ?) as title_hl,
       ts_headline('preau_french', ${strip("case when best.body_text = '' then best.summary else best.body_text end")}, q.query, ?) as body_hl
     from best cross join q
     order by best.rank desc, best.publish_at desc, best.id`,
    [q, currentTenant().id, at, at, privateIds, SEARCH_LIMIT, `StartSel=${START}, StopSel=${STOP}, HighlightAll=true`, HEADLINE_OPTIONS],
  );
  return {
    total: rows[0]?.total ?? 0,
    hits: rows.map((r: any) => ({
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

/** A main image as a responsive picture: WebP and JPEG srcsets from its stored variants, served by /medias. */
export interface Picture {
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
  return {
    webpSrcset: webp.map((v) => `${url(v.width, 'webp')} ${v.width}w`).join(', '),
    jpegSrcset: jpeg.map((v) => `${url(v.width, 'jpg')} ${v.width}w`).join(', '),
    src: url(middle.width, ext),
    largest: url(biggest.width, ext),
    width: biggest.width ?? null,
    height: biggest.height ?? null,
    alt: image.alt,
  };
}
