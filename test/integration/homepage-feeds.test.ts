import { parseFeed } from '@rowanmanning/feed-parser';
import { describe, expect, it } from 'vitest';
import { buildTenant } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';
import { buildArticle, buildRubric, daysAgo } from '../fixtures/publication-public.js';

// Institution news in the school's own feeds (/flux.xml, /flux.atom): the same explicit cross-school read as
// the homepage's news tile; absolute URLs on the institution's host; marked with the source.

describe('institution news in the school’s feeds', () => {
  it('a public institution article is in the feeds of a school below it, marked with its source; a private one in none', async () => {
    const academie = await buildTenant({ kind: 'academie', name: 'Académie de test' });
    const school = await buildTenant({ parents: [academie.slug] });
    const unrelated = await buildTenant();
    const pub = await buildRubric(academie, { name: 'Actualités académiques' });
    const priv = await buildRubric(academie, { name: 'Interne', visibility: 'private' });
    const exam = await buildArticle(academie, pub.id, { title: 'Calendrier des examens', publishAt: daysAgo(1) });
    await buildArticle(academie, priv.id, { title: 'Note interne aux chefs', publishAt: daysAgo(1) });
    await buildArticle(academie, pub.id, { title: 'Projet académique', status: 'draft' });
    const own = await buildRubric(school, { name: 'Vie du collège', slug: 'vie' });
    await buildArticle(school, own.id, { title: 'Fête du collège', publishAt: daysAgo(2) });

    const rss = await Client.for(school).get('/flux.xml');
    expect(rss.status).toBe(200);
    const feed = parseFeed(rss.text);
    const titles = feed.items.map((i) => i.title);
    expect(titles).toEqual(['Fête du collège', 'Calendrier des examens']);
    const inst = feed.items[1];
    expect(inst.url).toMatch(new RegExp(`^http://${academie.slug}\\.localhost/articles/${exam.id}/`));
    expect(inst.categories.map((c) => c.label ?? c.term)).toContain('Source : Académie de test');
    expect(rss.text).not.toContain('Note interne aux chefs');
    expect(rss.text).not.toContain('Projet académique');

    const atom = parseFeed((await Client.for(school).get('/flux.atom')).text);
    expect(atom.items.map((i) => i.title)).toEqual(['Fête du collège', 'Calendrier des examens']);
    expect(atom.items[1].url).toMatch(new RegExp(`^http://${academie.slug}\\.localhost/articles/`));

    // A rubric's feed is the rubric's only; a school without that parent shows none of it.
    const rubricFeed = (await Client.for(school).get(`/rubriques/${own.slug}/flux.xml`)).text;
    expect(rubricFeed).toContain('Fête du collège');
    expect(rubricFeed).not.toContain('Calendrier des examens');
    expect((await Client.for(unrelated).get('/flux.xml')).text).not.toContain('Calendrier des examens');
  });
});
