import { afterEach, describe, expect, it } from 'vitest';
import { advanceClock, now, resetClock } from '../../app/lib/clock.js';
import { tenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import { liveNotices } from '../../app/modules/notices/service.js';
import type { Member } from '../../app/auth/member.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { addGuardianship, addToClass, buildClass, buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { ownerTenantTx } from '../../app/db/index.js';
import { Client, csrfFrom } from '../fixtures/http.js';

afterEach(() => resetClock());

async function signedIn(tenant: Tenant, opts: Parameters<typeof buildMember>[1] = {}) {
  const m = await buildMember(tenant, opts);
  const c = Client.for(tenant);
  await c.signIn(m.login, m.password);
  return { m, c, _csrf: csrfFrom((await c.get('/espace')).text) };
}
const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'section#notices-manage' };
const HOUR = 3600_000;

async function insertNotice(school: Tenant, fields: Record<string, unknown>) {
  const id = newId();
  await ownerTenantTx(school, (trx) =>
    trx('notices').insert({ tenant_id: school.id, id, level: 'info', title: 'Annonce', starts_at: new Date(now().getTime() - 60_000), ...fields }),
  );
  return id;
}

/** A member as liveNotices reads it (only profile and classes matter). */
const reader = (profile: string, classIds: string[] = []) => ({ profile, classIds }) as unknown as Member;

describe('liveNotices', () => {
  it('orders by level (alert > warning > info) then newest start first, and drops expired ones by the clock alone', async () => {
    const school = await buildTenant();
    const t = now().getTime();
    await insertNotice(school, { level: 'info', title: 'Info ancienne', starts_at: new Date(t - 3 * HOUR) });
    await insertNotice(school, { level: 'info', title: 'Info récente', starts_at: new Date(t - HOUR) });
    await insertNotice(school, { level: 'alert', title: 'Alerte', starts_at: new Date(t - 5 * HOUR), ends_at: new Date(t + 2 * HOUR) });
    await insertNotice(school, { level: 'warning', title: 'Avertissement', starts_at: new Date(t - 2 * HOUR) });
    await insertNotice(school, { level: 'alert', title: 'Future', starts_at: new Date(t + 3 * HOUR) });
    await insertNotice(school, { level: 'alert', title: 'Expirée', starts_at: new Date(t - 9 * HOUR), ends_at: new Date(t - HOUR) });
    const titles = async () => (await liveNotices(school, now())).map((n) => n.title);
    expect(await titles()).toEqual(['Alerte', 'Avertissement', 'Info récente', 'Info ancienne']);
    const [alert] = await liveNotices(school, now());
    expect(alert).toMatchObject({ level: 'alert', body: '', link_url: null });
    expect(alert.starts_at).toBeInstanceOf(Date);
    advanceClock(2 * HOUR + 1000);
    expect(await titles()).toEqual(['Avertissement', 'Info récente', 'Info ancienne']);
    advanceClock(HOUR);
    expect(await titles()).toEqual(['Future', 'Avertissement', 'Info récente', 'Info ancienne']);
    // Also inside the school's own transaction.
    expect((await tenantTx(school, () => liveNotices(school, now()))).length).toBe(4);
  });

  it('shows public notices to visitors, members’ notices to the profiles and classes they name', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const cls = await buildClass(school, '4B');
    await insertNotice(school, { title: 'Publique' });
    await insertNotice(school, { title: 'Tous les membres', audience: 'members' });
    await insertNotice(school, { title: 'Parents', audience: 'members', audience_profiles: ['guardian'] });
    await insertNotice(school, { title: 'Classe 4B', audience: 'members', audience_class_ids: [cls.id] });
    await insertNotice(other, { title: 'Autre école' });
    const titles = async (m?: Member) => (await liveNotices(school, now(), m)).map((n) => n.title).sort();
    expect(await titles()).toEqual(['Publique']);
    expect(await titles(reader('teacher'))).toEqual(['Publique', 'Tous les membres']);
    expect(await titles(reader('guardian'))).toEqual(['Parents', 'Publique', 'Tous les membres']);
    expect(await titles(reader('student', [cls.id]))).toEqual(['Classe 4B', 'Publique', 'Tous les membres']);
    expect((await liveNotices(other, now())).map((n) => n.title)).toEqual(['Autre école']);
  });
});

