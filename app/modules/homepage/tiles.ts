import { z } from 'zod';
import { articleUrl, imageOf, pictureOf, type Picture } from '../publication/queries.js';
import { excerpt, sanitizeArticleHtml } from '../publication/sanitize.js';
import type { ExternalItem } from './external-feed.js';
import { feedUrlError } from './external-feed.js';
import { videoEmbedOf } from './video-embed.js';

/**
 * The tile registry (STYLE.md, "Wagtail"): a homepage is an ordered list of typed tiles; each type is one zod
 * schema for its settings, one template templates/tiles/<type>.njk and a function that picks what it shows
 * from the homepage's data (loaded in one round trip by public_homepage(), see homepage.ts). Messages in French.
 */

const uuid = (message: string) => z.string({ error: message }).regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, message);
const title = (dflt: string) => z.string().trim().max(120, 'Le titre ne peut dépasser 120 caractères.').default(dflt);
const count = (dflt: number) =>
  z.coerce.number({ error: 'Indiquez un nombre.' }).int('Indiquez un nombre entier.').min(1, 'Au moins 1.').max(10, 'Au plus 10.').default(dflt);

export const NewsSettings = z.object({
  title: title('Actualités'),
  rubricIds: z.array(uuid('Rubrique inconnue.'), { error: 'Choisissez des rubriques.' }).max(20, 'Au plus 20 rubriques.').default([]),
  limit: count(5),
  institutions: z.boolean({ error: 'Oui ou non attendu.' }).default(true),
});
export const LatestSettings = z.object({ title: title('Dernières publications'), limit: count(5) });
export const RubricsSettings = z.object({ title: title('Rubriques') });
export const SelectionSettings = z.object({
  title: title('À la une'),
  ids: z.array(uuid('Article inconnu.'), { error: 'Choisissez des articles.' }).min(1, 'Choisissez au moins un article.').max(12, 'Au plus 12 articles.'),
});
export const TextSettings = z.object({
  title: title(''),
  html: z.string({ error: 'Le texte est obligatoire.' }).max(20_000, 'Le texte ne peut dépasser 20 000 caractères.').refine((h) => sanitizeArticleHtml(h).text.trim() !== '', 'Le texte est vide.'),
});
export const ContactSettings = z.object({
  title: title('Nous contacter'),
  address: z.string().trim().max(300, 'L’adresse ne peut dépasser 300 caractères.').default(''),
  phone: z.string().trim().regex(/^[0-9 +().-]{0,30}$/, 'Numéro de téléphone non valide.').default(''),
  email: z.union([z.literal(''), z.string().trim().email('Adresse électronique non valide.')]).default(''),
  hours: z.string().trim().max(500, 'Les horaires ne peuvent dépasser 500 caractères.').default(''),
  mapQuery: z.string().trim().max(300, 'L’adresse de la carte ne peut dépasser 300 caractères.').default(''),
});
/**
 * Media: an image of the library, or a video hosted elsewhere. A YouTube, Vimeo or Dailymotion video becomes a
 * click-to-load player (video-embed.ts: the player's address is built here from a checked id; nothing is
 * loaded from the host before the visitor clicks); any other https address (PeerTube included) is a link card.
 */
export const MediaSettings = z
  .object({
    title: title(''),
    kind: z.enum(['image', 'video'], { error: 'Choisissez une image ou une vidéo.' }).default('image'),
    mediaId: z.union([z.literal(''), uuid('Choisissez une image de la médiathèque.')]).default(''),
    videoUrl: z.string().trim().max(500, 'L’adresse ne peut dépasser 500 caractères.').default(''),
    alt: z.string().trim().max(500, 'Le texte alternatif ne peut dépasser 500 caractères.').default(''),
    caption: z.string().trim().max(300, 'La légende ne peut dépasser 300 caractères.').default(''),
  })
  .superRefine((s, ctx) => {
    if (s.kind === 'image' && !s.mediaId) ctx.addIssue({ code: 'custom', path: ['mediaId'], message: 'Choisissez une image de la médiathèque.' });
    if (s.kind === 'video') {
      let ok = false;
      try {
        ok = new URL(s.videoUrl).protocol === 'https:';
      } catch {
        /* not a URL */
      }
      if (!ok) ctx.addIssue({ code: 'custom', path: ['videoUrl'], message: 'Indiquez l’adresse https de la vidéo (YouTube, Vimeo, Dailymotion, PeerTube…).' });
      if (!s.caption) ctx.addIssue({ code: 'custom', path: ['caption'], message: 'Une vidéo a besoin d’une légende qui dit ce qu’elle montre.' });
    }
  });
