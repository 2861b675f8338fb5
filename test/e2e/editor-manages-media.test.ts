import { describe, expect, it } from 'vitest';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { jpegWithGps } from '../fixtures/images.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

describe.skipIf(!chromiumAvailable)('an editor', () => {
  it('uploads an image with its alternative text in the media library, sees it listed, and fixes its text inline', async () => {
    const school = await buildTenant();
    const editor = await buildMember(school, { profile: 'staff', functions: ['head'] });
    const { page, context, problems } = await b.newPage();
    await page.goto(b.url(school, '/connexion?suite=%2Fpublication%2Fmedias'));
    await page.getByLabel('Identifiant').fill(editor.login);
    await page.getByLabel('Mot de passe').fill(editor.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/publication\/medias$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Médiathèque');
    await expect.poll(() => page.getByText(/Espace utilisé : 0 octets sur 2 Go/).count()).toBe(1);
    await expectNoAxeViolations(page, 'publication/medias (empty)');
    await page.evaluate(() => ((window as any).__sameDocument = true));

    await page.getByLabel('Texte alternatif', { exact: true }).fill('Les élèves de 4e au musée des Beaux-Arts');
    await page.getByLabel('Fichier', { exact: true }).setInputFiles({ name: 'sortie-musee.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps({ width: 1000, height: 700 }) });
    await page.getByRole('button', { name: 'Envoyer le fichier' }).click();

    const list = page.locator('#media-results');
    await expect.poll(() => list.getByRole('listitem').allTextContents()).toContainEqual(expect.stringContaining('sortie-musee.jpg'));
    await expect.poll(() => page.locator('#annonce').textContent()).toBe('Fichier « sortie-musee.jpg » ajouté à la médiathèque.');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('media-list-title');
    // The thumbnail is served (to this member) and decoded by the browser.
    const thumb = list.locator('img.media-item__thumb').first();
    await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(320);
    const [row] = await rowsOf(school, 'media');
    expect(row).toMatchObject({ name: 'sortie-musee.jpg', alt: 'Les élèves de 4e au musée des Beaux-Arts', kind: 'image' });
    await expectNoAxeViolations(page, 'publication/medias after an upload');

    // Inline edit of the alternative text, announced, the focus kept in the form.
    const alt = page.getByLabel('Texte alternatif de sortie-musee.jpg');
    await alt.fill('Des élèves de 4e devant un tableau');
    await page.getByRole('button', { name: 'Enregistrer le texte alternatif de sortie-musee.jpg' }).click();
    await expect.poll(() => page.locator('#annonce').textContent()).toBe('Texte alternatif de « sortie-musee.jpg » enregistré.');
    await expect.poll(async () => (await rowsOf(school, 'media'))[0].alt).toBe('Des élèves de 4e devant un tableau');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('alt');

    // Active search: the results follow what is typed.
    await page.getByLabel('Rechercher par nom').fill('cantine');
    await expect.poll(() => list.textContent()).toContain('Aucun média ne correspond à « cantine ».');
    await page.getByLabel('Rechercher par nom').fill('musee');
    await expect.poll(() => list.getByRole('listitem').count()).toBe(1);
    await expectNoAxeViolations(page, 'publication/medias after a search');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);

    // A refused file: the message beside the field, focus on it.
    await page.getByLabel('Fichier', { exact: true }).setInputFiles({ name: 'faux.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('<html><script>alert(1)</script></html>') });
    await page.getByRole('button', { name: 'Envoyer le fichier' }).click();
    await expect.poll(() => page.locator('#media-file-error').textContent()).toContain('Type de fichier non accepté');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('media-file');
    await expectNoAxeViolations(page, 'publication/medias with an error');
    expect(await rowsOf(school, 'media')).toHaveLength(1);

    // The detail page: where it is used, and nothing yet.
    await list.getByRole('link', { name: 'sortie-musee.jpg' }).click();
    await page.waitForURL(/\/publication\/medias\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByText('Aucun article n’utilise ce média.').count()).toBe(1);
    await expectNoAxeViolations(page, 'publication/medias/:id');
    expect(problems).toEqual([expect.stringMatching(/^415 .*\/publication\/medias$/)]);
    await context.close();
  });
});
