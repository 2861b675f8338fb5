import { describe, expect, it } from 'vitest';
import type { Member } from '../../app/auth/member.js';
import { ownerTenantTx, tenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import { draftSaver, homepagePublisher } from '../../app/modules/homepage/homepage.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
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

  it('reads an external feed tile and a video link card: accessible, nothing loaded from elsewhere', async () => {
    const school = await buildTenant({ name: 'Collège Simone Veil' });
    const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
    const actor = { accountId: head.accountId, membershipId: head.membershipId } as Member;
    const feedUrl = 'https://www.education.gouv.fr/flux.xml';
    await tenantTx(school, async () => {
      await draftSaver({
        actor,
        tiles: [
          { id: newId(), type: 'feed', width: 2, hidden: false, settings: { title: 'Le ministère', url: feedUrl, limit: 5 } },
          { id: newId(), type: 'media', width: 1, hidden: false, settings: { kind: 'video', videoUrl: 'https://www.youtube.com/watch?v=abc', caption: 'La chorale en concert', title: '', mediaId: '', alt: '' } },
        ],
      });
      await homepagePublisher({ actor, tenant: school });
    });
    // As the feed job would have left it (the tile's save made the row; no fetch from the Internet here).
    await ownerTenantTx(school, (trx) =>
      trx('external_feeds')
        .where({ tenant_id: school.id, url: feedUrl })
        .update({
          items: JSON.stringify([{ title: 'Calendrier scolaire <i>2027</i>', url: 'https://www.education.gouv.fr/calendrier', date: '2026-11-20T08:00:00.000Z' }]),
          fetched_at: new Date(),
        }),
    );
    const { page, context, problems } = await b.newPage();
    await page.goto(b.url(school, '/'));
    expect(await page.getByRole('link', { name: 'Calendrier scolaire <i>2027</i> (site extérieur)' }).count()).toBe(1);
    expect(await page.getByText(/mis à jour le/).count()).toBe(1);
    expect(await page.getByRole('link', { name: /Regarder la vidéo sur youtube\.com : La chorale en concert/ }).count()).toBe(1);
    expect(await page.locator('iframe, video').count()).toBe(0);
    await expectNoAxeViolations(page, 'homepage with feed and video tiles');
    // Every request stayed on our own origin (useBrowser reports others as problems).
    expect(problems).toEqual([]);
    await context.close();
  });
});