export const SocialSettings = z.object({
  network: z.enum(['facebook', 'x'], { error: 'Choisissez Facebook ou X.' }),
  url: z
    .string({ error: 'L’adresse de la page est obligatoire.' })
    .trim()
    .url('Adresse de page non valide.')
    .refine((u) => /^https:\/\/(www\.)?(facebook\.com|x\.com|twitter\.com)\//i.test(u), 'Indiquez une adresse https de facebook.com ou x.com.'),
  label: z.string({ error: 'Le nom de la page est obligatoire.' }).trim().min(1, 'Le nom de la page est obligatoire.').max(120, 'Le nom ne peut dépasser 120 caractères.'),
});

/** An external RSS or Atom feed (fetched by a job, see external-feed.ts; the tile shows the cached items). */
export const FeedSettings = z.object({
  title: title('Ailleurs sur le web'),
  url: z
    .string({ error: 'L’adresse du flux est obligatoire.' })
    .trim()
    .min(1, 'L’adresse du flux est obligatoire.')
    .max(500, 'L’adresse ne peut dépasser 500 caractères.')
    .superRefine((u, ctx) => {
      const problem = feedUrlError(u);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  limit: count(5),
});

export const NoticesSettings = z.strictObject({}, { error: 'Les annonces n’ont pas de réglage : elles se gèrent dans Annonces.' });
export const AgendaSettings = z.object({ title: title('Agenda'), limit: count(5) });

export const TILE_TYPES = {
  notices: { label: 'Annonces', schema: NoticesSettings },
  news: { label: 'Actualités', schema: NewsSettings },
  latest: { label: 'Dernières publications', schema: LatestSettings },
  rubrics: { label: 'Liste des rubriques', schema: RubricsSettings },
  selection: { label: 'Sélection d’articles', schema: SelectionSettings },
  text: { label: 'Texte mis en forme', schema: TextSettings },
  contact: { label: 'Contact', schema: ContactSettings },
  media: { label: 'Image ou vidéo', schema: MediaSettings },
  feed: { label: 'Flux RSS externe', schema: FeedSettings },
  social: { label: 'Réseau social', schema: SocialSettings },
  agenda: { label: 'Agenda', schema: AgendaSettings },
} as const;

export type TileType = keyof typeof TILE_TYPES;
export const TILE_TYPE_NAMES = Object.keys(TILE_TYPES) as TileType[];

export interface Tile {
  id: string;
  type: TileType;
  width: 1 | 2 | 3;
  hidden: boolean;
  settings: Record<string, unknown>;
}

export const TileSchema = z.object({
  id: uuid('Tuile inconnue.'),
  type: z.enum(TILE_TYPE_NAMES as [TileType, ...TileType[]], { error: 'Type de tuile inconnu.' }),
  width: z.coerce.number().int().min(1, 'Largeur de 1 à 3 colonnes.').max(3, 'Largeur de 1 à 3 colonnes.'),
  hidden: z.boolean().default(false),
  settings: z.record(z.string(), z.unknown()),
});

export type SettingsResult = { ok: true; settings: Record<string, unknown> } | { ok: false; errors: Record<string, string> };

/** Validates a tile's settings against its type: the parsed settings, or a French message per field. */
export function tileSettingsParser(type: string, settings: unknown): SettingsResult {
  const entry = (TILE_TYPES as Record<string, { schema: z.ZodType }>)[type];
  if (!entry) return { ok: false, errors: { type: 'Type de tuile inconnu.' } };
  const r = entry.schema.safeParse(settings ?? {});
  if (r.success) return { ok: true, settings: r.data as Record<string, unknown> };
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? '_');
    errors[key] ??= issue.message;
  }
  return { ok: false, errors };
}

/** What public_homepage() returns, turned into what the tiles show. */
export interface HomeArticle {
  id: string;
  title: string;
  url: string;
  iso: string;
  publish_at: string;
  excerpt: string;
  rubric_id?: string;
  rubric_name?: string;
  picture: Picture | null;
  /** The institution it comes from (institution news), absent for the school's own. */
  source?: string;
}

export interface HomeData {
  articles: HomeArticle[];
  selected: HomeArticle[];
  institutions: HomeArticle[];
  rubrics: { id: string; slug: string; name: string; description: string }[];
  media: Map<string, { id: string; picture: Picture | null; alt: string }>;
  /** The cached items of external feeds, by URL, with their last successful fetch. */
  feeds: Map<string, { items: ExternalItem[]; fetchedAt: Date | null }>;
  contact: { address?: string; phone?: string; email?: string };
  /** Live notices (liveNotices of the notices module), alerts first. */
  notices: unknown[];
  /** Next events (upcomingEvents of the agenda module). */
  events: { starts_at: Date; ends_at: Date | null; all_day: boolean; title: string; place: string }[];
}

export function homeArticleOf(row: any, base = ''): HomeArticle {
  return {
    id: row.id,
    title: row.title,
    url: base + articleUrl(row),
    iso: new Date(row.publish_at).toISOString(),
    publish_at: row.publish_at,
    excerpt: row.summary ? row.summary : excerpt(row.body_start ?? ''),
    rubric_id: row.rubric_id,
    rubric_name: row.rubric_name,
    picture: pictureOf(imageOf(row), 640),
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return '';
  }
}

const byDateDesc = (a: HomeArticle, b: HomeArticle) => (a.iso < b.iso ? 1 : a.iso > b.iso ? -1 : 0);

/** The template variables of one tile: its settings and what it shows. */
export function tileView(tile: Tile, data: HomeData): Record<string, unknown> {
  const s = tile.settings as any;
  switch (tile.type) {
    case 'news': {
      const chosen: string[] = s.rubricIds ?? [];
      const own = data.articles.filter((a) => !chosen.length || chosen.includes(a.rubric_id!));
      const all = s.institutions === false ? own : [...own, ...data.institutions];
      return { articles: all.sort(byDateDesc).slice(0, s.limit ?? 5) };
    }
    case 'latest':
      return { articles: [...data.articles].sort(byDateDesc).slice(0, s.limit ?? 5) };
    case 'rubrics':
      return { rubrics: data.rubrics };
    case 'selection': {
      const byId = new Map(data.selected.map((a) => [a.id, a]));
      return { articles: (s.ids as string[]).map((id) => byId.get(id)).filter(Boolean) };
    }
    case 'text':
      return { html: sanitizeArticleHtml(s.html ?? '').html };
    case 'contact':
      return {
        mapUrl: s.mapQuery || s.address ? `https://www.openstreetmap.org/search?query=${encodeURIComponent(s.mapQuery || s.address)}` : '',
        tel: String(s.phone ?? '').replace(/[^0-9+]/g, ''),
      };
    case 'media': {
      if (s.kind === 'video') {
        let host = '';
        try {
          host = new URL(s.videoUrl).hostname.replace(/^www\./, '');
        } catch {
          /* validated already */
        }
        const embed = videoEmbedOf(s.videoUrl);
        return {
          video: {
            url: s.videoUrl,
            host,
            // Only hosts the CSP lets the page frame get a player; the others stay a link card.
            player: embed?.embeddable ? { embedUrl: embed.embedUrl, site: embed.siteName, title: `Vidéo : ${s.caption}` } : null,
          },
        };
      }
      const m = data.media.get(s.mediaId);
      return { picture: m?.picture ?? null, alt: s.alt || m?.alt || '' };
    }
    case 'feed': {
      const f = data.feeds.get(s.url);
      return { items: (f?.items ?? []).slice(0, s.limit ?? 5), fetchedAt: f?.fetchedAt ?? null, host: hostOf(s.url) };
    }
    case 'notices':
      return { notices: data.notices };
    case 'agenda':
      return { events: data.events.slice(0, s.limit ?? 5).map((e) => ({ ...e, iso: e.starts_at.toISOString() })) };
    case 'social':
      return { networkName: s.network === 'facebook' ? 'Facebook' : 'X (anciennement Twitter)' };
  }
}
