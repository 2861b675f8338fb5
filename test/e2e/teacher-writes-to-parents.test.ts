import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { addGuardianship, addToClass, buildClass, buildMember, buildTenant, type BuiltMember } from '../fixtures/factories.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { teach } from '../integration/messaging-support.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

async function signIn(page: Page, school: Tenant, who: BuiltMember, path: string) {
  await page.goto(b.url(school, path));
  await page.getByLabel('Identifiant').fill(who.login);
  await page.getByLabel('Mot de passe').fill(who.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(new RegExp(`${path.replace(/\//g, '\\/')}$`));
}

describe.skipIf(!chromiumAvailable)('messaging', () => {
  it('a teacher writes to "Parents de 3A" with the picker by keyboard; a guardian of a 3A student reads it and replies', async () => {
    const school = await buildTenant({ name: 'Collège Simone Veil' });
    const c3a = await buildClass(school, '3A');
    const teacher = await buildMember(school, { profile: 'teacher', firstName: 'Anne', lastName: 'Martin' });
    const student = await buildMember(school, { profile: 'student', firstName: 'Léo', lastName: 'Garnier' });
    const guardian = await buildMember(school, { profile: 'guardian', firstName: 'Sophie', lastName: 'Garnier' });
    await teach(school, c3a.id, teacher.membershipId);
    await addToClass(school, c3a.id, student.membershipId);
    await addGuardianship(school, guardian.membershipId, student.membershipId);

    // The teacher.
    const t = await b.newPage();
    await signIn(t.page, school, teacher, '/messagerie');
    expect(await t.page.getByRole('heading', { level: 1 }).textContent()).toBe('Boîte de réception');
    await expectNoAxeViolations(t.page, 'boîte de réception vide');
    await t.page.getByRole('button', { name: 'Nouveau message' }).click();
    await t.page.waitForURL(/\/messagerie\/brouillons\/[0-9a-f-]{36}$/);
    await expectNoAxeViolations(t.page, 'nouveau message');

    // The picker, by keyboard only: type, arrow down to the group, Enter.
    const picker = t.page.getByRole('combobox', { name: 'Destinataires' });
    await picker.focus();
    await t.page.keyboard.type('parents 3A', { delay: 30 });
    await t.page.getByRole('option', { name: /Parents de 3A/ }).waitFor();
    await expectNoAxeViolations(t.page, 'propositions du sélecteur');
    await t.page.keyboard.press('ArrowDown');
    await expect.poll(() => t.page.getByRole('option', { name: /Parents de 3A/ }).getAttribute('aria-selected')).toBe('true');
    await t.page.keyboard.press('Enter');
    const chips = t.page.getByRole('list', { name: 'Destinataires choisis' });
    await expect.poll(() => chips.textContent()).toContain('Parents de 3A');
    expect(t.page.url()).toMatch(/\/messagerie\/brouillons\//); // Enter did not send the form

    await t.page.keyboard.press('Tab');
    await t.page.getByLabel('Objet').fill('Sortie au musée');
    // The autosave (a few seconds after typing) keeps the draft, body included.
    const autosaved = t.page.waitForResponse(
      (r) => r.request().method() === 'POST' && /\/brouillons\/[0-9a-f-]{36}$/.test(r.url()) && (r.request().postData() ?? '').includes('jeudi'),
      { timeout: 15_000 },
    );
    await t.page.locator('trix-editor').click();
    await t.page.keyboard.type('Bonjour, la sortie au musée aura lieu jeudi.');
    expect((await autosaved).status()).toBe(200);
    await expect.poll(() => t.page.locator('#draft-status').textContent()).toContain('Brouillon enregistré');
    await t.page.reload();
    expect(await t.page.getByLabel('Objet').inputValue()).toBe('Sortie au musée');
    await expect.poll(() => chips.textContent()).toContain('Parents de 3A');
    await expectNoAxeViolations(t.page, 'brouillon rechargé');
    await t.page.getByRole('button', { name: 'Envoyer' }).click();
    await t.page.waitForURL(/\/messagerie\/messages\/[0-9a-f-]{36}\?envoye=1$/);
    expect(await t.page.getByRole('status').filter({ hasText: 'Message envoyé' }).count()).toBe(1);
    await expectNoAxeViolations(t.page, 'message envoyé');

    // The guardian, on a phone-sized screen: the navigation shows one unread message; reads it and replies.
    const g = await b.newPage({ width: 360 });
    const noOverflow = async () => expect(await g.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await signIn(g.page, school, guardian, '/espace');
    const nav = g.page.getByRole('navigation', { name: 'Mes services' });
    await expect.poll(() => nav.getByRole('link', { name: /Messagerie/ }).textContent()).toContain('1 message non lu');
    await expectNoAxeViolations(g.page, 'espace parent avec un message non lu');
    await nav.getByRole('link', { name: /Messagerie/ }).click();
    await g.page.waitForURL(/\/messagerie$/);
    await expectNoAxeViolations(g.page, 'boîte de réception du parent');
    await noOverflow();
    await g.page.getByRole('link', { name: /Sortie au musée/ }).click();
    await g.page.waitForURL(/\/messagerie\/messages\//);
    expect(await g.page.getByText('Bonjour, la sortie au musée aura lieu jeudi.').count()).toBe(1);
    expect(await g.page.getByRole('heading', { name: 'Anne Martin' }).count()).toBe(1);
    await expectNoAxeViolations(g.page, 'message lu par le parent');
    await noOverflow();
    await g.page.getByRole('button', { name: 'Répondre à Anne Martin' }).click();
    await g.page.waitForURL(/\/messagerie\/brouillons\//);
    expect(await g.page.getByLabel('Objet').inputValue()).toBe('RE : Sortie au musée');
    await expect.poll(() => g.page.getByRole('list', { name: 'Destinataires choisis' }).textContent()).toContain('Anne Martin');
    await expectNoAxeViolations(g.page, 'réponse du parent');
    await noOverflow();
    await g.page.locator('trix-editor').click();
    await g.page.keyboard.press('Control+Home');
    await g.page.keyboard.type('Merci, Léo sera présent.');
    await g.page.getByRole('button', { name: 'Envoyer' }).click();
    await g.page.waitForURL(/\/messagerie\/messages\/[0-9a-f-]{36}\?envoye=1$/);
    // The conversation shows both messages.
    expect(await g.page.getByText('Merci, Léo sera présent.').count()).toBeGreaterThan(0);
    expect(await g.page.getByText('Bonjour, la sortie au musée aura lieu jeudi.').count()).toBeGreaterThan(0);

    // The teacher finds the answer in the inbox, files it in a folder of their own, and searches.
    await t.page.goto(b.url(school, '/messagerie'));
    expect(await t.page.getByRole('link', { name: /RE : Sortie au musée/ }).count()).toBe(1);
    await expectNoAxeViolations(t.page, 'réponse reçue');
    await t.page.getByLabel('Nouveau dossier').fill('Sorties');
    await t.page.getByRole('button', { name: 'Créer' }).click();
    await t.page.waitForURL(/\/messagerie\/dossiers\/[0-9a-f-]{36}$/);
    expect(await t.page.getByRole('heading', { level: 1 }).textContent()).toBe('Dossier « Sorties »');
    await expectNoAxeViolations(t.page, 'dossier vide');
    await t.page.getByRole('link', { name: 'Boîte de réception' }).click();
    await t.page.getByRole('checkbox', { name: 'Cocher « RE : Sortie au musée »' }).check();
    await t.page.getByLabel('Ranger dans').selectOption({ label: 'Sorties' });
    await t.page.getByRole('button', { name: 'Déplacer' }).click();
    await t.page.waitForURL(/\/messagerie$/);
    expect(await t.page.getByRole('link', { name: /RE : Sortie au musée/ }).count()).toBe(0);
    await t.page.getByRole('link', { name: 'Sorties' }).click();
    expect(await t.page.getByRole('link', { name: /RE : Sortie au musée/ }).count()).toBe(1);
    await t.page.getByRole('link', { name: 'Rechercher dans mes messages' }).click();
    await t.page.getByLabel('Mots recherchés (objet et texte)').fill('musee');
    await t.page.getByLabel('Mots recherchés (objet et texte)').press('Enter');
    await t.page.waitForURL(/\/messagerie\/recherche\?q=musee$/);
    expect(await t.page.getByRole('link', { name: /Sortie au musée/ }).count()).toBe(2);
    await expectNoAxeViolations(t.page, 'recherche');
    expect(t.problems).toEqual([]);
    expect(g.problems).toEqual([]);
    await t.context.close();
    await g.context.close();
  });
});
