import ical from 'node-ical';
import { describe, expect, it } from 'vitest';
import { now } from '../../app/lib/clock.js';
import { parisParts } from '../../app/lib/paris-time.js';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

async function signIn(page: any, url: string, m: { login: string; password: string }) {
  await page.goto(url);
  await page.getByLabel('Identifiant').fill(m.login);
  await page.getByLabel('Mot de passe').fill(m.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/\/espace$/);
}

describe.skipIf(!chromiumAvailable)('a publication manager', () => {
  it('publishes an alert notice a parent sees on /espace, and an event visitors find on /agenda and in /agenda.ics', async () => {
    const school = await buildTenant({ name: 'Collège Lucie Aubrac' });
    const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
    const parent = await buildMember(school, { profile: 'guardian', firstName: 'Nadia', lastName: 'Benali' });

    // The manager: an alert notice, with a 422 first.
    const manager = await b.newPage();
    await signIn(manager.page, b.url(school, '/connexion'), head);
    await manager.page.goto(b.url(school, '/publication/annonces'));
    await expectNoAxeViolations(manager.page, 'publication/annonces');
    const create = manager.page.locator('form[action="/publication/annonces"]');
    await create.getByRole('button', { name: 'Créer l’annonce' }).click();
    await expect.poll(() => manager.page.locator('#new-title-error').textContent()).toBe('Le titre est obligatoire.');
    await expectNoAxeViolations(manager.page, 'publication/annonces with an error');
    await create.getByLabel('Niveau').selectOption({ label: 'Alerte' });
    await create.getByLabel('Titre').fill('Collège fermé jeudi');
    await create.getByLabel('Texte (facultatif)').fill('Grève des transports.');
    await create.getByRole('button', { name: 'Créer l’annonce' }).click();
    await expect.poll(() => manager.page.locator('#annonce').textContent()).toBe('Annonce « Collège fermé jeudi » créée.');
    expect(await manager.page.getByRole('listitem').filter({ hasText: 'Collège fermé jeudi' }).count()).toBe(1);
    await expectNoAxeViolations(manager.page, 'publication/annonces after creating');
    expect(await rowsOf(school, 'notices', { level: 'alert' })).toHaveLength(1);

    // An event next month, on the 10th at 18:00.
    const p = parisParts(now());
    const y = p.month === 12 ? p.year + 1 : p.year;
    const m = p.month === 12 ? 1 : p.month + 1;
    const month = `${y}-${String(m).padStart(2, '0')}`;
    await manager.page.goto(b.url(school, '/publication/agenda'));
    await expectNoAxeViolations(manager.page, 'publication/agenda');
    const event = manager.page.locator('form[action="/publication/agenda"]');
    await event.getByLabel('Titre').fill('Réunion parents-professeurs');
    await event.getByLabel('Date', { exact: true }).fill(`${month}-10`);
    await event.getByLabel('Heure de début').fill('18:00');
    await event.getByLabel('Heure de fin (facultative)').fill('20:00');
    await event.getByLabel('Lieu').fill('Gymnase');
    await event.getByRole('button', { name: 'Ajouter l’événement' }).click();
    await expect.poll(() => manager.page.locator('#annonce').textContent()).toBe('Événement « Réunion parents-professeurs » ajouté.');
    await expectNoAxeViolations(manager.page, 'publication/agenda after adding');
    expect(manager.problems).toEqual([expect.stringMatching(/^422 .*\/publication\/annonces$/)]);
    await manager.context.close();

    // The parent sees the alert on /espace, announced as an alert.
    const family = await b.newPage();
    await signIn(family.page, b.url(school, '/connexion'), parent);
    await expect.poll(() => family.page.getByRole('alert').filter({ hasText: 'Collège fermé jeudi' }).textContent()).toContain('Alerte');
    await expectNoAxeViolations(family.page, 'espace with a notice');
    expect(family.problems).toEqual([]);
    await family.context.close();

    // A visitor: this month, then next month through htmx (the URL follows), then the list view and the feed.
    const visitor = await b.newPage();
    await visitor.page.goto(b.url(school, '/agenda'));
    await expectNoAxeViolations(visitor.page, 'agenda (this month)');
    await visitor.page.evaluate(() => ((window as any).__sameDocument = true));
    await visitor.page.locator('a.agenda__next').click();
    await visitor.page.waitForURL(new RegExp(`mois=${month}$`));
    await expect.poll(() => visitor.page.locator('.agenda-month').textContent()).toContain('Réunion parents-professeurs');
    expect(await visitor.page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await expectNoAxeViolations(visitor.page, 'agenda (next month)');
    await visitor.page.getByRole('link', { name: 'Vue liste' }).click();
    await expect.poll(() => visitor.page.locator('.agenda-list').textContent()).toContain('de 18 h 00 à 20 h 00');
    await expectNoAxeViolations(visitor.page, 'agenda (list)');
    const ics = await visitor.page.evaluate(async () => (await fetch('/agenda.ics')).text());
    const vevents = Object.values(ical.sync.parseICS(ics)).filter((c: any) => c.type === 'VEVENT') as any[];
    expect(vevents.map((e) => e.summary)).toEqual(['Réunion parents-professeurs']);
    expect(vevents[0].start.tz).toBe('Europe/Paris');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  });
});