describe('/publication/annonces', () => {
  it('a visitor is sent to sign in; a member without the right gets 403 and saves nothing', async () => {
    const school = await buildTenant();
    const visitor = await Client.for(school).get('/publication/annonces');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.location).toMatch(/^\/connexion/);
    const teacher = await signedIn(school, { profile: 'teacher' });
    expect((await teacher.c.get('/publication/annonces')).status).toBe(403);
    expect((await teacher.c.post('/publication/annonces', { _csrf: teacher._csrf, level: 'alert', title: 'X', audience: 'public' })).status).toBe(403);
    const id = await insertNotice(school, { title: 'Existante' });
    expect((await teacher.c.post(`/publication/annonces/${id}/suppression`, { _csrf: teacher._csrf })).status).toBe(403);
    expect(await rowsOf(school, 'notices')).toHaveLength(1);
  });

  it('the head of school creates (303, or the section with htmx), audited; 422 keeps the input beside the messages', async () => {
    const school = await buildTenant();
    const head = await signedIn(school, { profile: 'staff', functions: ['head'] });
    const page = await head.c.get('/publication/annonces');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Nouvelle annonce');
    const created = await head.c.post('/publication/annonces', {
      _csrf: head._csrf, level: 'alert', title: 'Collège fermé', body: 'Neige.', link_url: '/actualites', starts_at: '', ends_at: '', audience: 'public',
    });
    expect(created.status).toBe(303);
    const [row] = await rowsOf(school, 'notices');
    expect(row).toMatchObject({ level: 'alert', title: 'Collège fermé', body: 'Neige.', link_url: '/actualites', audience: 'public', ends_at: null });
    expect(await rowsOf(school, 'audit_events', { action: 'notice.create', subject_id: row.id })).toHaveLength(1);
    const bad = await head.c.post('/publication/annonces', {
      _csrf: head._csrf, level: 'urgent', title: ' ', body: 'Mon texte', link_url: 'javascript:alert(1)', starts_at: '2026-12-01T10:00', ends_at: '2026-12-01T09:00', audience: 'public',
    }, htmx);
    expect(bad.status).toBe(422);
    expect(bad.text).not.toContain('<html');
    expect(bad.text).toContain('id="new-title" name="title" type="text" maxlength="160" required value=" " aria-invalid="true" aria-describedby="new-title-error"');
    expect(bad.text).toContain('<p class="field-error" id="new-title-error">Le titre est obligatoire.</p>');
    expect(bad.text).toContain('id="new-link_url-error"');
    expect(bad.text).toContain('id="new-level-error"');
    const backwards = await head.c.post('/publication/annonces', {
      _csrf: head._csrf, level: 'info', title: 'À l’envers', starts_at: '2026-12-01T10:00', ends_at: '2026-12-01T09:00', audience: 'public',
    }, htmx);
    expect(backwards.status).toBe(422);
    expect(backwards.text).toContain('<p class="field-error" id="new-ends_at-error">La fin doit suivre le début.</p>');
    expect(bad.text).toContain('>Mon texte</textarea>');
    expect(await rowsOf(school, 'notices')).toHaveLength(1);
    const plainBad = await head.c.post('/publication/annonces', { _csrf: head._csrf, level: 'info', title: '', audience: 'public' });
    expect(plainBad.status).toBe(422);
    expect(plainBad.text).toContain('<html');
  });

  it('edits inline, ends now (it leaves /espace at once) and deletes, each audited; another school’s id is a 404', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const head = await signedIn(school, { profile: 'admin' });
    const id = await insertNotice(school, { title: 'Réunion', level: 'info' });
    const foreign = await insertNotice(other, { title: 'De l’autre' });
    const edited = await head.c.post(`/publication/annonces/${id}`, {
      _csrf: head._csrf, level: 'warning', title: 'Réunion déplacée', body: '', link_url: 'https://exemple.fr/x', starts_at: '', ends_at: '', audience: 'members', audience_profiles: 'guardian',
    }, htmx);
    expect(edited.status).toBe(200);
    expect(edited.text).toContain('data-announce');
    expect((await rowsOf(school, 'notices', { id }))[0]).toMatchObject({ level: 'warning', title: 'Réunion déplacée', audience: 'members', audience_profiles: ['guardian'], link_url: 'https://exemple.fr/x' });
    const badEdit = await head.c.post(`/publication/annonces/${id}`, { _csrf: head._csrf, level: 'warning', title: '', audience: 'public' }, htmx);
    expect(badEdit.status).toBe(422);
    expect(badEdit.text).toContain(`id="${id}-title-error"`);
    const parent = await signedIn(school, { profile: 'guardian' });
    expect((await parent.c.get('/espace')).text).toContain('Réunion déplacée');
    expect((await head.c.post(`/publication/annonces/${id}/fin`, { _csrf: head._csrf })).status).toBe(303);
    expect((await rowsOf(school, 'notices', { id }))[0].ends_at).not.toBeNull();
    expect((await parent.c.get('/espace')).text).not.toContain('Réunion déplacée');
    for (const path of [`/publication/annonces/${foreign}`, `/publication/annonces/${foreign}/fin`, `/publication/annonces/${foreign}/suppression`, '/publication/annonces/pas-un-id/fin']) {
      expect((await head.c.post(path, { _csrf: head._csrf, level: 'info', title: 'Piraté', audience: 'public' })).status).toBe(404);
    }
    expect((await rowsOf(other, 'notices', { id: foreign }))[0]).toMatchObject({ title: 'De l’autre', ends_at: null });
    expect((await head.c.post(`/publication/annonces/${id}/suppression`, { _csrf: head._csrf })).status).toBe(303);
    expect(await rowsOf(school, 'notices', { id })).toHaveLength(0);
    for (const a of ['update', 'end', 'delete']) expect(await rowsOf(school, 'audit_events', { action: `notice.${a}`, subject_id: id })).toHaveLength(1);
  });
});

