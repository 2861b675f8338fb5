import { afterEach, describe, expect, it } from 'vitest';
import { ownerTenantTx, tenantTx } from '../../app/db/index.js';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { articleListMailCanceller, articleListMailRescheduler, sha256 } from '../../app/modules/mailing/lists.js';
import { drainOutbox } from '../../app/modules/mailing/worker.js';
import { dateToParisLocal } from '../../app/modules/publication/schemas.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { Client, csrfFrom, testApp, hostOf } from '../fixtures/http.js';
import { useTestSmtp } from '../fixtures/smtp.js';
import { headerLine, receivedBy, signedIn } from './mailing-support.js';
import supertest from 'supertest';

const relay = useTestSmtp();
afterEach(() => resetClock());

const drain = (tenant: Tenant) => drainOutbox({ transport: relay.transport, tenants: () => [tenant] });

/** A school with a rubric, its manager, and the list switched on by the manager through the page's form. */
async function schoolWithList(visibility: 'public' | 'private' = 'public') {
  const school = await buildTenant();
  const manager = await signedIn(school, { email: `chef-${uniq('r')}@example.org` });
  const rubricId = newId();
  const slug = uniq('vie');
  await ownerTenantTx(school, async (trx) => {
    await trx('rubrics').insert({ tenant_id: school.id, id: rubricId, slug, name: 'Vie du collège', visibility });
    await trx('rubric_roles').insert({ tenant_id: school.id, rubric_id: rubricId, target_type: 'membership', target_value: manager.m.membershipId, role: 'manager' });
    if (visibility === 'private') await trx('rubric_roles').insert({ tenant_id: school.id, rubric_id: rubricId, target_type: 'school', target_value: '', role: 'reader' });
  });
  const on = await manager.c.post(`/publication/rubriques/${rubricId}/liste-de-diffusion`, { _csrf: manager._csrf, enabled: 'true' });
  expect(on.status).toBe(303);
  return { school, manager, rubricId, slug };
}

/** The manager writes and publishes an article (at `publishAt`, or now). Returns its id. */
async function publish(manager: Awaited<ReturnType<typeof signedIn>>, rubricId: string, title: string, publishAt?: Date): Promise<string> {
  const res = await manager.c.post('/publication/articles', { _csrf: manager._csrf, title, rubric_id: rubricId, summary: `Résumé de ${title}`, body_html: '<div>Le texte.</div>' });
  expect(res.status).toBe(303);
  const id = res.headers.location.split('/')[3].split('?')[0];
  const pub = await manager.c.post(`/publication/articles/${id}/publication`, { _csrf: manager._csrf, publish_at: publishAt ? dateToParisLocal(publishAt) : '' });
  expect(pub.status).toBe(303);
  return id;
}

