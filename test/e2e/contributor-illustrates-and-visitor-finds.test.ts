import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf, uniq, type BuiltMember } from '../fixtures/factories.js';
import { jpegWithGps, pdf } from '../fixtures/images.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

async function signIn(page: Page, school: Tenant, who: BuiltMember, next: string) {
  await page.goto(b.url(school, `/connexion?suite=${encodeURIComponent(next)}`));
  await page.getByLabel('Identifiant').fill(who.login);
  await page.getByLabel('Mot de passe').fill(who.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((u) => u.pathname === next);
}

describe.skipIf(!chromiumAvailable)('an illustrated article', () => {
  it('a contributor uploads an image, makes it the main image with its alternative text and attaches a document in trix; the manager publishes; a visitor sees the picture and finds the article by searching', async () => {
    const school = await buildTenant();
    const contributor = await buildMember(school, { profile: 'teacher', firstName: 'Irène', lastName: 'Joliot' });
    const manager = await buildMember(school, { profile: 'teacher', firstName: 'Paul', lastName: 'Langevin' });
    const rubric = { id: newId(), slug: uniq('vie'), name: 'Vie du collège' };
    await ownerTenantTx(school, async (trx) => {
      await trx('rubrics').insert({ tenant_id: school.id, ...rubric });
      await trx('rubric_roles').insert([
        { tenant_id: school.id, rubric_id: rubric.id, target_type: 'membership', target_value: contributor.membershipId, role: 'contributor' },
        { tenant_id: school.id, rubric_id: rubric.id, target_type: 'membership', target_value: manager.membershipId, role: 'manager' },
      ]);
    });

    // ——— The contributor puts a photo in the media library.
    const w = await b.newPage();
    await signIn(w.page, school, contributor, '/publication/medias');
    await expectNoAxeViolations(w.page, 'publication/medias (contributor)');
    await w.page.getByLabel('Texte alternatif', { exact: true }).fill('Le potager du collège au printemps');
    await w.page.getByLabel('Fichier', { exact: true }).setInputFiles({ name: 'potager.jpg', mimeType: 'image/jpeg', buffer: await jpegWithGps({ width: 1200, height: 800 }) });
    await w.page.getByRole('button', { name: 'Envoyer le fichier' }).click();
    await expect.poll(() => w.page.locator('#annonce').textContent(), { timeout: 15_000 }).toBe('Fichier « potager.jpg » ajouté à la médiathèque.');
    const [image] = await rowsOf(school, 'media', { name: 'potager.jpg' });
    expect(image.kind).toBe('image');
    await expectNoAxeViolations(w.page, 'publication/medias after an upload');

    // ——— …writes the article, with the photo as main image and a document dropped into trix.
    await w.page.goto(b.url(school, '/publication/articles/nouveau'));
    await w.page.locator('trix-toolbar .trix-button-group').first().waitFor();
    await w.page.getByLabel('Titre (obligatoire)').fill('Le potager pédagogique');
    await w.page.getByLabel('Rubrique').selectOption({ label: 'Vie du collège' });
    const body = w.page.getByRole('textbox', { name: 'Texte de l’article' });
    await body.click();
    await w.page.keyboard.type('Les tomates de la classe de 5e ont rougi. ');
    // A file dropped into trix (insertFile is what trix does with a drop or a paste): uploaded, then linked.
    const pdfBase64 = pdf('Calendrier des semis').toString('base64');
    await w.page.evaluate((data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const file = new File([bytes], 'semis.pdf', { type: 'application/pdf' });
      (document.querySelector('trix-editor') as any).editor.insertFile(file);
    }, pdfBase64);
    await expect.poll(() => w.page.locator('#body-upload-status').textContent(), { timeout: 15_000 }).toBe('« semis.pdf » ajouté au texte et à la médiathèque.');
    const [doc] = await rowsOf(school, 'media', { name: 'semis.pdf' });
    expect(doc.kind).toBe('file');
    expect(await w.page.locator('#body').inputValue()).toContain(`/medias/${doc.id}/original`);
    // An image dropped into trix: uploaded, then shown from the library (its 640 px WebP here: it is 800 wide).
    const photoBase64 = (await jpegWithGps({ width: 800, height: 600 })).toString('base64');
    await w.page.evaluate((data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      (document.querySelector('trix-editor') as any).editor.insertFile(new File([bytes], 'tomates.jpg', { type: 'image/jpeg' }));
    }, photoBase64);
    await expect.poll(() => w.page.locator('#body-upload-status').textContent(), { timeout: 15_000 }).toBe('« tomates.jpg » ajouté au texte et à la médiathèque.');
    const [tomatoes] = await rowsOf(school, 'media', { name: 'tomates.jpg' });
    const inTrix = w.page.locator(`trix-editor img[src="/medias/${tomatoes.id}/640.webp"]`);
    await expect.poll(() => inTrix.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(640);
    expect(await w.page.locator('#body').inputValue()).toContain(`/medias/${tomatoes.id}/640.webp`);
    // Its caption describes it, typed in trix's own caption field (publishing refuses an undescribed image).
    await inTrix.click();
    const caption = w.page.locator('trix-editor figcaption textarea').first();
    await caption.fill('Des tomates cerises dans un bac du potager');
    await caption.press('Enter');
    await expect.poll(() => w.page.locator('#body').inputValue()).toContain('Des tomates cerises dans un bac du potager');
    // A refused file is removed from the text and the reason said.
    await w.page.evaluate(() => {
      const file = new File(['<html><script>alert(1)</script></html>'], 'faux.jpg', { type: 'image/jpeg' });
      (document.querySelector('trix-editor') as any).editor.insertFile(file);
    });
    await expect.poll(() => w.page.locator('#body-upload-status').textContent()).toMatch(/^« faux\.jpg » n’a pas été ajouté : Type de fichier non accepté/);
    expect(await w.page.locator('trix-editor figure').count()).toBe(2);
    await expectNoAxeViolations(w.page, 'publication/articles/nouveau with an attachment');

    await w.page.getByLabel('Image de la médiathèque').selectOption({ label: 'potager.jpg' });
    await w.page.getByLabel('Texte alternatif (ce que montre l’image)').fill('Le potager du collège au printemps');
    await w.page.getByRole('button', { name: 'Créer le brouillon' }).click();
    await w.page.waitForURL(/\/publication\/articles\/[0-9a-f-]{36}\?message=cree$/);
    const id = new URL(w.page.url()).pathname.split('/')[3];
    const [draft] = await rowsOf(school, 'articles', { id });
    expect(draft).toMatchObject({ main_image_id: image.id, main_image_alt: 'Le potager du collège au printemps' });
    expect(draft.body_html).toContain(`href="/medias/${doc.id}/original"`);
    await expectNoAxeViolations(w.page, 'publication/articles/:id (illustrated draft)');
    await w.page.getByRole('button', { name: 'Soumettre à validation' }).click();
    await w.page.waitForURL(/\?message=soumis$/);

    // ——— The manager publishes.
    const m = await b.newPage();
    await signIn(m.page, school, manager, `/publication/articles/${id}`);
    await m.page.locator('trix-toolbar .trix-button-group').first().waitFor();
    await expectNoAxeViolations(m.page, 'publication/articles/:id (manager)');
    await m.page.getByRole('button', { name: 'Publier', exact: true }).click();
    await m.page.waitForURL(/\?message=publie$/);
    const [published] = await rowsOf(school, 'articles', { id });
    expect(published.status).toBe('published');

    // ——— A visitor finds it with the active search and sees the picture.
    const v = await b.newPage();
    await v.page.goto(b.url(school, '/recherche'));
    await expectNoAxeViolations(v.page, 'recherche (empty)');
    await v.page.evaluate(() => ((window as any).__sameDocument = true));
    await v.page.getByLabel('Rechercher dans les articles').fill('tomates');
    const results = v.page.locator('#resultats');
    await expect.poll(() => results.getByRole('link', { name: 'Le potager pédagogique' }).count()).toBe(1);
    expect(await v.page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await expectNoAxeViolations(v.page, 'recherche?q=tomates');
    await results.getByRole('link', { name: 'Le potager pédagogique' }).click();
    await v.page.waitForURL((u) => u.pathname === `/articles/${id}/${published.slug}`);
    const img = v.page.locator('picture img');
    expect(await img.getAttribute('alt')).toBe('Le potager du collège au printemps');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0)).toBe(true);
    expect(await v.page.locator(`.article__body a[href="/medias/${doc.id}/original"]`).count()).toBe(1);
    const bodyImg = v.page.locator(`.article__body img[src="/medias/${tomatoes.id}/640.webp"]`);
    await expect.poll(() => bodyImg.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth)).toBe(640);
    await expectNoAxeViolations(v.page, 'articles/:id/:slug (illustrated, visitor)');

    // The only error answer is the 415 the test asked for.
    expect({ contributor: w.problems, manager: m.problems, visitor: v.problems }).toEqual({
      contributor: [expect.stringMatching(/^415 .*\/publication\/medias\/televersement$/)],
      manager: [],
      visitor: [],
    });
    for (const x of [w, m, v]) await x.context.close();
  });
});
