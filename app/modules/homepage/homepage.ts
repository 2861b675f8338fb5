import type { Member } from '../../auth/member.js';
import { currentTenant, db, inTenantScope, systemDb } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { pictureOf, type Picture } from '../publication/queries.js';
import type { InstitutionFeedItem } from '../publication/feeds.js';
import type { Tenant } from '../../tenancy/tenant.js';
import { externalFeedsSync } from './external-feed.js';
import { homeArticleOf, tileSettingsParser, tileView, TileSchema, type HomeArticle, type HomeData, type Tile } from './tiles.js';

/**
 * A school's homepage: versions (draft, published, previous) of an ordered list of tiles, stored in
 * homepage_versions; the public page is read in one round trip by public_homepage() (migration
 * 20261123002600), outside any tenant transaction.
 */

/** How many newest live articles per public rubric the homepage loads (the biggest a tile may show). */
const PER_RUBRIC = 10;
const PER_INSTITUTION = 10;
const MAX_EVENTS = 10;

/** The homepage of a school that has built none: notices, news, agenda, contact. */
export function defaultTiles(tenant: Pick<Tenant, 'contact'>): Tile[] {
  return [
    { id: '00000000-0000-4000-8000-000000000000', type: 'notices', width: 3, hidden: false, settings: {} },
    { id: '00000000-0000-4000-8000-000000000001', type: 'news', width: 2, hidden: false, settings: { title: 'Actualités', rubricIds: [], limit: 5, institutions: true } },
    { id: '00000000-0000-4000-8000-000000000002', type: 'agenda', width: 1, hidden: false, settings: { title: 'Agenda', limit: 5 } },
    {
      id: '00000000-0000-4000-8000-000000000004',
      type: 'contact',
      width: 1,
      hidden: false,
      settings: {
        title: 'Nous contacter',
        address: tenant.contact?.address ?? '',
        phone: tenant.contact?.phone ?? '',
        email: tenant.contact?.email ?? '',
        hours: '',
        mapQuery: '',
      },
    },
  ];
}

/** Tiles read back from JSON: those of an unknown type or with settings no longer valid are left out. */
export function validTiles(raw: unknown): Tile[] {
  if (!Array.isArray(raw)) return [];
  const out: Tile[] = [];
  for (const t of raw) {
    const shape = TileSchema.safeParse(t);
    if (!shape.success) continue;
    const s = tileSettingsParser(shape.data.type, shape.data.settings);
    if (!s.ok) continue;
    out.push({ ...shape.data, width: shape.data.width as 1 | 2 | 3, settings: s.settings });
  }
  return out;
}

export interface RenderedTile {
  tile: Tile;
  template: string;
  view: Record<string, unknown>;
}

/** The banner of a version: a media of the school (cropped to 1400×320 when uploaded) and its text. */
export interface Banner {
  mediaId: string;
  alt: string;
  decorative: boolean;
}

/**
 * The homepage's images (banner, media tiles) go through /accueil/images/…, which serves a media to visitors
 * when a homepage version shows it (the media library's /medias/… serves those of live articles only).
 */
