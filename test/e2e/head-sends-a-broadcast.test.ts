import { describe, expect, it } from 'vitest';
import { createMailTransport } from '../../app/modules/mailing/transport.js';
import { drainOutbox } from '../../app/modules/mailing/worker.js';
import { ownerTenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import { randomToken } from '../../app/auth/session.js';
import { sha256 } from '../../app/modules/mailing/lists.js';
import { buildMember, buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { bulkMembers, setEmail } from '../integration/mailing-support.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();

describe.skipIf(!chromiumAvailable)('the head of school', () => {
  it('previews an audience, sends a broadcast and watches its progress until the report', async () => {
    const school = await buildTenant();
    const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
    await setEmail(school, head.membershipId, 'direction@example.org');
    await bulkMembers(school, 12, { profile: 'teacher', withoutAddress: 2 });
    const { page, context, problems } = await b.newPage();
    await page.goto(b.url(school, '/connexion'));
    await page.getByLabel('Identifiant').fill(head.login);
    await page.getByLabel('Mot de passe').fill(head.password);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.waitForURL(/\/espace$/);
    await page.getByRole('navigation', { name: 'Mes services' }).getByRole('link', { name: 'Communication ciblée' }).click();
    await page.waitForURL(/\/publication\/communication-ciblee$/);
    await expectNoAxeViolations(page, 'history');
    await page.getByRole('link', { name: 'Nouvelle communication' }).click();
    await page.waitForURL(/\/nouvelle$/);
    await expectNoAxeViolations(page, 'new broadcast');
    await page.evaluate(() => ((window as any).__sameDocument = true));

    await page.getByLabel('Tous les enseignants').check();
    await page.getByRole('button', { name: 'Compter les destinataires' }).click();
    await expect.poll(() => page.locator('#apercu').textContent()).toContain('10 courriels seront envoyés (12 membres atteints, dont 2 sans adresse');
    expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
    await expectNoAxeViolations(page, 'preview');

    await page.getByLabel('Sujet').fill('Conseil pédagogique');
    await page.getByLabel('Message').fill('Bonjour,\n\nle conseil a lieu mardi.');
    await page.getByRole('button', { name: 'Envoyer' }).click();
    await page.waitForURL(/\/publication\/communication-ciblee\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.locator('#progression h2').textContent()).toBe('Envoi en cours');
    await expectNoAxeViolations(page, 'progress');

    // The worker delivers (to .eml files here); the polled block turns into the report by itself.
    expect((await drainOutbox({ transport: createMailTransport({ smtpUrl: undefined }), tenants: () => [school] })).sent).toBe(10);
    await expect.poll(() => page.locator('#progression h2').textContent(), { timeout: 10_000 }).toBe('Rapport d’envoi');
    expect(await page.locator('[data-count="sent"]').textContent()).toBe('10');
    expect(await page.locator('[data-count="without"]').textContent()).toBe('2');
    await expectNoAxeViolations(page, 'report');
    expect(await rowsOf(school, 'mail_broadcasts')).toHaveLength(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('and the pages of mailing lists and of the outbox pass axe: a visitor subscribes, confirms, unsubscribes', async () => {
    const school = await buildTenant();
    const admin = await buildMember(school, { profile: 'admin' });
    const rubricId = newId();
    const slug = uniq('vie');
    await ownerTenantTx(school, (trx) => trx('rubrics').insert({ tenant_id: school.id, id: rubricId, slug, name: 'Vie du collège', mailing_list_enabled: true }));
    const { page, context, problems } = await b.newPage();
    await page.goto(b.url(school, `/rubriques/${slug}`));
    await page.getByRole('link', { name: 'Recevoir les nouveaux articles de « Vie du collège » par courriel' }).click();
    await page.waitForURL(/\/abonnement$/);
    await expectNoAxeViolations(page, 'subscription form');
    await page.getByRole('button', { name: 'S’abonner' }).click();
    await expect.poll(() => page.locator('.field-error').textContent()).toContain('Indiquez votre adresse');
    await expectNoAxeViolations(page, 'subscription form with an error');
    await page.getByLabel('Votre adresse électronique').fill('visiteur@example.org');
    await page.getByRole('button', { name: 'S’abonner' }).click();
    await expect.poll(() => page.locator('#abonnement').textContent()).toContain('Un courriel de confirmation a été envoyé');
    await expectNoAxeViolations(page, 'subscription requested');
    const [mail] = await rowsOf(school, 'mail_outbox', { to_address: 'visiteur@example.org' });
    const confirmPath = new URL(/https:\/\/\S+/.exec(mail.text_body)![0]).pathname;
    await page.goto(b.url(school, confirmPath));
    await expectNoAxeViolations(page, 'confirm page');
    await page.getByRole('button', { name: 'Confirmer mon abonnement' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Abonnement confirmé');
    await expectNoAxeViolations(page, 'confirmed');

    // The unsubscribe link of a list mail: a page with a button, then done.
    const [sub] = await rowsOf(school, 'mailing_subscriptions', { rubric_id: rubricId });
    expect(sub.confirmed_at).not.toBeNull();
    const token = randomToken();
    await ownerTenantTx(school, (trx) => trx('mailing_unsubscribe_tokens').insert({ tenant_id: school.id, token_hash: sha256(token), subscription_id: sub.id, created_at: new Date() }));
    await page.goto(b.url(school, `/listes/desabonnement/${token}`));
    await expectNoAxeViolations(page, 'unsubscribe page');
    await page.getByRole('button', { name: 'Me désabonner' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Désabonnement effectué');
    await expectNoAxeViolations(page, 'unsubscribed');
    expect(await rowsOf(school, 'mailing_subscriptions', { rubric_id: rubricId })).toHaveLength(0);

    const login = await b.newPage();
    await login.page.goto(b.url(school, '/connexion'));
    await login.page.getByLabel('Identifiant').fill(admin.login);
    await login.page.getByLabel('Mot de passe').fill(admin.password);
    await login.page.getByRole('button', { name: 'Se connecter' }).click();
    await login.page.waitForURL(/\/espace$/);
    await login.page.goto(b.url(school, '/admin/courriels'));
    await expect.poll(() => login.page.locator('h1').textContent()).toBe('Courriels sortants');
    await expectNoAxeViolations(login.page, 'outbox view');
    await login.context.close();
    expect(problems.filter((p) => !/^422 /.test(p))).toEqual([]);
    await context.close();
  });
});
