import { afterEach, describe, expect, it } from 'vitest';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { addToClass, buildClass, buildMember, buildTenant } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';
import { attach, buildArticle, buildMedia, buildRubric, daysAgo } from '../fixtures/publication-public.js';

afterEach(() => resetClock());

const titlesOf = (html: string) => [...html.matchAll(/<h3 id="article-[^"]+" class="article-card__title"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);

describe('/rubriques/:slug', () => {
  it('lists only live articles, newest first, with excerpt, date, image, sub-rubrics and the feed link; no cookie', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school, { name: 'Vie du collège', description: 'Ce qui se passe au collège.' });
    await buildRubric(school, { name: 'Sorties', parentId: rubric.id });
    await buildRubric(school, { name: 'Sous-rubrique archivée', parentId: rubric.id, archived: true });
    await buildRubric(school, { name: 'Sous-rubrique privée', parentId: rubric.id, visibility: 'private' });
    const image = await buildMedia(school);
    await buildArticle(school, rubric.id, { title: 'Ancien', publishAt: daysAgo(10), summary: 'Le résumé choisi.' });
    await buildArticle(school, rubric.id, { title: 'Récent', publishAt: daysAgo(1), body: '<p>Un texte sans résumé qui sert d’extrait.</p>', mainImageId: image.id, mainImageAlt: 'Des élèves au CDI' });
    await buildArticle(school, rubric.id, { title: 'Brouillon', status: 'draft' });
    await buildArticle(school, rubric.id, { title: 'Programmé', publishAt: new Date(Date.now() + 86_400_000) });
    await buildArticle(school, rubric.id, { title: 'Expiré', publishAt: daysAgo(5), expireAt: daysAgo(1) });
    await buildArticle(school, rubric.id, { title: 'À la corbeille', deleted: true });
    const res = await Client.for(school).get(`/rubriques/${rubric.slug}`);
    expect(res.status).toBe(200);
    expect(titlesOf(res.text)).toEqual(['Récent', 'Ancien']);
    expect(res.text).toContain('<h1>Vie du collège');
    expect(res.text).toContain('Le résumé choisi.');
    expect(res.text).toContain('Un texte sans résumé qui sert d’extrait.');
    expect(res.text).toContain(`srcset="/medias/${image.id}/320.webp 320w, /medias/${image.id}/640.webp 640w"`);
    expect(res.text).toContain('alt="Des élèves au CDI"');
    expect(res.text).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[^"]+">\d{1,2} \p{L}+ \d{4}<\/time>/u);
    expect(res.text).toContain('>Sorties</a>');
    expect(res.text).not.toContain('Sous-rubrique archivée');
    expect(res.text).not.toContain('Sous-rubrique privée');
    expect(res.text).toContain(`<link rel="alternate" type="application/rss+xml" title="Vie du collège — flux RSS" href="/rubriques/${rubric.slug}/flux.xml">`);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('paginates by 10 with an accessible navigation, and 404s past the last page or on a bad page number', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    for (let i = 1; i <= 23; i++) await buildArticle(school, rubric.id, { title: `Numéro ${String(i).padStart(2, '0')}`, publishAt: daysAgo(30 - i) });
    const c = Client.for(school);
    const first = await c.get(`/rubriques/${rubric.slug}`);
    expect(titlesOf(first.text)).toEqual(Array.from({ length: 10 }, (_, i) => `Numéro ${String(23 - i).padStart(2, '0')}`));
    expect(first.text).toContain('<nav class="pagination" aria-label="Pagination des articles">');
    expect(first.text).toMatch(/aria-current="page"><span class="visually-hidden">Page <\/span>1<\/a>/);
    expect(first.text).toContain(`href="/rubriques/${rubric.slug}?page=2" rel="next"`);
    const third = await c.get(`/rubriques/${rubric.slug}?page=3`);
    expect(third.status).toBe(200);
    expect(titlesOf(third.text)).toEqual(['Numéro 03', 'Numéro 02', 'Numéro 01']);
    expect(third.text).toContain(`<title>${rubric.name} — page 3`);
    expect(third.text).not.toContain('rel="next"');
    expect((await c.get(`/rubriques/${rubric.slug}?page=4`)).status).toBe(404);
    expect((await c.get(`/rubriques/${rubric.slug}?page=abc`)).status).toBe(404);
    expect((await c.get(`/rubriques/${rubric.slug}?page=0`)).status).toBe(404);
    expect((await c.get(`/rubriques/${rubric.slug}?page=2&page=3`)).status).toBe(404);
  });

  it('hides a private rubric (404) from visitors and members without a role, shows it to its readers', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school, { name: 'Espace des enseignants', visibility: 'private', roles: [{ target_type: 'profile', target_value: 'teacher', role: 'reader' }] });
    await buildArticle(school, rubric.id, { title: 'Conseil pédagogique' });
    expect((await Client.for(school).get(`/rubriques/${rubric.slug}`)).status).toBe(404);
    const student = await buildMember(school, { profile: 'student' });
    const asStudent = Client.for(school);
    await asStudent.signIn(student.login, student.password);
    expect((await asStudent.get(`/rubriques/${rubric.slug}`)).status).toBe(404);
    const teacher = await buildMember(school, { profile: 'teacher' });
    const asTeacher = Client.for(school);
    await asTeacher.signIn(teacher.login, teacher.password);
    const page = await asTeacher.get(`/rubriques/${rubric.slug}`);
    expect(page.status).toBe(200);
    expect(titlesOf(page.text)).toEqual(['Conseil pédagogique']);
    expect(page.headers['cache-control']).toBe('private, no-store');
    // No feed for a private rubric, not even for its readers.
    expect(page.text).not.toContain('application/rss+xml');
  });

  it('answers 404 for an archived rubric, an unknown slug and another school’s rubric', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const archived = await buildRubric(school, { archived: true });
    const elsewhere = await buildRubric(other, { slug: `ailleurs-${Date.now()}` });
    const c = Client.for(school);
    expect((await c.get(`/rubriques/${archived.slug}`)).status).toBe(404);
    expect((await c.get('/rubriques/inconnue')).status).toBe(404);
    expect((await c.get(`/rubriques/${elsewhere.slug}`)).status).toBe(404);
    expect((await Client.for(other).get(`/rubriques/${elsewhere.slug}`)).status).toBe(200);
  });
});

