import { XMLParser } from 'fast-xml-parser';
import { parseFeed } from '@rowanmanning/feed-parser';
import { describe, expect, it } from 'vitest';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';
import { buildArticle, buildRubric, daysAgo } from '../fixtures/publication-public.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' });
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
// RFC 822 as RSS 2.0 wants it: "Tue, 03 Mar 2026 10:00:00 GMT".
const RFC822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$/;

async function school() {
  const tenant = await buildTenant({ name: 'Collège des Tilleuls' });
  const author = await buildMember(tenant, { firstName: 'Antoine', lastName: 'Moreau' });
  const news = await buildRubric(tenant, { name: 'Actualités' });
  const life = await buildRubric(tenant, { name: 'Vie du collège' });
  const priv = await buildRubric(tenant, { name: 'Réservé', visibility: 'private', roles: [{ target_type: 'profile', target_value: 'teacher', role: 'reader' }] });
  const archived = await buildRubric(tenant, { name: 'Ancienne rubrique', archived: true });
  const a1 = await buildArticle(tenant, news.id, { title: 'Rentrée scolaire', summary: 'Tout sur la rentrée.', publishAt: daysAgo(3), authorId: author.membershipId });
  const a2 = await buildArticle(tenant, life.id, { title: 'Le club théâtre & la chorale', publishAt: daysAgo(1) });
  await buildArticle(tenant, news.id, { title: 'Brouillon secret', status: 'draft' });
  await buildArticle(tenant, news.id, { title: 'Futur secret', publishAt: new Date(Date.now() + 86_400_000) });
  await buildArticle(tenant, priv.id, { title: 'Privé secret' });
  await buildArticle(tenant, archived.id, { title: 'Archivé secret' });
  return { tenant, news, life, priv, archived, a1, a2 };
}

describe('RSS and Atom feeds', () => {
  it('the school feed: RSS 2.0 with live public articles only, newest first, absolute links, GUIDs and RFC 822 dates', async () => {
    const s = await school();
    const res = await Client.for(s.tenant).get('/flux.xml');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    expect(res.headers['set-cookie']).toBeUndefined();
    const doc = parser.parse(res.text);
    expect(doc.rss['@version']).toBe('2.0');
    const channel = doc.rss.channel;
    expect(channel.title).toBe('Collège des Tilleuls');
    expect(channel.link).toBe(`http://${s.tenant.slug}.localhost/`);
    const items = list<any>(channel.item);
    expect(items.map((i) => i.title)).toEqual(['Le club théâtre & la chorale', 'Rentrée scolaire']);
    expect(res.text).not.toContain('secret');
    const base = `http://${s.tenant.slug}.localhost`;
    expect(items[1].link).toBe(`${base}${s.a1.url}`);
    expect(items[1].guid['#text'] ?? items[1].guid).toBe(`${base}${s.a1.url}`);
    expect(items[1].description).toContain('Tout sur la rentrée.');
    for (const i of items) {
      expect(i.pubDate).toMatch(RFC822);
      expect(new Date(i.pubDate).getTime()).not.toBeNaN();
    }
    expect(Math.abs(new Date(items[1].pubDate).getTime() - daysAgo(3).getTime())).toBeLessThan(60_000);
    // The articles' pages exist at the feed's links.
    expect((await Client.for(s.tenant).get(new URL(items[0].link).pathname)).status).toBe(200);
  });

  it('a rubric feed holds that rubric only; private, archived and unknown rubrics have none', async () => {
    const s = await school();
    const c = Client.for(s.tenant);
    const res = await c.get(`/rubriques/${s.news.slug}/flux.xml`);
    expect(res.status).toBe(200);
    const items = list<any>(parser.parse(res.text).rss.channel.item);
    expect(items.map((i) => i.title)).toEqual(['Rentrée scolaire']);
    expect(parser.parse(res.text).rss.channel.title).toBe('Actualités — Collège des Tilleuls');
    expect((await c.get(`/rubriques/${s.priv.slug}/flux.xml`)).status).toBe(404);
    expect((await c.get(`/rubriques/${s.archived.slug}/flux.xml`)).status).toBe(404);
    expect((await c.get('/rubriques/nulle-part/flux.xml')).status).toBe(404);
    // Not even for a signed-in reader of the private rubric: feed readers have no session.
    const teacher = await buildMember(s.tenant, { profile: 'teacher' });
    await c.signIn(teacher.login, teacher.password);
    expect((await c.get(`/rubriques/${s.priv.slug}/flux.xml`)).status).toBe(404);
  });

  it('keeps the 20 newest items', async () => {
    const tenant = await buildTenant();
    const rubric = await buildRubric(tenant);
    for (let i = 1; i <= 23; i++) await buildArticle(tenant, rubric.id, { title: `N${i}`, publishAt: daysAgo(30 - i) });
    const items = list<any>(parser.parse((await Client.for(tenant).get(`/rubriques/${rubric.slug}/flux.xml`)).text).rss.channel.item);
    expect(items).toHaveLength(20);
    expect(items[0].title).toBe('N23');
    expect(items[19].title).toBe('N4');
  });

  it('serves Atom too, with the same items', async () => {
    const s = await school();
    const res = await Client.for(s.tenant).get('/flux.atom');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const feed = parser.parse(res.text).feed;
    expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
    const entries = list<any>(feed.entry);
    expect(entries.map((e) => e.title['#text'] ?? e.title)).toEqual(['Le club théâtre & la chorale', 'Rentrée scolaire']);
    expect(entries[1].id).toBe(`http://${s.tenant.slug}.localhost${s.a1.url}`);
    expect(new Date(entries[1].updated).getTime()).not.toBeNaN();
    const rubric = await Client.for(s.tenant).get(`/rubriques/${s.life.slug}/flux.atom`);
    expect(list<any>(parser.parse(rubric.text).feed.entry)).toHaveLength(1);
  });

  it('does not show another school’s articles', async () => {
    const s = await school();
    const other = await buildTenant();
    const res = await Client.for(other).get('/flux.xml');
    expect(res.status).toBe(200);
    expect(list(parser.parse(res.text).rss.channel.item)).toEqual([]);
    expect((await Client.for(other).get(`/rubriques/${s.news.slug}/flux.xml`)).status).toBe(404);
  });
});

describe('the feeds as a feed reader reads them', () => {
  it('@rowanmanning/feed-parser reads the RSS and Atom feeds: title, absolute links, ids and dates of each item', async () => {
    const s = await school();
    const base = `http://${s.tenant.slug}.localhost`;
    for (const [path, format] of [['/flux.xml', 'rss'], ['/flux.atom', 'atom']] as const) {
      const feed = parseFeed((await Client.for(s.tenant).get(path)).text);
      expect(feed.meta.type).toBe(format);
      expect(feed.title).toBe('Collège des Tilleuls');
      expect(feed.items.map((i) => i.title)).toEqual(['Le club théâtre & la chorale', 'Rentrée scolaire']);
      expect(feed.items.map((i) => i.url)).toEqual([`${base}${s.a2.url}`, `${base}${s.a1.url}`]);
      expect(feed.items[1].id).toBe(`${base}${s.a1.url}`);
      expect(Math.abs(feed.items[1].published!.getTime() - daysAgo(3).getTime())).toBeLessThan(60_000);
      expect(feed.items[0].published!.getTime()).toBeGreaterThan(feed.items[1].published!.getTime());
    }
  });
});
