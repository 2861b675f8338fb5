import { describe, expect, it } from 'vitest';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { attach, buildArticle, buildMedia, buildRubric, daysAgo } from '../fixtures/publication-public.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

describe.skipIf(!chromiumAvailable)('a visitor', () => {
  it('reads a rubric, opens an article, and finds another one with the active search', async () => {
    const school = await buildTenant({ name: 'Collège Jean Moulin' });
    const author = await buildMember(school, { firstName: 'Isabelle', lastName: 'Roux' });
    const rubric = await buildRubric(school, { name: 'Vie du collège', description: 'Les projets de l’année.' });
    await buildRubric(school, { name: 'Sorties scolaires', parentId: rubric.id });
    for (let i = 1; i <= 11; i++) await buildArticle(school, rubric.id, { title: `Semaine ${i} au collège`, publishAt: daysAgo(40 - i) });
    const cross = await buildArticle(school, rubric.id, {
      title: 'Le cross du collège',
      summary: 'Tous les élèves ont couru pour une association.',
      body: '<p>Bravo aux <strong>élèves</strong> et aux parents bénévoles.</p><h1>Résultats</h1><p>Les 3e A gagnent le challenge.</p>',
      publishAt: daysAgo(1),
      authorId: author.membershipId,
    });
    await attach(school, cross.id, (await buildMedia(school, { kind: 'file', name: 'Classement.pdf', sizeBytes: 52_000 })).id);
    await buildArticle(school, rubric.id, { title: 'Concert de la chorale', body: '<p>La chorale des élèves chante à l’église.</p>', publishAt: daysAgo(3) });

    const { page, context, problems } = await b.newPage();
    const res = await page.goto(b.url(school, '/rubriques/' + rubric.slug));
    expect(res?.status()).toBe(200);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Vie du collège');
    expect(await page.locator('link[rel="alternate"][type="application/rss+xml"]').count()).toBe(1);
    const pagination = page.getByRole('navigation', { name: 'Pagination des articles' });
    expect(await pagination.getByRole('link', { name: 'Page 1' }).getAttribute('aria-current')).toBe('page');
    expect(await page.getByRole('navigation', { name: 'Sous-rubriques' }).getByRole('link', { name: 'Sorties scolaires' }).count()).toBe(1);
    await expectNoAxeViolations(page, 'rubrique');

    await pagination.getByRole('link', { name: 'Page suivante' }).click();
    await page.waitForURL(/\?page=2$/);
    expect(await page.getByRole('heading', { level: 3 }).allTextContents()).toEqual(['Semaine 3 au collège', 'Semaine 2 au collège', 'Semaine 1 au collège']);
    await expectNoAxeViolations(page, 'rubrique page 2');

    await page.goto(b.url(school, '/rubriques/' + rubric.slug));
    await page.getByRole('link', { name: 'Le cross du collège' }).click();
    await page.waitForURL(new RegExp(`${cross.url}$`));
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Le cross du collège');
    expect(await page.getByRole('heading', { level: 2, name: 'Résultats' }).count()).toBe(1);
    expect(await page.getByText('Isabelle Roux').count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Classement.pdf' }).getAttribute('href')).toMatch(/^\/medias\/[0-9a-f-]{36}\/original$/);
    expect(await page.getByRole('link', { name: /Article précédent/ }).textContent()).toContain('Concert de la chorale');
    expect(await page.locator('meta[property="og:url"]').getAttribute('content')).toBe(b.url(school, cross.url));
    await expectNoAxeViolations(page, 'article');

    // The active search: typing brings results in place, announced, and the address follows.
    await page.goto(b.url(school, '/recherche'));
    await expectNoAxeViolations(page, 'recherche vide');
    await page.evaluate(() => ((window as any).__samePage = true));
    await page.getByLabel('Rechercher dans les articles').pressSequentially('eleves', { delay: 30 });
    await expect.poll(() => page.locator('#resultats .search-hit').count(), { timeout: 5000 }).toBe(2);
    expect(await page.evaluate(() => (window as any).__samePage)).toBe(true);
    await expect.poll(() => page.locator('#annonce').textContent()).toBe('2 articles trouvés pour « eleves »');
    expect(await page.locator('#resultats mark').first().textContent()).toMatch(/élèves/i);
    await expect.poll(() => page.url()).toMatch(/\/recherche\?q=eleves$/);
    await expectNoAxeViolations(page, 'recherche après échange');

    await page.getByLabel('Rechercher dans les articles').fill('chorale');
    await expect.poll(() => page.locator('#annonce').textContent()).toBe('1 article trouvé pour « chorale »');
    await page.locator('#resultats').getByRole('link', { name: 'Concert de la chorale' }).click();
    await page.waitForURL(/\/articles\//);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Concert de la chorale');

    // More than ten matches: ten a page, the next ones through the page links.
    await page.goto(b.url(school, '/recherche?q=college'));
    expect(await page.locator('#resultats h2').textContent()).toBe('12 articles trouvés pour « college »');
    expect(await page.locator('#resultats .search-hit').count()).toBe(10);
    const resultPages = page.getByRole('navigation', { name: 'Pages de résultats' });
    expect(await resultPages.getByRole('link', { name: 'Page 1' }).getAttribute('aria-current')).toBe('page');
    await expectNoAxeViolations(page, 'recherche page 1');
    await resultPages.getByRole('link', { name: 'Page suivante' }).click();
    await page.waitForURL(/\/recherche\?q=college&page=2$/);
    expect(await page.locator('#resultats .search-hit').count()).toBe(2);
    await expectNoAxeViolations(page, 'recherche page 2');

    // Without JavaScript-driven search, the plain form works too (full page).
    await page.goto(b.url(school, '/recherche?q=cross'));
    expect(await page.locator('#resultats .search-hit').count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });
});