describe('/articles/:id/:slug', () => {
  it('shows title, date, author name, body inside hx-ignore, picture, attachments, neighbours and Open Graph tags', async () => {
    const school = await buildTenant();
    const author = await buildMember(school, { firstName: 'Isabelle', lastName: 'Roux' });
    const rubric = await buildRubric(school, { name: 'Actualités' });
    const image = await buildMedia(school);
    const pdf = await buildMedia(school, { kind: 'file', name: 'Menu de la semaine.pdf', mime: 'application/pdf', sizeBytes: 1_468_006 });
    const doc = await buildMedia(school, { kind: 'file', name: 'Autorisation.docx', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', sizeBytes: 20_480 });
    const older = await buildArticle(school, rubric.id, { title: 'Plus ancien', publishAt: daysAgo(9) });
    const article = await buildArticle(school, rubric.id, {
      title: 'Le cross du collège',
      summary: 'Tous les élèves ont couru.',
      body: '<h1>Résultats</h1><p>Bravo à <strong>tous</strong>.</p>',
      publishAt: daysAgo(5),
      authorId: author.membershipId,
      mainImageId: image.id,
      mainImageAlt: 'Le départ de la course',
    });
    const newer = await buildArticle(school, rubric.id, { title: 'Plus récent', publishAt: daysAgo(2) });
    await attach(school, article.id, pdf.id, 0);
    await attach(school, article.id, doc.id, 1);
    const res = await Client.for(school).get(article.url);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h1 id="article-titre">Le cross du collège</h1>');
    expect(res.text).toContain('<span class="article__author">Isabelle Roux</span>');
    expect(res.text).not.toContain(author.login);
    expect(res.text).toContain('<div class="article__body prose" hx-ignore><h2>Résultats</h2><p>Bravo à <strong>tous</strong>.</p></div>');
    expect(res.text).toContain(`<source type="image/webp" srcset="/medias/${image.id}/320.webp 320w, /medias/${image.id}/640.webp 640w, /medias/${image.id}/1024.webp 1024w, /medias/${image.id}/1400.webp 1400w"`);
    expect(res.text).toContain(`src="/medias/${image.id}/640.jpg"`);
    expect(res.text).toContain('alt="Le départ de la course" width="1400" height="933"');
    expect(res.text).toContain(`<a href="/medias/${pdf.id}/original" download>Menu de la semaine.pdf</a> <span class="attachments__info">(PDF, 1,4 Mo)</span>`);
    expect(res.text).toContain(`<a href="/medias/${doc.id}/original" download>Autorisation.docx</a> <span class="attachments__info">(Word, 20 Ko)</span>`);
    expect(res.text.indexOf('Menu de la semaine')).toBeLessThan(res.text.indexOf('Autorisation.docx'));
    expect(res.text).toContain(`href="${older.url}" rel="prev"`);
    expect(res.text).toContain(`href="${newer.url}" rel="next"`);
    const host = `http://${school.slug}.localhost`;
    expect(res.text).toContain('<meta property="og:type" content="article">');
    expect(res.text).toContain('<meta property="og:title" content="Le cross du collège">');
    expect(res.text).toContain('<meta property="og:description" content="Tous les élèves ont couru.">');
    expect(res.text).toContain(`<meta property="og:url" content="${host}${article.url}">`);
    expect(res.text).toContain(`<meta property="og:image" content="${host}/medias/${image.id}/1400.jpg">`);
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('gives a decorative main image an empty alt', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    const image = await buildMedia(school);
    const a = await buildArticle(school, rubric.id, { mainImageId: image.id, mainImageAlt: 'ignoré', mainImageDecorative: true });
    const res = await Client.for(school).get(a.url);
    expect(res.text).toContain('alt="" width="1400"');
    expect(res.text).not.toContain('ignoré');
  });

  it('redirects (301) a wrong or missing slug to the canonical address', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    const a = await buildArticle(school, rubric.id, { title: 'Portes ouvertes' });
    const c = Client.for(school);
    const wrong = await c.get(`/articles/${a.id}/ancien-titre`);
    expect(wrong.status).toBe(301);
    expect(wrong.headers.location).toBe(`/articles/${a.id}/portes-ouvertes`);
    const bare = await c.get(`/articles/${a.id}`);
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe(`/articles/${a.id}/portes-ouvertes`);
  });

  it('answers 404 for drafts, submitted, expired, trashed articles and ids that are not UUIDs', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    const c = Client.for(school);
    for (const opts of [{ status: 'draft' as const }, { status: 'submitted' as const }, { expireAt: daysAgo(0.5) }, { deleted: true }, { status: 'archived' as const, publishAt: daysAgo(3) }]) {
      const a = await buildArticle(school, rubric.id, opts);
      expect((await c.get(a.url)).status, JSON.stringify(opts)).toBe(404);
    }
    expect((await c.get('/articles/pas-un-uuid/titre')).status).toBe(404);
    expect((await c.get("/articles/1'or'1'='1/x")).status).toBe(404);
    expect((await c.get('/articles/00000000-0000-4000-8000-000000000000/x')).status).toBe(404);
  });

  it('shows a scheduled article only once its time has come', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    const a = await buildArticle(school, rubric.id, { title: 'Programmé', publishAt: new Date(Date.now() + 3600_000) });
    const c = Client.for(school);
    expect((await c.get(a.url)).status).toBe(404);
    expect(titlesOf((await c.get(`/rubriques/${rubric.slug}`)).text)).toEqual([]);
    advanceClock(3600_000 + 1000);
    expect((await c.get(a.url)).status).toBe(200);
    expect(titlesOf((await c.get(`/rubriques/${rubric.slug}`)).text)).toEqual(['Programmé']);
  });

  it('hides an article of a private rubric from those who may not read it, and of an archived rubric from all', async () => {
    const school = await buildTenant();
    const cls = await buildClass(school);
    const priv = await buildRubric(school, { visibility: 'private', roles: [{ target_type: 'class', target_value: cls.id, role: 'reader' }] });
    const a = await buildArticle(school, priv.id, { title: 'Sortie de la classe' });
    expect((await Client.for(school).get(a.url)).status).toBe(404);
    const outsider = await buildMember(school, { profile: 'student' });
    const out = Client.for(school);
    await out.signIn(outsider.login, outsider.password);
    expect((await out.get(a.url)).status).toBe(404);
    const pupil = await buildMember(school, { profile: 'student' });
    await addToClass(school, cls.id, pupil.membershipId);
    const inside = Client.for(school);
    await inside.signIn(pupil.login, pupil.password);
    const seen = await inside.get(a.url);
    expect(seen.status).toBe(200);
    expect(seen.headers['cache-control']).toBe('private, no-store');
    const archived = await buildRubric(school, { archived: true });
    const gone = await buildArticle(school, archived.id);
    expect((await Client.for(school).get(gone.url)).status).toBe(404);
  });

  it('answers 404 for another school’s article', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const a = await buildArticle(other, (await buildRubric(other)).id);
    expect((await Client.for(school).get(a.url)).status).toBe(404);
    expect((await Client.for(other).get(a.url)).status).toBe(200);
  });
});
