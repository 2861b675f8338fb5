import { AsyncLocalStorage } from 'node:async_hooks';
import { Feed } from 'feed';
import { excerpt } from './sanitize.js';
import { articleUrl, type FeedItem } from './queries.js';

/** What a feed is about: the whole school or one rubric, and where it lives (absolute URLs). */
export interface FeedSource {
  origin: string;
  schoolName: string;
  /** The rubric, or undefined for the whole school. */
  rubric?: { slug: string; name: string; description: string };
  items: FeedItem[];
  // [homepage, issue 4] Institution news: published public articles of the institutions the school depends on.
  institutions?: InstitutionFeedItem[];
}

// [homepage, issue 4] An institution's article in a school's feed: absolute URL on the institution's host,
// marked with its source (category and author). Built by institutionNewsOf() in app/modules/homepage.
export interface InstitutionFeedItem {
  title: string;
  url: string;
  publish_at: Date | string;
  description: string;
  source: string;
  sourceUrl: string;
}

// [homepage, issue 4] The institution news of the request being answered: the homepage router loads them for
// /flux.xml and /flux.atom and runs the rest of the request (this module's sendFeed) inside this scope, so the
// school's whole feed carries them without a second query here. A rubric's feed never does.
export const institutionFeedScope = new AsyncLocalStorage<InstitutionFeedItem[]>();

/**
 * Builds the feed with the `feed` package: absolute links, the article URL as GUID (permanent: the id decides),
 * RFC 822 dates in RSS and RFC 3339 in Atom (the library formats both).
 */
function feedOf(src: FeedSource): Feed {
  const base = src.rubric ? `${src.origin}/rubriques/${src.rubric.slug}` : src.origin;
  const selfPath = src.rubric ? `/rubriques/${src.rubric.slug}/flux` : '/flux';
  const title = src.rubric ? `${src.rubric.name} — ${src.schoolName}` : src.schoolName;
  const newest = src.items[0];
  const feed = new Feed({
    id: src.rubric ? base : `${src.origin}/`,
    title,
    description: src.rubric?.description || (src.rubric ? `Rubrique « ${src.rubric.name} » — ${src.schoolName}` : `Les actualités — ${src.schoolName}`),
    link: src.rubric ? base : `${src.origin}/`,
    language: 'fr',
    updated: newest ? new Date(newest.updated_at > newest.publish_at ? newest.updated_at : newest.publish_at) : undefined,
    generator: 'Préau',
    ttl: 5,
    copyright: src.schoolName,
    feedLinks: { rss: `${src.origin}${selfPath}.xml`, atom: `${src.origin}${selfPath}.atom` },
  });
  for (const a of src.items) {
    const url = `${src.origin}${articleUrl(a)}`;
    feed.addItem({
      title: a.title,
      id: url,
      guid: url,
      link: url,
      date: new Date(a.publish_at),
      published: new Date(a.publish_at),
      description: a.summary || excerpt(a.body_start ?? ''),
      author: a.author ? [{ name: a.author }] : undefined,
      category: src.rubric ? undefined : [{ name: a.rubric_name }],
    });
  }
  // [homepage, issue 4] Institution news after the school's own (each list is newest first).
  for (const a of src.institutions ?? (src.rubric ? [] : (institutionFeedScope.getStore() ?? []))) {
    feed.addItem({
      title: a.title,
      id: a.url,
      guid: a.url,
      link: a.url,
      date: new Date(a.publish_at),
      published: new Date(a.publish_at),
      description: a.description,
      author: [{ name: a.source, link: a.sourceUrl }],
      category: [{ name: `Source : ${a.source}`, domain: a.sourceUrl }],
    });
  }
  return feed;
}

export function rssOf(src: FeedSource): string {
  return feedOf(src).rss2();
}

export function atomOf(src: FeedSource): string {
  return feedOf(src).atom1();
}
