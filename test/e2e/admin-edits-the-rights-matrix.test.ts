import { describe, expect, it } from 'vitest';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

describe.skipIf(!chromiumAvailable)('an administrator', () => {
  it('adds and removes a rule on /admin/services with htmx, without reloading the page', async () => {
    const school = await buildTenant();
    const admin = await buildMember(school, { profile: 'admin' });
    const { page, context, problems } = await b.newPage();
    await page.goto(b.url(school, '/connexion'));
    await page.getByLabel('Identifiant').fill(admin.login);
    await page.getByLabel('Mot de passe').fill(admin.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/espace$/);
    await page.getByRole('navigation', { name: 'Mes services' }).getByRole('link', { name: 'Administration' }).click();
    await page.waitForURL(/\/admin\/services$/);
    await expectNoAxeViolations(page, 'admin/services');
    // A marker on window survives only if the page is not reloaded.
    await page.evaluate(() => ((window as any).__sameDocument = true));

    const grades = page.getByRole('region', { name: 'Évaluations' });
    await grades.getByLabel('Ajouter une règle pour').selectOption({ label: 'Infirmier' });
    await grades.getByLabel('Rôle').selectOption({ label: 'consultation' });
    await grades.getByRole('button', { name: 'Ajouter une règle au service Évaluations' }).click();
    await expect.poll(() => grades.getByRole('listitem').allTextContents()).toContainEqual(expect.stringContaining('Infirmier : consultation'));
    await expect.poll(() => page.locator('#annonce').textContent()).toBe('Règle ajoutée au service Évaluations.');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    expect(await rowsOf(school, 'access_rules', { service_key: 'grades', target_type: 'function', target_value: 'nurse' })).toHaveLength(1);
    await expectNoAxeViolations(page, 'admin/services after adding');

    // Bad input: the message appears beside the field and takes the focus.
    await grades.getByRole('button', { name: 'Ajouter une règle au service Évaluations' }).click();
    await expect.poll(() => grades.locator('.field-error').textContent()).toBe('Choisissez à qui s’applique la règle.');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('target');
    await expectNoAxeViolations(page, 'admin/services with an error');

    await grades.getByRole('button', { name: 'Retirer la règle Infirmier : consultation' }).click();
    await expect.poll(() => page.locator('#annonce').textContent()).toBe('Règle retirée du service Évaluations.');
    expect(await grades.getByText('Infirmier : consultation').count()).toBe(0);
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    expect(await rowsOf(school, 'access_rules', { service_key: 'grades', target_value: 'nurse' })).toHaveLength(0);
    // The only error answer is the 422 this test asked for.
    expect(problems).toEqual([expect.stringMatching(/^422 .*\/admin\/services\/grades\/regles$/)]);
    await context.close();
  });
});
