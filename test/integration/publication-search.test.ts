import { describe, expect, it } from 'vitest';
import { config, setConfig } from '../../app/config.js';
import { MAX_WAITING_PER_SLOT, throughSearchGate } from '../../app/modules/publication/search-gate.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';
import { buildArticle, buildRubric, daysAgo } from '../fixtures/publication-public.js';

const hitTitles = (html: string) =>
  [...html.matchAll(/<h3 class="search-hit__title"><a href="[^"]+">(.*?)<\/a><\/h3>/g)].map((m) => m[1].replace(/<\/?mark>/g, ''));
const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'div#resultats' };

describe('/recherche', () => {
  it('shows the form alone when q is empty, cacheable and without cookie', async () => {
    const school = await buildTenant();
    const res = await Client.for(school).get('/recherche');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<label for="q">Rechercher dans les articles</label>');
    expect(res.text).toContain('hx-get="/recherche" hx-trigger="input changed delay:300ms, search" hx-target="#resultats" hx-push-url="true"');
    expect(res.text).not.toContain('search-hit');
    expect(res.text).not.toContain('data-announce');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('finds "élève" when asked "eleve", and "Collège" from "colleges"', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school, { name: 'Actualités' });
    await buildArticle(school, rubric.id, { title: 'Conseil de vie', body: '<p>Les délégués élèves se réunissent jeudi.</p>' });
    await buildArticle(school, rubric.id, { title: 'Le collège rénové', body: '<p>Les travaux sont finis.</p>' });
    await buildArticle(school, rubric.id, { title: 'Cantine', body: '<p>Menus de la semaine.</p>' });
    const c = Client.for(school);
    const res = await c.get('/recherche?q=eleve');
    expect(res.status).toBe(200);
    expect(hitTitles(res.text)).toEqual(['Conseil de vie']);
    expect(res.text).toContain('<mark>élèves</mark>');
    expect(res.text).toContain('1 article trouvé pour « eleve »');
    expect(hitTitles((await c.get('/recherche?q=colleges')).text)).toEqual(['Le collège rénové']);
    const none = await c.get('/recherche?q=piscine');
    expect(none.text).toContain('Aucun article trouvé pour « piscine »');
  });

  it('ranks title matches above body matches, and highlights them', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    await buildArticle(school, rubric.id, { title: 'Sortie au musée', body: '<p>Une journée de découverte, avec un atelier de théâtre.</p>', publishAt: daysAgo(1) });
    await buildArticle(school, rubric.id, { title: 'Festival de théâtre', body: '<p>Le théâtre du collège joue sa pièce, le théâtre est complet.</p>', publishAt: daysAgo(20) });
    const res = await Client.for(school).get('/recherche?q=theatre');
    expect(hitTitles(res.text)).toEqual(['Festival de théâtre', 'Sortie au musée']);
    expect(res.text).toContain('Festival de <mark>théâtre</mark>');
    expect(res.text).toContain('2 articles trouvés pour « theatre »');
  });

  it('escapes the text of articles and of the query, keeping only its own marks', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    // Text that reads like HTML (the sanitizer keeps it as text: &lt;script&gt;), and a forged mark sentinel.
    await buildArticle(school, rubric.id, { title: 'Sécurité <b>web</b> <script>alert(2)</script>', body: '<p>Le code &lt;script&gt;alert(1)&lt;/script&gt; explique la faille \uE000 web.</p>' });
    const res = await Client.for(school).get('/recherche?q=' + encodeURIComponent('faille <>&"'));
    expect(res.status).toBe(200);
    expect(hitTitles(res.text)).toHaveLength(1);
    expect(res.text).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toMatch(/<p class="search-hit__excerpt">[^<]*alert\(1\)[^<]*<mark>faille<\/mark>/);
    expect(res.text).toContain('« faille &lt;&gt;&amp;&quot; »');
    expect(res.text).toContain('Sécurité &lt;b&gt;web&lt;/b&gt;');
    expect(res.text).toContain('<mark>faille</mark>');
    const marks = res.text.match(/<mark>/g)?.length ?? 0;
    expect(res.text.match(/<\/mark>/g)?.length ?? 0).toBe(marks);
  });

  it('finds articles of a private rubric only for its readers, never drafts or another school’s', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const pub = await buildRubric(school);
    const priv = await buildRubric(school, { visibility: 'private', roles: [{ target_type: 'profile', target_value: 'teacher', role: 'reader' }] });
    await buildArticle(school, pub.id, { title: 'Réunion publique des parents' });
    await buildArticle(school, priv.id, { title: 'Réunion des enseignants' });
    await buildArticle(school, pub.id, { title: 'Réunion en brouillon', status: 'draft' });
    await buildArticle(school, pub.id, { title: 'Réunion future', publishAt: new Date(Date.now() + 86_400_000) });
    await buildArticle(other, (await buildRubric(other)).id, { title: 'Réunion ailleurs' });
    const visitor = await Client.for(school).get('/recherche?q=reunion');
    expect(hitTitles(visitor.text)).toEqual(['Réunion publique des parents']);
    const student = await buildMember(school, { profile: 'student' });
    const s = Client.for(school);
    await s.signIn(student.login, student.password);
    expect(hitTitles((await s.get('/recherche?q=reunion')).text)).toEqual(['Réunion publique des parents']);
    const teacher = await buildMember(school, { profile: 'teacher' });
    const t = Client.for(school);
    await t.signIn(teacher.login, teacher.password);
    const seen = await t.get('/recherche?q=reunion');
    expect(hitTitles(seen.text).sort()).toEqual(['Réunion des enseignants', 'Réunion publique des parents']);
    expect(seen.headers['cache-control']).toBe('private, no-store');
  });

  it('answers htmx with the results fragment only, the page otherwise', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    await buildArticle(school, rubric.id, { title: 'Bibliothèque ouverte' });
    const c = Client.for(school);
    const fragment = await c.get('/recherche?q=bibliotheque', htmx);
    expect(fragment.status).toBe(200);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).not.toContain('<form');
    expect(fragment.text).toMatch(/data-announce>1 article trouvé pour « bibliotheque »/);
    expect(hitTitles(fragment.text)).toEqual(['Bibliothèque ouverte']);
    expect(fragment.headers.vary).toMatch(/HX-Request-Type/);
    const restore = await c.get('/recherche?q=bibliotheque', { ...htmx, 'HX-History-Restore-Request': 'true' });
    expect(restore.text).toContain('<html');
    const page = await c.get('/recherche?q=bibliotheque');
    expect(page.text).toContain('<html');
    expect(page.text).toContain('value="bibliotheque"');
  });

  it('refuses a query over 200 characters with 422 and the message beside the field', async () => {
    const school = await buildTenant();
    const c = Client.for(school);
    const long = 'a'.repeat(201);
    const res = await c.get(`/recherche?q=${long}`);
    expect(res.status).toBe(422);
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).toContain('aria-describedby="q-aide q-erreur"');
    expect(res.text).toContain('<p id="q-erreur" class="field-error">La recherche ne doit pas dépasser 200 caractères.</p>');
    expect(res.text).toContain(`value="${long}"`);
    const fragment = await c.get(`/recherche?q=${long}`, htmx);
    expect(fragment.status).toBe(422);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).toContain('La recherche ne doit pas dépasser 200 caractères.');
    expect((await c.get(`/recherche?q=${'a'.repeat(200)}`)).status).toBe(200);
  });

  it('survives odd queries: operators, quotes, a lone minus, repeated q', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    await buildArticle(school, rubric.id, { title: 'Voyage en Italie', body: '<p>Rome et Florence.</p>' });
    const c = Client.for(school);
    for (const q of ['"voyage en"', '-', 'or', 'voyage -rome', '!!!', "'; drop table articles; --", '\\']) {
      const res = await c.get(`/recherche?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
    expect(hitTitles((await c.get('/recherche?q=italie&q=autre')).text)).toEqual(['Voyage en Italie']);
    expect(hitTitles((await c.get('/recherche?q=voyage%20-rome')).text)).toEqual([]);
  });

  it('pages the results ten at a time, best first, each article once, past the last page a 404', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    // 23 matches, the newest first on equal rank: "Atelier 23" … "Atelier 1".
    for (let n = 1; n <= 23; n++) {
      await buildArticle(school, rubric.id, { title: `Atelier ${n}`, body: '<p>Un atelier de robotique au CDI.</p>', publishAt: daysAgo(30 - n) });
    }
    const c = Client.for(school);
    const first = await c.get('/recherche?q=robotique');
    expect(first.status).toBe(200);
    expect(first.text).toContain('23 articles trouvés pour « robotique »');
    expect(hitTitles(first.text)).toEqual(Array.from({ length: 10 }, (_, i) => `Atelier ${23 - i}`));
    expect(first.text).toContain('<nav class="pagination" aria-label="Pages de résultats">');
    expect(first.text).toContain('<a href="/recherche?q=robotique&amp;page=2" rel="next">Page suivante</a>');
    expect(first.text).toContain('<a href="/recherche?q=robotique&amp;page=3"><span class="visually-hidden">Page </span>3</a>');

    const second = await c.get('/recherche?q=robotique&page=2');
    expect(hitTitles(second.text)).toEqual(Array.from({ length: 10 }, (_, i) => `Atelier ${13 - i}`));
    expect(second.text).toContain('<ol class="search-hits" aria-labelledby="resultats-titre" start="11">');
    expect(second.text).toContain('<title>Recherche « robotique » — page 2');
    expect(second.text).toContain('<a href="/recherche?q=robotique" rel="prev">Page précédente</a>');

    const third = await c.get('/recherche?q=robotique&page=3');
    expect(hitTitles(third.text)).toEqual(['Atelier 3', 'Atelier 2', 'Atelier 1']);
    expect(third.text).toContain('23 articles trouvés');
    expect(third.text).not.toContain('rel="next"');

    expect((await c.get('/recherche?q=robotique&page=4')).status).toBe(404);
    expect((await c.get('/recherche?q=robotique&page=0')).status).toBe(404);
    expect((await c.get('/recherche?q=robotique&page=deux')).status).toBe(404);
    // A page given twice is no page, as on rubric pages.
    expect((await c.get('/recherche?q=robotique&page=2&page=3')).status).toBe(404);
    // The query is encoded in the links.
    const accents = await c.get('/recherche?q=' + encodeURIComponent('atelier & robotique'));
    expect(accents.text).toContain('href="/recherche?q=atelier%20%26%20robotique&amp;page=2"');
  });
});

describe('the search gate', () => {
  /** A search the test lets finish when it wants. */
  function heldSearch(log: string[], name: string) {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const done = throughSearchGate(async () => {
      log.push(`start ${name}`);
      await held;
      log.push(`end ${name}`);
      return name;
    });
    return { release, done };
  }

  it('runs at most SEARCH_CONCURRENCY searches at once, the others in their order of arrival', async () => {
    const saved = config();
    setConfig({ ...saved, searchConcurrency: 2 });
    try {
      const log: string[] = [];
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => heldSearch(log, n));
      await new Promise((r) => setTimeout(r, 10));
      expect(log).toEqual(['start a', 'start b']);
      b.release();
      await b.done;
      await new Promise((r) => setTimeout(r, 10));
      expect(log).toEqual(['start a', 'start b', 'end b', 'start c']);
      for (const s of [a, c, d]) s.release();
      expect(await Promise.all([a.done, c.done, d.done])).toEqual(['a', 'c', 'd']);
      expect(log.filter((l) => l.startsWith('start'))).toEqual(['start a', 'start b', 'start c', 'start d']);
    } finally {
      setConfig(saved);
    }
  });

  it('asks a visitor to come back in a moment (503, French page, Retry-After) when too many are waiting', async () => {
    const saved = config();
    setConfig({ ...saved, searchConcurrency: 1 });
    const held: ReturnType<typeof heldSearch>[] = [];
    try {
      const school = await buildTenant();
      const rubric = await buildRubric(school, { name: 'Actualités' });
      await buildArticle(school, rubric.id, { title: 'Sortie au musée', body: '<p>Les élèves de 4e.</p>' });
      const log: string[] = [];
      // One running and MAX_WAITING_PER_SLOT waiting: the next is refused at once.
      for (let i = 0; i <= MAX_WAITING_PER_SLOT; i++) held.push(heldSearch(log, `s${i}`));
      const busy = await Client.for(school).get('/recherche?q=musee');
      expect(busy.status).toBe(503);
      expect(busy.headers['retry-after']).toBe('2');
      expect(busy.text).toContain('Service momentanément indisponible');
      expect(log).toEqual(['start s0']);
      // Once they are done, the same search answers.
      for (const s of held) s.release();
      await Promise.all(held.map((s) => s.done));
      const ok = await Client.for(school).get('/recherche?q=musee');
      expect(ok.status).toBe(200);
      expect(hitTitles(ok.text)).toEqual(['Sortie au musée']);
    } finally {
      for (const s of held) s.release();
      setConfig(saved);
    }
  });
});