export function homepageImage(picture: Picture | null): Picture | null {
  if (!picture) return null;
  const swap = (u: string) => u.replace(/\/medias\//g, '/accueil/images/');
  return { ...picture, src: swap(picture.src), largest: swap(picture.largest), webpSrcset: swap(picture.webpSrcset), jpegSrcset: swap(picture.jpegSrcset) };
}

export interface HomepageView {
  /** The version's banner (1400×320), null when it has none. */
  banner: { picture: Picture; alt: string } | null;
  tiles: RenderedTile[];
  /** The next scheduled change (publication or expiry) that alters the page; null when none is known. */
  validUntil: Date | null;
  isDefault: boolean;
  /** The institutions whose articles it shows (their changes change it too). */
  institutionIds: string[];
}

/**
 * The institutions' public base URL: their first hostname, else <slug>.<base domain> reached the way the
 * school was (same scheme and port, so the links also work on a development machine).
 */
function institutionBase(inst: { slug: string; hostnames: string[] | null }, origin: HomeOrigin | undefined): string {
  if (!origin) return '';
  if (inst.hostnames?.[0]) return `${origin.scheme}://${inst.hostnames[0]}`;
  return `${origin.scheme}://${inst.slug}.${origin.baseDomain}${origin.port ? `:${origin.port}` : ''}`;
}

/** How the school's own page was reached, to build links to its institutions' portals. */
export interface HomeOrigin {
  scheme: 'http' | 'https';
  baseDomain: string;
  port: string;
}

/**
 * Everything the homepage shows, in ONE statement (public_homepage(), which also calls the notices' and the
 * agenda's SQL functions, the same reads as liveNotices() and upcomingEvents()), for the published version (visitors)
 * or the draft (the builder's preview). Must run outside any tenant transaction.
 */
export async function homepageOf(tenant: Tenant, opts: { status?: 'published' | 'draft'; origin?: HomeOrigin; member?: Member } = {}): Promise<HomepageView> {
  if (inTenantScope()) throw new Error('homepageOf inside a tenant transaction');
  const at = now();
  const { rows } = await systemDb().raw(`select public_homepage(?, ?::text[], ?, ?, ?, ?, ?, string_to_array(?, ',')::uuid[], ?) as h`, [
    tenant.id,
    tenant.parents,
    opts.status ?? 'published',
    at,
    PER_RUBRIC,
    PER_INSTITUTION,
    opts.member?.profile ?? null,
    (opts.member?.classIds ?? []).join(','),
    MAX_EVENTS,
  ]);
  const h = rows[0].h;
  const notices = ((h.notices ?? []) as any[]).map((n) => ({ ...n, link_url: n.link_url ?? null, starts_at: new Date(n.starts_at), ends_at: n.ends_at ? new Date(n.ends_at) : null }));
  const events = ((h.events ?? []) as any[]).map((e) => ({
    ...e,
    starts_at: new Date(e.starts_at),
    ends_at: e.ends_at ? new Date(e.ends_at) : null,
    all_day: !!e.all_day,
    place: e.place ?? '',
  }));
  const isDefault = h.tiles == null;
  const list = isDefault ? defaultTiles(tenant) : validTiles(h.tiles);
  const institutions: HomeArticle[] = [];
  for (const inst of h.institutions ?? []) {
    const base = institutionBase(inst, opts.origin);
    for (const a of inst.articles) institutions.push({ ...homeArticleOf(a, base), source: inst.name });
  }
  const data: HomeData = {
    articles: (h.articles ?? []).map((a: any) => homeArticleOf(a)),
    selected: (h.selected ?? []).map((a: any) => homeArticleOf(a)),
    institutions,
    rubrics: h.rubrics ?? [],
    media: new Map(
      (h.media ?? []).map((m: any) => [
        m.id,
        { id: m.id, alt: m.alt, picture: homepageImage(pictureOf({ id: m.id, alt: m.alt, decorative: false, width: m.width, height: m.height, variants: m.variants ?? [] }, 1400)) },
      ]),
    ),
    feeds: new Map((h.feeds ?? []).map((f: any) => [f.url, { items: Array.isArray(f.items) ? f.items : [], fetchedAt: f.fetched_at ? new Date(f.fetched_at) : null }])),
    contact: tenant.contact ?? {},
    notices,
    events,
  };
  // Notices come first, whatever their place in the list.
  const ordered = [...list.filter((t) => t.type === 'notices'), ...list.filter((t) => t.type !== 'notices')];
  const b = h.banner;
  const bannerPicture = b ? homepageImage(pictureOf({ id: b.mediaId, alt: b.alt, decorative: b.decorative, width: b.width, height: b.height, variants: b.variants ?? [] }, 1400)) : null;
  return {
    banner: bannerPicture ? { picture: bannerPicture, alt: b.decorative ? '' : b.alt } : null,
    tiles: ordered.filter((t) => !t.hidden).map((tile) => ({ tile, template: `tiles/${tile.type}.njk`, view: tileView(tile, data) })),
    validUntil: h.next_change ? new Date(h.next_change) : null,
    isDefault,
    institutionIds: (h.institutions ?? []).map((i: any) => i.tenant_id),
  };
}

/**
 * The institution news a school shows, for its feeds: the same explicit cross-school read as the homepage's
 * (public_homepage(): published articles of public rubrics of its parent institutions, under each
 * institution's own id), with absolute URLs on the institutions' hosts. Outside any tenant transaction.
 */
export async function institutionNewsOf(tenant: Tenant, origin: HomeOrigin): Promise<InstitutionFeedItem[]> {
  if (inTenantScope()) throw new Error('institutionNewsOf inside a tenant transaction');
  if (!tenant.parents?.length) return [];
  const { rows } = await systemDb().raw(`select public_homepage(?, ?::text[], 'published', ?, 0, ?, null, '{}'::uuid[], 0) -> 'institutions' as i`, [
    tenant.id,
    tenant.parents,
    now(),
    PER_INSTITUTION,
  ]);
  const out: InstitutionFeedItem[] = [];
  for (const inst of rows[0].i ?? []) {
    const base = institutionBase(inst, origin);
    for (const a of inst.articles) {
      const h = homeArticleOf(a, base);
      out.push({ title: h.title, url: h.url, publish_at: h.publish_at, description: h.excerpt, source: inst.name, sourceUrl: `${base}/` });
    }
  }
  return out;
}

// ---- Storage (inside a tenant transaction) ----

export interface VersionRow {
  id: string;
  status: 'draft' | 'published' | 'previous';
  tiles: Tile[];
  banner: Banner | null;
  created_at: Date;
  published_at: Date | null;
}

async function versionOfStatus(status: 'draft' | 'published'): Promise<VersionRow | undefined> {
  return db()('homepage_versions').where({ tenant_id: currentTenant().id, status }).first();
}

/** The tiles being edited: the draft, else a copy of the published version, else the default homepage. */
export async function draftTiles(tenant: Tenant): Promise<Tile[]> {
  const draft = (await versionOfStatus('draft')) ?? (await versionOfStatus('published'));
  return draft ? validTiles(draft.tiles) : defaultTiles(tenant);
}

/** The banner being edited: the draft's, else the published version's. */
export async function draftBanner(): Promise<Banner | null> {
  const v = (await versionOfStatus('draft')) ?? (await versionOfStatus('published'));
  return v?.banner ?? null;
}

/**
 * Saves the tiles (and the banner, when given: null removes it) as the school's draft (one per school). A new
 * draft starts with the published version's banner.
 */
/**
 * Saves the draft's tiles (and banner). The external feeds follow the versions that show them: a feed tile
 * added or edited gets its cache row and a fetch (`refreshFeeds`), one no version shows any more loses its row.
 */
export async function draftSaver(input: { actor: Member; tiles: Tile[]; banner?: Banner | null; refreshFeeds?: string[] }): Promise<void> {
  const tenantId = currentTenant().id;
  const tiles = JSON.stringify(input.tiles);
  const change: Record<string, unknown> = { tiles, created_by: input.actor.membershipId, created_at: now() };
  if (input.banner !== undefined) change.banner = input.banner ? JSON.stringify(input.banner) : null;
  const updated = await db()('homepage_versions').where({ tenant_id: tenantId, status: 'draft' }).update(change);
  if (!updated) {
    const published = input.banner === undefined ? await versionOfStatus('published') : undefined;
    const banner = input.banner !== undefined ? change.banner : published?.banner ? JSON.stringify(published.banner) : null;
    await db()('homepage_versions').insert({ tenant_id: tenantId, id: newId(), status: 'draft', ...change, banner });
  }
  await externalFeedsSync({ refresh: input.refreshFeeds ?? [] });
}

export class HomepageError extends Error {
  constructor(public code: 'no_draft' | 'not_found') {
    super(code);
  }
}

/** Publishes the draft: the published version becomes a previous one (kept for restore), the draft is published. */
export async function homepagePublisher(input: { actor: Member; tenant: Tenant; ip?: string }): Promise<string> {
  const tenantId = currentTenant().id;
  let draft = await versionOfStatus('draft');
  if (!draft) {
    // Publishing the default homepage as is: it becomes the first version.
    await draftSaver({ actor: input.actor, tiles: await draftTiles(input.tenant) });
    draft = (await versionOfStatus('draft'))!;
  }
  await db()('homepage_versions').where({ tenant_id: tenantId, status: 'published' }).update({ status: 'previous' });
  await db()('homepage_versions').where({ tenant_id: tenantId, id: draft.id }).update({ status: 'published', published_at: now() });
  // Feeds only the old published version showed lose their cache row.
  await externalFeedsSync();
  await recordAudit({
    action: 'homepage.publish',
    actorAccountId: input.actor.accountId,
    actorMembershipId: input.actor.membershipId,
    subjectType: 'homepage_version',
    subjectId: draft.id,
    details: { tiles: validTiles(draft.tiles).length },
    ip: input.ip,
  });
  return draft.id;
}

/** The published and previous versions, newest first. */
export async function homepageVersions(): Promise<VersionRow[]> {
  return db()('homepage_versions')
    .where({ tenant_id: currentTenant().id })
    .whereIn('status', ['published', 'previous'])
    .orderBy('published_at', 'desc')
    .select('id', 'status', 'tiles', 'banner', 'created_at', 'published_at');
}

/** Restores a previous version into the draft (to preview and publish). */
export async function versionRestorer(input: { actor: Member; versionId: string; ip?: string }): Promise<void> {
  const v = await db()('homepage_versions').where({ tenant_id: currentTenant().id, id: input.versionId }).whereIn('status', ['published', 'previous']).first();
  if (!v) throw new HomepageError('not_found');
  await draftSaver({ actor: input.actor, tiles: validTiles(v.tiles), banner: v.banner ?? null });
  await recordAudit({
    action: 'homepage.restore',
    actorAccountId: input.actor.accountId,
    actorMembershipId: input.actor.membershipId,
    subjectType: 'homepage_version',
    subjectId: v.id,
    ip: input.ip,
  });
}
