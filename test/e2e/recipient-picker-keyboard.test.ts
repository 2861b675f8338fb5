import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addGuardianship, addToClass, buildClass, buildMember, buildTenant, type BuiltMember } from '../fixtures/factories.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

async function signIn(page: Page, school: Tenant, who: BuiltMember, path: string) {
  await page.goto(b.url(school, path));
  await page.getByLabel('Identifiant').fill(who.login);
  await page.getByLabel('Mot de passe').fill(who.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL((u) => u.pathname === path);
}

describe.skipIf(!chromiumAvailable)('recipient picker', () => {
  it('works by keyboard: arrows, Escape, Enter, removing a chip; offers nothing already chosen', async () => {
    const school = await buildTenant({ name: 'Collège Jean Zay' });
    const c3a = await buildClass(school, '3A');
    const teacher = await buildMember(school, { profile: 'teacher', firstName: 'Anne', lastName: 'Martin' });
    const eloise = await buildMember(school, { profile: 'student', firstName: 'Éloïse', lastName: 'Lefèvre' });
    const eloi = await buildMember(school, { profile: 'student', firstName: 'Éloi', lastName: 'Petit' });
    const guardian = await buildMember(school, { profile: 'guardian', firstName: 'Marc', lastName: 'Lefèvre' });
    await addToClass(school, c3a.id, teacher.membershipId);
    await addToClass(school, c3a.id, eloise.membershipId);
    await addToClass(school, c3a.id, eloi.membershipId);
    await addGuardianship(school, guardian.membershipId, eloise.membershipId);

    const { page, problems } = await b.newPage();
    await signIn(page, school, teacher, '/messagerie');
    await page.getByRole('button', { name: 'Nouveau message' }).click();
    await page.waitForURL(/\/messagerie\/brouillons\/[0-9a-f-]{36}$/);

    const combo = page.getByRole('combobox', { name: 'Destinataires' });
    expect(await combo.getAttribute('aria-expanded')).toBe('false');
    await combo.focus();
    await page.keyboard.type('elo', { delay: 30 });
    await page.getByRole('option', { name: /Éloi Petit/ }).waitFor();
    expect(await combo.getAttribute('aria-expanded')).toBe('true');
    const names = await page.getByRole('option').allTextContents();
    expect(names.map((n) => n.replace(/\s+/g, ' ').trim())).toEqual(['Éloïse Lefèvre Élève · 3A', 'Éloi Petit Élève · 3A']);
    await expect.poll(() => page.locator('#picker-status').textContent()).toBe('2 destinataires proposés.');
    await expectNoAxeViolations(page, 'liste des propositions ouverte');

    // Arrows move the active option (aria-activedescendant), and wrap around.
    await page.keyboard.press('ArrowDown');
    const active = () => combo.getAttribute('aria-activedescendant').then((id) => (id ? page.locator(`#${id}`).textContent() : null));
    await expect.poll(active).toContain('Éloïse Lefèvre');
    await page.keyboard.press('ArrowDown');
    await expect.poll(active).toContain('Éloi Petit');
    await page.keyboard.press('ArrowDown');
    await expect.poll(active).toContain('Éloïse Lefèvre');
    await page.keyboard.press('ArrowUp');
    await expect.poll(active).toContain('Éloi Petit');
    // Escape closes the list; ArrowDown opens it again.
    await page.keyboard.press('Escape');
    expect(await combo.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('#picker-listbox').isHidden()).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await combo.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(active).toContain('Éloïse Lefèvre');
    // Enter adds the chip (and does not submit the message).
    await page.keyboard.press('Enter');
    const chips = page.getByRole('list', { name: 'Destinataires choisis' });
    await expect.poll(() => chips.textContent()).toContain('Éloïse Lefèvre');
    expect(await page.locator(`#picker-chips input[name="recipients"][value="m:${eloise.membershipId}"]`).count()).toBe(1);
    expect(await combo.inputValue()).toBe('');
    expect(await combo.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(page.url()).toMatch(/\/messagerie\/brouillons\/[0-9a-f-]{36}$/);

    // Searching again never offers who is already chosen.
    await page.keyboard.type('lefevre', { delay: 30 });
    await page.getByRole('option', { name: /Marc Lefèvre/ }).waitFor();
    expect(await page.getByRole('option', { name: /Éloïse Lefèvre/ }).count()).toBe(0);
    await page.keyboard.press('Escape');

    // The chip's button removes it, by keyboard; the focus comes back to the search.
    const remove = page.getByRole('button', { name: 'Retirer Éloïse Lefèvre' });
    await remove.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#picker-chips input[name="recipients"]').count()).toBe(0);
    expect(await combo.evaluate((el) => el === document.activeElement)).toBe(true);
    await expectNoAxeViolations(page, 'sélecteur après retrait');

    // The autosave status stays readable while a save is in flight (htmx marks the asking element .htmx-request).
    await page.getByLabel('Objet').fill('Sortie au musée');
    await expect.poll(() => page.locator('#draft-status').textContent(), { timeout: 8000 }).toMatch(/^Brouillon enregistré/);
    await page.locator('#draft-status').evaluate((el) => el.classList.add('htmx-request'));
    await expectNoAxeViolations(page, 'brouillon en cours d’enregistrement');
    expect(problems).toEqual([]);
  });

  it('the page apart (the picker without JavaScript) lists allowed recipients with checkboxes', async () => {
    const school = await buildTenant();
    const c3a = await buildClass(school, '3A');
    const student = await buildMember(school, { profile: 'student', firstName: 'Léa', lastName: 'Martin' });
    const mate = await buildMember(school, { profile: 'student', firstName: 'Éloïse', lastName: 'Lefèvre' });
    await buildMember(school, { profile: 'student', firstName: 'Éloïse', lastName: 'Ailleurs' });
    await addToClass(school, c3a.id, student.membershipId);
    await addToClass(school, c3a.id, mate.membershipId);
    const { page, problems } = await b.newPage();
    await signIn(page, school, student, '/messagerie');
    await page.getByRole('button', { name: 'Nouveau message' }).click();
    await page.waitForURL(/\/messagerie\/brouillons\/[0-9a-f-]{36}$/);
    const draftUrl = page.url();
    await page.getByRole('link', { name: 'Choisir sur une page à part' }).click();
    await page.waitForURL(/\/messagerie\/destinataires\?/);
    await page.getByLabel('Rechercher une personne, une classe ou une liste').fill('eloise');
    await page.getByRole('button', { name: 'Rechercher' }).press('Enter');
    await page.getByRole('group', { name: 'Résultats pour « eloise »' }).waitFor();
    // Only the classmate: the namesake in another class is not offered to a student.
    expect(await page.getByRole('checkbox').count()).toBe(1);
    await page.getByRole('checkbox', { name: /Éloïse Lefèvre/ }).check();
    await expectNoAxeViolations(page, 'choix des destinataires sans JavaScript');
    await page.getByRole('button', { name: 'Valider les destinataires' }).click();
    await page.waitForURL((u) => u.href.startsWith(draftUrl + '?'));
    await expect.poll(() => page.getByRole('list', { name: 'Destinataires choisis' }).textContent()).toContain('Éloïse Lefèvre');
    expect(await page.locator(`#picker-chips input[name="recipients"][value="m:${mate.membershipId}"]`).count()).toBe(1);
    expect(problems).toEqual([]);
  });

  it('the administrators’ settings page passes axe and suspends sending by keyboard', async () => {
    const school = await buildTenant();
    await buildClass(school, '6A');
    const admin = await buildMember(school, { profile: 'admin' });
    const { page, problems } = await b.newPage();
    await signIn(page, school, admin, '/admin/messagerie');
    await expectNoAxeViolations(page, 'réglages de la messagerie');
    await page.getByRole('button', { name: 'Suspendre l’envoi des messages' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Rétablir l’envoi des messages' }).waitFor();
    expect(await page.getByRole('status').first().textContent()).toContain('Réglages enregistrés.');
    await expectNoAxeViolations(page, 'réglages : envoi suspendu');
    await page.getByRole('checkbox', { name: 'Enseignant', exact: true }).check();
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.waitForURL(/enregistre=1$/);
    expect(await page.getByRole('checkbox', { name: 'Enseignant', exact: true }).isChecked()).toBe(true);

    // Who may write to whom: the matrix opens from its summary, by keyboard; one rule unticked and saved.
    await page.getByText('Modifier qui peut écrire à qui').focus();
    await page.keyboard.press('Enter');
    await expectNoAxeViolations(page, 'réglages : règles des destinataires ouvertes');
    const rule = page.getByRole('checkbox', { name: 'Élèves → Personnels' });
    expect(await rule.isChecked()).toBe(true);
    await rule.uncheck();
    await page.getByRole('button', { name: 'Enregistrer les règles' }).click();
    await page.waitForURL(/enregistre=1$/);
    await page.getByText('Modifier qui peut écrire à qui').click();
    expect(await page.getByRole('checkbox', { name: 'Élèves → Personnels' }).isChecked()).toBe(false);
    expect(await page.getByText('L’établissement a modifié les règles par défaut.').count()).toBe(1);
    expect(problems).toEqual([]);
  });
});
