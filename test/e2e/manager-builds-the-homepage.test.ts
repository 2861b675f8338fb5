import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { buildArticle, buildRubric } from '../fixtures/publication-public.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

const tileTitles = (page: import('playwright-core').Page) => page.locator('.builder-tile__title').allTextContents();

describe.skipIf(!chromiumAvailable)('the head of school', () => {
  it('builds the homepage with the keyboard: adds, edits (with a refusal), reorders, deletes and undoes, previews and publishes', async () => {
    const school = await buildTenant({ name: 'Collège Jules Ferry' });
    const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
    const rubric = await buildRubric(school, { name: 'Vie du collège' });
    await buildArticle(school, rubric.id, { title: 'Le cross du collège' });
    const { page, context, problems } = await b.newPage();
    await page.goto(b.url(school, `/connexion?suite=${encodeURIComponent('/publication/accueil')}`));
    await page.getByLabel('Identifiant').fill(head.login);
    await page.getByLabel('Mot de passe').fill(head.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL((u) => u.pathname === '/publication/accueil');
    expect(await page.getByRole('heading', { name: 'Restez simple' }).count()).toBe(1);
    expect(await tileTitles(page)).toEqual(['1. Annonces', '2. Actualités — Actualités', '3. Agenda — Agenda', '4. Contact — Nous contacter']);
    await expectNoAxeViolations(page, 'builder');

    // Add a formatted text tile.
    await page.getByLabel('Type de tuile').selectOption('text');
    await page.getByRole('button', { name: 'Choisir' }).press('Enter');
    await page.waitForURL(/nouvelle-tuile/);
    await expectNoAxeViolations(page, 'new tile');
    await page.getByLabel('Titre de la tuile').fill('Mot de la principale');
    await page.getByRole('button', { name: 'Ajouter au brouillon' }).click();
    expect(await page.locator('#nouvelle-html-error').textContent()).toContain('Le texte est vide.');
    await expectNoAxeViolations(page, 'new tile refused');
    await page.getByLabel('Texte (HTML simple').fill('<p>Bienvenue à toutes et à tous.</p>');
    await page.getByRole('button', { name: 'Ajouter au brouillon' }).click();
    await page.waitForURL((u) => u.pathname === '/publication/accueil');
    expect((await tileTitles(page))[4]).toBe('5. Texte mis en forme — Mot de la principale');

    // Edit the contact inline (htmx): a bad address is refused beside the field and focused.
    await page.getByText('Modifier la tuile 4').click();
    const email = page.locator('.builder-tile').nth(3).getByLabel('Courriel');
    await email.fill('pas-une-adresse');
    await page.getByRole('button', { name: 'Enregistrer la tuile 4' }).click();
    await expect.poll(() => page.locator('.builder-tile').nth(3).locator('.field-error').textContent()).toContain('Adresse électronique non valide.');
    expect(await page.locator('.builder-tile').nth(3).getByLabel('Courriel').getAttribute('aria-invalid')).toBe('true');
    await expectNoAxeViolations(page, 'inline refusal');
    await page.locator('.builder-tile').nth(3).getByLabel('Courriel').fill('ce.0000000a@ac-demo.fr');
    await page.getByRole('button', { name: 'Enregistrer la tuile 4' }).click();
    await expect.poll(() => page.locator('[data-announce]').textContent()).toContain('Tuile enregistrée');

    // Move the text tile up twice with the keyboard.
    await page.getByRole('button', { name: 'Monter la tuile 5' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => tileTitles(page)).toContain('4. Texte mis en forme — Mot de la principale');
    await page.getByRole('button', { name: 'Monter la tuile 4' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => tileTitles(page)).toContain('3. Texte mis en forme — Mot de la principale');

    // Delete the agenda, then undo.
    await page.getByRole('button', { name: 'Supprimer la tuile 4' }).click();
    await expect.poll(() => tileTitles(page)).toHaveLength(4);
    await page.getByRole('button', { name: 'Annuler la suppression' }).click();
    await expect.poll(() => tileTitles(page)).toHaveLength(5);
    await expectNoAxeViolations(page, 'after undo');

    // Preview, then publish; a visitor sees it.
    await page.getByRole('link', { name: 'Aperçu du brouillon' }).click();
    await page.waitForURL(/apercu/);
    expect(await page.getByText('Bienvenue à toutes et à tous.').count()).toBe(1);
    await expectNoAxeViolations(page, 'preview');
    await page.goBack();
    await page.getByRole('button', { name: 'Publier le brouillon' }).click();
    await page.waitForURL((u) => u.pathname === '/publication/accueil');
    expect(await page.getByText('En ligne, publiée le').count()).toBe(1);
    // The one refused inline save is expected (htmx swaps the 422 with its messages).
    expect(problems.filter((p) => !/^422 .*\/publication\/accueil\/tuiles\//.test(p))).toEqual([]);
    await context.close();

    const visitor = await b.newPage();
    await visitor.page.goto(b.url(school, '/'));
    expect(await visitor.page.getByRole('heading', { name: 'Mot de la principale' }).count()).toBe(1);
    expect(await visitor.page.getByRole('link', { name: 'Le cross du collège' }).count()).toBe(1);
    // The map is behind a click: no request to OpenStreetMap before.
    await visitor.page.getByText('Afficher le plan d’accès').click();
    expect(await visitor.page.getByRole('link', { name: /Voir l’adresse sur OpenStreetMap/ }).isVisible()).toBe(true);
    await expectNoAxeViolations(visitor.page, 'published homepage');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });

  it('drags a tile with the mouse (SortableJS); the order is saved; sets a banner after a refusal; axe stays clean', async () => {
    const school = await buildTenant({ name: 'Collège Marie Curie' });
    const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
    const { page, context, problems } = await b.newPage();
    await page.goto(b.url(school, `/connexion?suite=${encodeURIComponent('/publication/accueil')}`));
    await page.getByLabel('Identifiant').fill(head.login);
    await page.getByLabel('Mot de passe').fill(head.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL((u) => u.pathname === '/publication/accueil');
    await page.waitForFunction(() => !!(window as any).Sortable && !!document.querySelector('[data-sortable-ready]'));

    // Drag the contact tile (4th) by its handle above the news tile (2nd): both on screen.
    await page.setViewportSize({ width: 1280, height: 2000 });
    await page.locator('.builder-tiles').scrollIntoViewIfNeeded();
    const handle = page.locator('.builder-tile').nth(3).locator('.builder-tile__handle');
    const target = page.locator('.builder-tile').nth(1);
    const from = (await handle.boundingBox())!;
    const to = (await target.boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    // Slowly, as a hand would: Sortable animates the tiles it passes (150 ms), and a pointer that outruns the
    // animation lands one place off on a loaded machine. Then rest over the target before letting go.
    const x = from.x + from.width / 2;
    for (let i = 1; i <= 20; i++) {
      await page.mouse.move(x, from.y + (to.y + 10 - from.y) * (i / 20), { steps: 2 });
      await page.waitForTimeout(25);
    }
    await page.waitForTimeout(400);
    await page.mouse.move(x, to.y + 8, { steps: 2 });
    await page.waitForTimeout(200);
    await page.mouse.up();
    await expect.poll(() => tileTitles(page)).toEqual(['1. Annonces', '2. Contact — Nous contacter', '3. Actualités — Actualités', '4. Agenda — Agenda']);
    await expect.poll(() => page.locator('[data-announce]').textContent()).toContain('Tuile déplacée en position 2.');
    // Saved: the order survives a reload.
    await page.reload();
    expect(await tileTitles(page)).toEqual(['1. Annonces', '2. Contact — Nous contacter', '3. Actualités — Actualités', '4. Agenda — Agenda']);
    await expectNoAxeViolations(page, 'after drag and drop');

    // The banner: without its alternative text it is refused beside the field; then accepted.
    const png = await sharp({ create: { width: 1600, height: 600, channels: 3, background: { r: 200, g: 120, b: 40 } } }).png().toBuffer();
    await page.getByLabel(/^Image \(recadrée/).setInputFiles({ name: 'cour.png', mimeType: 'image/png', buffer: png });
    await page.getByRole('button', { name: 'Enregistrer la bannière dans le brouillon' }).click();
    await expect.poll(() => page.locator('#banner-alt-error').textContent()).toContain('texte alternatif');
    await expectNoAxeViolations(page, 'banner refused');
    await page.getByLabel(/^Image \(recadrée/).setInputFiles({ name: 'cour.png', mimeType: 'image/png', buffer: png });
    await page.getByLabel('Texte alternatif (ce que montre l’image)').fill('La cour au soleil');
    await page.getByRole('button', { name: 'Enregistrer la bannière dans le brouillon' }).click();
    await expect.poll(() => page.getByText('Texte alternatif : « La cour au soleil »').count()).toBe(1);
    await expectNoAxeViolations(page, 'banner set');
    await page.getByRole('button', { name: 'Publier le brouillon' }).click();
    await page.waitForURL((u) => u.pathname === '/publication/accueil');
    expect(problems.filter((p) => !/^422 .*\/publication\/accueil\/banniere/.test(p))).toEqual([]);
    await context.close();

    // A visitor sees the banner (its image served to everybody) with its alternative text.
    const visitor = await b.newPage();
    await visitor.page.goto(b.url(school, '/'));
    const banner = visitor.page.locator('.home-banner img');
    expect(await banner.getAttribute('alt')).toBe('La cour au soleil');
    await expect.poll(() => banner.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
    await expectNoAxeViolations(visitor.page, 'homepage with its banner');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });
});

