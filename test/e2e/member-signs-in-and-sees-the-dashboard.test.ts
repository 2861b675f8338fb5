import { describe, expect, it } from 'vitest';
import { addGuardianship, addToClass, buildClass, buildMember, buildTenant } from '../fixtures/factories.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

describe.skipIf(!chromiumAvailable)('a member', () => {
  it('signs in with the keyboard, sees the dashboard of their services, and signs out', async () => {
    const school = await buildTenant({ name: 'Collège Marie Curie' });
    const teacher = await buildMember(school, { profile: 'teacher', firstName: 'Paul', lastName: 'Langevin' });
    const { page, context, problems } = await b.newPage();
    await page.goto(b.url(school, '/espace'));
    await page.waitForURL(/\/connexion\?suite=/);

    // A wrong password first: one message, announced, the login kept.
    await page.getByLabel('Identifiant').fill(teacher.login);
    await page.getByLabel('Mot de passe').fill('pas le bon');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Identifiant ou mot de passe incorrect.');
    expect(await page.getByLabel('Identifiant').inputValue()).toBe(teacher.login);
    await expectNoAxeViolations(page, 'connexion refusée');

    await page.getByLabel('Mot de passe').fill(teacher.password);
    await page.getByLabel('Mot de passe').press('Enter');
    await page.waitForURL(/\/espace$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Mon espace');
    expect(await page.getByText('Paul Langevin').first().isVisible()).toBe(true);
    const services = page.getByRole('navigation', { name: 'Mes services' });
    expect(await services.getByRole('link', { name: /Messagerie/ }).count()).toBe(1);
    // The teacher's lesson log is a right already, but has no page yet: neither the navigation nor the dashboard offers it.
    expect(await page.getByRole('link', { name: 'Cahier de textes' }).count()).toBe(0);
    expect(await services.getByRole('link', { name: 'Mon espace' }).getAttribute('aria-current')).toBe('page');
    await expectNoAxeViolations(page, 'espace enseignant');

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(b.url(school, '/'));
    await page.goto(b.url(school, '/espace'));
    await page.waitForURL(/\/connexion/);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('as a guardian, sees each child on the dashboard, on a phone-sized screen', async () => {
    const school = await buildTenant();
    const c4a = await buildClass(school, '4A');
    const c6b = await buildClass(school, '6B');
    const parent = await buildMember(school, { profile: 'guardian', firstName: 'Marie', lastName: 'Dupont' });
    const kids = [
      await buildMember(school, { profile: 'student', firstName: 'Emma', lastName: 'Dupont' }),
      await buildMember(school, { profile: 'student', firstName: 'Noah', lastName: 'Dupont' }),
    ];
    await addToClass(school, c4a.id, kids[0].membershipId);
    await addToClass(school, c6b.id, kids[1].membershipId);
    for (const k of kids) await addGuardianship(school, parent.membershipId, k.membershipId);
    const { page, context, problems } = await b.newPage({ width: 360 });
    await page.goto(b.url(school, '/connexion'));
    await page.getByLabel('Identifiant').fill(parent.login);
    await page.getByLabel('Mot de passe').fill(parent.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/espace$/);
    const children = page.getByRole('region', { name: 'Mes enfants' });
    expect(await children.getByRole('listitem').allTextContents()).toEqual([
      expect.stringContaining('Emma Dupont — classe 4A'),
      expect.stringContaining('Noah Dupont — classe 6B'),
    ]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page, 'espace parent');
    expect(problems).toEqual([]);
    await context.close();
  });
});
