import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf, uniq, type BuiltMember } from '../fixtures/factories.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

async function signIn(page: Page, school: Tenant, who: BuiltMember, next: string) {
  await page.goto(b.url(school, `/connexion?suite=${encodeURIComponent(next)}`));
  await page.getByLabel('Identifiant').fill(who.login);
  await page.getByLabel('Mot de passe').fill(who.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((u) => u.pathname === next);
}

/** A school with one public rubric, a contributor and a manager of it (both through rubric_roles). */
async function newsroom() {
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
  return { school, contributor, manager, rubric };
}

/** Which of trix's own <style> elements (one per custom element) the CSP let apply: their rules are in force. */
const trixStyles = (page: Page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll<HTMLStyleElement>('style[data-tag-name]')].map((s) => [s.dataset.tagName, (s.sheet?.cssRules.length ?? 0) > 0]),
    ),
  );

describe.skipIf(!chromiumAvailable)('the publication back-office', () => {
  it('a contributor writes an article in trix (autosaved, kept across a reload) and submits it; a manager publishes it; a visitor reads it', async () => {
    const { school, contributor, manager, rubric } = await newsroom();

    // ——— The contributor writes.
    const w = await b.newPage();
    await signIn(w.page, school, contributor, '/publication');
    expect(await w.page.getByRole('heading', { level: 1 }).textContent()).toBe('Publication');
    await expectNoAxeViolations(w.page, 'publication (contributor, empty)');
    await w.page.getByRole('link', { name: 'Nouvel article' }).click();
    await w.page.waitForURL(/\/publication\/articles\/nouveau$/);
    // trix is defined and has built its toolbar (its CSS and JS come from static/vendor, its two <style>s pass the CSP).
    await w.page.locator('trix-toolbar .trix-button-group').first().waitFor();
    expect(await trixStyles(w.page)).toEqual({ 'trix-editor': true, 'trix-toolbar': true });
    await expectNoAxeViolations(w.page, 'publication/articles/nouveau');

    await w.page.getByLabel('Titre (obligatoire)').fill('La kermesse du collège');
    await w.page.getByLabel('Chapô (résumé affiché dans les listes)').fill('Samedi, toute la journée, dans la cour.');
    await w.page.getByLabel('Rubrique').selectOption({ label: 'Vie du collège' });
    const body = w.page.getByRole('textbox', { name: 'Texte de l’article' });
    await body.click();
    await w.page.keyboard.type('Venez nombreux à la kermesse.');
    await w.page.getByRole('button', { name: 'Créer le brouillon' }).click();
    await w.page.waitForURL(/\/publication\/articles\/[0-9a-f-]{36}\?message=cree$/);
    const id = new URL(w.page.url()).pathname.split('/')[3];
    expect(await w.page.getByRole('status').filter({ hasText: 'Brouillon créé.' }).count()).toBe(1);
    expect(await body.textContent()).toBe('Venez nombreux à la kermesse.');
    const [created] = await rowsOf(school, 'articles', { id });
    expect(created).toMatchObject({ status: 'draft', title: 'La kermesse du collège', rubric_id: rubric.id, author_id: contributor.membershipId });
    expect(created.body_text).toContain('Venez nombreux à la kermesse.');
    await expectNoAxeViolations(w.page, 'publication/articles/:id (draft)');
    await w.page.evaluate(() => ((window as any).__sameDocument = true));

    // Typing more in trix: the draft saves itself a few seconds later, said in the aria-live status.
    await body.click();
    await w.page.keyboard.press('Control+End');
    await w.page.keyboard.type(' Stand de crêpes tenu par les 3e B.');
    const status = w.page.locator('#autosave-status');
    expect(await status.getAttribute('role')).toBe('status');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Brouillon enregistré à \d{1,2} h \d{2}$/);
    expect(await w.page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await expect.poll(async () => (await rowsOf(school, 'articles', { id }))[0].body_text).toBe('Venez nombreux à la kermesse. Stand de crêpes tenu par les 3e B.');
    const [autosaved] = await rowsOf(school, 'articles', { id });
    expect(autosaved.status).toBe('draft');
    expect(autosaved.summary).toBe('Samedi, toute la journée, dans la cour.');
    await expectNoAxeViolations(w.page, 'publication/articles/:id after an autosave');

    // A reload shows what was autosaved.
    await w.page.reload();
    await w.page.locator('trix-toolbar .trix-button-group').first().waitFor();
    await expect.poll(() => body.textContent()).toContain('Stand de crêpes tenu par les 3e B.');
    expect(await body.textContent()).toContain('Venez nombreux à la kermesse.');

    // The history: the version before the autosave, compared with the current text.
    await w.page.getByRole('link', { name: 'Historique des versions' }).click();
    await w.page.waitForURL(/\/revisions$/);
    await expectNoAxeViolations(w.page, 'publication/articles/:id/revisions');
    await w.page.getByRole('link', { name: /^Comparer/ }).first().click();
    await w.page.waitForURL(/\/revisions\/[0-9a-f-]{36}$/);
    expect(await w.page.locator('.diff ins').allTextContents()).toContainEqual(expect.stringContaining('Stand de crêpes'));
    await expectNoAxeViolations(w.page, 'publication/articles/:id/revisions/:revisionId');
    await w.page.getByRole('link', { name: 'Retour à l’historique' }).click();
    await w.page.getByRole('link', { name: 'Retour à l’article' }).click();
    await w.page.waitForURL((u) => u.pathname === `/publication/articles/${id}`);

    // The preview, as visitors will see it, marked as not published.
    await w.page.getByRole('link', { name: 'Aperçu' }).click();
    await w.page.waitForURL(/\/apercu$/);
    expect(await w.page.getByText('Aperçu — non publié.').count()).toBe(1);
    expect(await w.page.getByRole('heading', { level: 1 }).textContent()).toBe('La kermesse du collège');
    expect(await w.page.locator('.article__author').textContent()).toBe('Irène Joliot');
    expect(await w.page.locator('.article__body').textContent()).toContain('Stand de crêpes tenu par les 3e B.');
    await expectNoAxeViolations(w.page, 'publication/articles/:id/apercu');
    await w.page.getByRole('link', { name: 'Retour à l’édition' }).click();
    await w.page.locator('trix-toolbar .trix-button-group').first().waitFor();

    await w.page.getByRole('button', { name: 'Soumettre à validation' }).click();
    await w.page.waitForURL(/\?message=soumis$/);
    expect(await w.page.getByText('État : Soumis').count()).toBeGreaterThan(0);
    expect((await rowsOf(school, 'articles', { id }))[0].status).toBe('submitted');
    await expectNoAxeViolations(w.page, 'publication/articles/:id (submitted)');

    // ——— The manager publishes.
    const m = await b.newPage();
    await signIn(m.page, school, manager, '/publication');
    const waiting = m.page.getByRole('region', { name: /^Soumis/ });
    await waiting.getByRole('link', { name: 'La kermesse du collège' }).click();
    await m.page.waitForURL((u) => u.pathname === `/publication/articles/${id}`);
    await m.page.locator('trix-toolbar .trix-button-group').first().waitFor();
    await expectNoAxeViolations(m.page, 'publication/articles/:id (manager)');
    await m.page.getByRole('button', { name: 'Publier', exact: true }).click();
    await m.page.waitForURL(/\?message=publie$/);
    expect(await m.page.getByRole('status').filter({ hasText: 'Article publié.' }).count()).toBe(1);
    const [published] = await rowsOf(school, 'articles', { id });
    expect(published.status).toBe('published');
    expect(published.published_at).not.toBeNull();
    await expectNoAxeViolations(m.page, 'publication/articles/:id (published)');

    // ——— A visitor reads it on the public site.
    const v = await b.newPage();
    await v.page.goto(b.url(school, `/rubriques/${rubric.slug}`));
    await v.page.getByRole('link', { name: 'La kermesse du collège' }).first().click();
    await v.page.waitForURL((u) => u.pathname === `/articles/${id}/${published.slug}`);
    expect(await v.page.getByRole('heading', { level: 1 }).textContent()).toBe('La kermesse du collège');
    expect(await v.page.locator('.article__body').textContent()).toContain('Stand de crêpes tenu par les 3e B.');
    await expectNoAxeViolations(v.page, 'articles/:id/:slug (visitor)');
    // Nothing went wrong in any of the three browsers: no CSP violation (trix's <style>s), no script error, no
    // failed request.
    expect({ contributor: w.problems, manager: m.problems, visitor: v.problems }).toEqual({ contributor: [], manager: [], visitor: [] });
    for (const x of [w, m, v]) await x.context.close();
  });

  it('a publication manager creates a rubric and moves it up and down with the keyboard, the focus staying on the button', async () => {
    const school = await buildTenant();
    const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
    const { page, context, problems } = await b.newPage();
    await signIn(page, school, head, '/publication');
    await page.getByRole('link', { name: 'Gérer les rubriques' }).click();
    await page.waitForURL(/\/publication\/rubriques$/);
    await expectNoAxeViolations(page, 'publication/rubriques (empty)');
    await page.evaluate(() => ((window as any).__sameDocument = true));

    const create = async (name: string) => {
      await page.getByLabel('Nom', { exact: true }).last().fill(name);
      await page.getByRole('button', { name: 'Créer la rubrique' }).click();
      await expect.poll(() => page.locator('#annonce').textContent()).toBe(`Rubrique « ${name} » créée.`);
    };
    await create('Vie du collège');
    await expectNoAxeViolations(page, 'publication/rubriques after a creation');
    await create('Sorties');
    await expectNoAxeViolations(page, 'publication/rubriques after a second creation');
    // An empty name: the message beside the field, which takes the focus.
    await page.getByLabel('Nom', { exact: true }).last().fill(' ');
    await page.getByRole('button', { name: 'Créer la rubrique' }).click();
    await expect.poll(() => page.locator('#new-name-error').textContent()).toBe('Le nom est obligatoire.');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('new-name');
    await expectNoAxeViolations(page, 'publication/rubriques with an error');
    const names = () => page.locator('#rubric-tree .rubric h3').allTextContents();
    expect(await names()).toEqual(['Vie du collège', 'Sorties']);

    // Up, by keyboard: the rubric moves, the change is announced, the focus stays on its "Monter" button.
    const up = page.getByRole('button', { name: 'Monter la rubrique Sorties' });
    await up.focus();
    await page.keyboard.press('Enter');
    await expect.poll(names).toEqual(['Sorties', 'Vie du collège']);
    await expect.poll(() => page.locator('#annonce').textContent()).toBe('Rubrique « Sorties » montée d’un rang.');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Monter la rubrique Sorties');
    await expectNoAxeViolations(page, 'publication/rubriques after moving up');

    // Down again, with the space bar this time.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Descendre la rubrique Sorties');
    await page.keyboard.press('Space');
    await expect.poll(names).toEqual(['Vie du collège', 'Sorties']);
    await expect.poll(() => page.locator('#annonce').textContent()).toBe('Rubrique « Sorties » descendue d’un rang.');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Descendre la rubrique Sorties');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    const rows = (await rowsOf(school, 'rubrics')).sort((x, y) => x.position - y.position);
    expect(rows.map((r) => r.name)).toEqual(['Vie du collège', 'Sorties']);
    expect(await rowsOf(school, 'audit_events', { action: 'publication.rubric_created' })).toHaveLength(2);
    await expectNoAxeViolations(page, 'publication/rubriques after moving down');
    // The only error answer is the 422 this test asked for.
    expect(problems).toEqual([expect.stringMatching(/^422 .*\/publication\/rubriques$/)]);
    await context.close();
  });
});
