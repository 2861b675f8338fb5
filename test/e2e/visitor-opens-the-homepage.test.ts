import { describe, expect, it } from 'vitest';
import { buildTenant } from '../fixtures/factories.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

describe.skipIf(!chromiumAvailable)('a visitor', () => {
  it('opens the homepage and the sign-in page: accessible, French, no inline script, nothing from elsewhere', async () => {
    const school = await buildTenant({ name: 'Collège Victor Hugo' });
    const { page, context, problems } = await b.newPage();
    const res = await page.goto(b.url(school, '/'));
    expect(res?.status()).toBe(200);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    await expect.poll(() => page.title()).toContain('Collège Victor Hugo');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Collège Victor Hugo');
    expect(await page.getByRole('link', { name: 'Accessibilité : partiellement conforme' }).count()).toBe(1);
    // htmx loaded from our own origin and running
    expect(await page.evaluate(() => typeof (window as any).htmx)).toBe('object');
    await expectNoAxeViolations(page, 'homepage');

    // The skip link is the first thing the keyboard reaches and it moves to the content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Aller au contenu');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('contenu');

    await page.getByRole('link', { name: 'Se connecter à mon espace' }).click();
    await page.waitForURL(/\/connexion$/);
    expect(await page.getByLabel('Identifiant').count()).toBe(1);
    await expectNoAxeViolations(page, 'connexion');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('reads the homepage at 320 px wide without scrolling sideways', async () => {
    const school = await buildTenant({ name: 'Lycée polyvalent de la Côte d’Opale et des Deux Caps' });
    const { page, context, problems } = await b.newPage({ width: 320 });
    await page.goto(b.url(school, '/'));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page, 'homepage at 320px');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('gets a French 404 page for an unknown address', async () => {
    const school = await buildTenant();
    const { page, context } = await b.newPage();
    const res = await page.goto(b.url(school, '/nulle-part'));
    expect(res?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page introuvable');
    await expectNoAxeViolations(page, '404');
    await context.close();
  });
});