describe('rubric mailing lists', () => {
  it('the rubric manager switches the list on and off (audited); another member gets 403', async () => {
    const { school, manager, rubricId, slug } = await schoolWithList();
    expect((await rowsOf(school, 'rubrics', { id: rubricId }))[0].mailing_list_enabled).toBe(true);
    // The public rubric page links to the subscription page while the list is on.
    expect((await new Client(hostOf(school)).get(`/rubriques/${slug}`)).text).toContain(`/rubriques/${slug}/abonnement`);
    const other = await signedIn(school);
    expect((await other.c.post(`/publication/rubriques/${rubricId}/liste-de-diffusion`, { _csrf: other._csrf, enabled: 'false' })).status).toBe(403);
    expect((await manager.c.post(`/publication/rubriques/${rubricId}/liste-de-diffusion`, { _csrf: manager._csrf, enabled: 'false' })).status).toBe(303);
    expect((await rowsOf(school, 'rubrics', { id: rubricId }))[0].mailing_list_enabled).toBe(false);
    const audits = (await rowsOf(school, 'audit_events', { subject_id: rubricId })).map((a) => a.action).sort();
    expect(audits).toEqual(['mailing.list_disabled', 'mailing.list_enabled']);
    // The switch shows on the rubric administration page.
    expect((await manager.c.get('/publication/rubriques')).text).toContain(`/publication/rubriques/${rubricId}/liste-de-diffusion`);
    // List off: no subscription page, no link.
    expect((await new Client(hostOf(school)).get(`/rubriques/${slug}/abonnement`)).status).toBe(404);
    expect((await new Client(hostOf(school)).get(`/rubriques/${slug}`)).text).not.toContain(`/rubriques/${slug}/abonnement`);
  });

  it('a subscribed member receives a published article with List-Id, List-Unsubscribe and one-click; the one-click POST unsubscribes at once', async () => {
    const { school, manager, rubricId, slug } = await schoolWithList();
    const email = `${uniq('abonne')}@example.org`;
    const reader = await signedIn(school, { profile: 'student', email });
    const notSubscribed = `${uniq('autre')}@example.org`;
    await signedIn(school, { profile: 'student', email: notSubscribed });
    const page = await reader.c.get(`/rubriques/${slug}/abonnement`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('S’abonner à la liste');
    const sub = await reader.c.post(`/rubriques/${slug}/abonnement`, { _csrf: reader._csrf, action: 'subscribe' });
    expect(sub.status).toBe(200);
    expect(sub.text).toContain('Vous êtes abonné(e)');

    const articleId = await publish(manager, rubricId, 'Kermesse de juin');
    await drain(school);
    const got = receivedBy(relay.smtp.received, email);
    expect(got).toHaveLength(1);
    expect(receivedBy(relay.smtp.received, notSubscribed)).toHaveLength(0);
    const mail = got[0]!;
    expect(mail.subject).toBe('[Vie du collège] Kermesse de juin');
    expect(mail.text).toContain('Résumé de Kermesse de juin');
    expect(mail.text).toContain(`https://${hostOf(school)}/articles/${articleId}/`);
    // Header names are case-insensitive (nodemailer writes List-ID).
    expect(headerLine(mail, 'list-id')?.toLowerCase()).toBe(`list-id: <${slug}.${hostOf(school)}>`);
    // A long header may be folded (RFC 5322): unfold it.
    const unsubscribeHeader = headerLine(mail, 'list-unsubscribe')!.replace(/\r?\n[ \t]+/g, ' ');
    const m = /^List-Unsubscribe:\s*<(https:\/\/[^>]+)>$/i.exec(unsubscribeHeader);
    expect(m).not.toBeNull();
    expect(headerLine(mail, 'list-unsubscribe-post')).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/i);
    const url = new URL(m![1]!);
    expect(url.host).toBe(hostOf(school));
    // Only the hash of the token is stored.
    const token = url.pathname.split('/').pop()!;
    expect((await rowsOf(school, 'mailing_unsubscribe_tokens', { token_hash: sha256(token) }))).toHaveLength(1);
    expect((await rowsOf(school, 'mailing_unsubscribe_tokens', { token_hash: token }))).toHaveLength(0);

    // GET shows a confirmation page with a button and changes nothing.
    const visitor = new Client(hostOf(school));
    const confirm = await visitor.get(url.pathname);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('Me désabonner');
    expect(await rowsOf(school, 'mailing_subscriptions', { rubric_id: rubricId })).toHaveLength(1);
    // The mail system's one-click POST: no cookie, no Origin, no CSRF token, just the RFC 8058 body.
    const oneClick = await supertest(testApp().callback()).post(url.pathname).set('Host', hostOf(school)).type('form').send('List-Unsubscribe=One-Click');
    expect(oneClick.status).toBe(200);
    expect(await rowsOf(school, 'mailing_subscriptions', { rubric_id: rubricId })).toHaveLength(0);
    // The same path without the RFC body is still subject to the CSRF check.
    const forged = await supertest(testApp().callback()).post(url.pathname).set('Host', hostOf(school)).type('form').send('x=1');
    expect(forged.status).toBe(403);

    // The next article is not sent to that address.
    relay.smtp.received.length = 0;
    await publish(manager, rubricId, 'Fête de fin d’année');
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(0);
  });

  it('double opt-in: an unconfirmed visitor gets nothing; once confirmed, the next article', async () => {
    const { school, manager, rubricId, slug } = await schoolWithList();
    const visitor = new Client(hostOf(school));
    const page = await visitor.get(`/rubriques/${slug}/abonnement`);
    expect(page.status).toBe(200);
    const _csrf = csrfFrom(page.text);
    const bad = await visitor.post(`/rubriques/${slug}/abonnement`, { _csrf, email: 'pas-une-adresse' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('aria-invalid="true"');
    const email = `${uniq('Visiteur')}@Example.org`;
    const ok = await visitor.post(`/rubriques/${slug}/abonnement`, { _csrf, email });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('Un courriel de confirmation a été envoyé');

    // Published before confirmation: only the confirmation mail arrives.
    await publish(manager, rubricId, 'Avant confirmation');
    await drain(school);
    const first = receivedBy(relay.smtp.received, email);
    expect(first).toHaveLength(1);
    expect(first[0]!.subject).toContain('Confirmez votre abonnement');
    const link = /https:\/\/\S+\/listes\/confirmation\/([A-Za-z0-9_-]{43})/.exec(first[0]!.text ?? '');
    expect(link).not.toBeNull();
    const token = link![1]!;
    const [row] = await rowsOf(school, 'mailing_subscriptions', { rubric_id: rubricId });
    expect(row.confirmed_at).toBeNull();
    expect(row.confirm_token_hash).toBe(sha256(token));

    // Opening the link shows a button (a link scanner confirms nothing); the button confirms.
    const confirmPage = await visitor.get(`/listes/confirmation/${token}`);
    expect(confirmPage.status).toBe(200);
    expect((await rowsOf(school, 'mailing_subscriptions', { rubric_id: rubricId }))[0].confirmed_at).toBeNull();
    const confirmed = await visitor.post(`/listes/confirmation/${token}`, { _csrf: csrfFrom(confirmPage.text) });
    expect(confirmed.status).toBe(200);
    expect(confirmed.text).toContain('Abonnement confirmé');
    const [after] = await rowsOf(school, 'mailing_subscriptions', { rubric_id: rubricId });
    expect(after.confirmed_at).not.toBeNull();
    expect(after.confirm_token_hash).toBeNull();
    // A spent token is refused.
    expect((await visitor.get(`/listes/confirmation/${token}`)).status).toBe(404);

    relay.smtp.received.length = 0;
    await publish(manager, rubricId, 'Après confirmation');
    await drain(school);
    const second = receivedBy(relay.smtp.received, email);
    expect(second.map((m) => m.subject)).toEqual(['[Vie du collège] Après confirmation']);
  });

  it('a confirmation link expires after 7 days; a repeated request within 10 minutes sends no second mail', async () => {
    const { school, slug } = await schoolWithList();
    const visitor = new Client(hostOf(school));
    const _csrf = csrfFrom((await visitor.get(`/rubriques/${slug}/abonnement`)).text);
    const email = `${uniq('tard')}@example.org`;
    await visitor.post(`/rubriques/${slug}/abonnement`, { _csrf, email });
    // Asking again at once sends no second mail (the form cannot flood an address).
    expect((await visitor.post(`/rubriques/${slug}/abonnement`, { _csrf, email })).status).toBe(200);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(1);
    const token = /\/listes\/confirmation\/([A-Za-z0-9_-]{43})/.exec(receivedBy(relay.smtp.received, email)[0]!.text ?? '')![1]!;
    advanceClock(8 * 24 * 3600_000);
    expect((await visitor.get(`/listes/confirmation/${token}`)).status).toBe(404);
  });

  it('a scheduled article’s list mail is not delivered before its publication time', async () => {
    const { school, manager, rubricId, slug } = await schoolWithList();
    const email = `${uniq('prog')}@example.org`;
    const reader = await signedIn(school, { profile: 'teacher', email });
    await reader.c.post(`/rubriques/${slug}/abonnement`, { _csrf: reader._csrf, action: 'subscribe' });
    const at = new Date(Date.now() + 3 * 3600_000);
    await publish(manager, rubricId, 'Article programmé', at);
    const [row] = await rowsOf(school, 'mail_outbox', { to_address: email });
    expect(row.status).toBe('pending');
    expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 2 * 3600_000);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(0);
    advanceClock(2 * 3600_000);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(0);
    advanceClock(3600_000 + 60_000);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email).map((m) => m.subject)).toEqual(['[Vie du collège] Article programmé']);
  });

  it('the list mails of a scheduled article withdrawn before its time are cancelled; published again, they follow the new time', async () => {
    const { school, manager, rubricId, slug } = await schoolWithList();
    const email = `${uniq('retire')}@example.org`;
    const reader = await signedIn(school, { profile: 'teacher', email });
    await reader.c.post(`/rubriques/${slug}/abonnement`, { _csrf: reader._csrf, action: 'subscribe' });
    const id = await publish(manager, rubricId, 'Finalement non', new Date(Date.now() + 3600_000));
    // (published now: the manager's session would expire while the clock moves on)
    const id2 = await publish(manager, rubricId, 'Reporté', new Date(Date.now() + 4 * 3600_000));
    expect(await rowsOf(school, 'mail_outbox', { to_address: email })).toHaveLength(2);
    // Put in the trash before its time (through the editor): its waiting list mail is withdrawn.
    const trashed = await manager.c.post(`/publication/articles/${id}/corbeille`, { _csrf: manager._csrf });
    expect(trashed.status).toBe(303);
    expect(await rowsOf(school, 'mail_outbox', { to_address: email })).toHaveLength(1);
    expect(await tenantTx(school, () => articleListMailCanceller(id))).toBe(0);
    advanceClock(2 * 3600_000);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(0);
    // Rescheduled: the waiting mail moves with the new time (4 h → 6 h from the start).
    expect(await tenantTx(school, () => articleListMailRescheduler(id2, new Date(Date.now() + 6 * 3600_000)))).toBe(1);
    advanceClock(3 * 3600_000);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email)).toHaveLength(0);
    advanceClock(2 * 3600_000);
    await drain(school);
    expect(receivedBy(relay.smtp.received, email).map((m) => m.subject)).toEqual(['[Vie du collège] Reporté']);
  });

  it('a private rubric’s list: members who may read it subscribe; visitors cannot', async () => {
    const { school, slug } = await schoolWithList('private');
    expect((await new Client(hostOf(school)).get(`/rubriques/${slug}/abonnement`)).status).toBe(404);
    const member = await signedIn(school, { profile: 'student', email: `${uniq('p')}@example.org` });
    const res = await member.c.post(`/rubriques/${slug}/abonnement`, { _csrf: member._csrf, action: 'subscribe' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('Se désabonner');
    const undo = await member.c.post(`/rubriques/${slug}/abonnement`, { _csrf: member._csrf, action: 'unsubscribe' });
    expect(undo.text).toContain('S’abonner à la liste');
  });
});