describe('/espace notices', () => {
  it('a parent sees the notices of their profile and of their child’s class, alerts first inside role="alert", levels in text', async () => {
    const school = await buildTenant();
    const cls = await buildClass(school, '5C');
    const other = await buildClass(school, '6D');
    const child = await buildMember(school, { profile: 'student' });
    await addToClass(school, cls.id, child.membershipId);
    const parent = await signedIn(school, { profile: 'guardian' });
    await addGuardianship(school, parent.m.membershipId, child.membershipId);
    await insertNotice(school, { title: 'Sortie 5C', level: 'info', audience: 'members', audience_class_ids: [cls.id] });
    await insertNotice(school, { title: 'Sortie 6D', level: 'info', audience: 'members', audience_class_ids: [other.id] });
    await insertNotice(school, { title: 'Grève', level: 'alert', audience: 'members', audience_profiles: ['guardian'] });
    await insertNotice(school, { title: 'Profs', level: 'warning', audience: 'members', audience_profiles: ['teacher'] });
    const html = (await parent.c.get('/espace')).text;
    expect(html).toContain('Sortie 5C');
    expect(html).not.toContain('Sortie 6D');
    expect(html).not.toContain('Profs');
    expect(html.indexOf('Grève')).toBeLessThan(html.indexOf('Sortie 5C'));
    expect(html).toMatch(/role="alert"[^>]*>\s*<p class="notice__head"><span class="notice__level">Alerte<\/span><span class="notice__sep"> : <\/span><strong class="notice__title">Grève/);
    expect(html).toContain('<span class="notice__level">Information</span>');
  });
});
