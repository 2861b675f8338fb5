import ical from 'node-ical';
import { afterEach, describe, expect, it } from 'vitest';
import type { Member } from '../../app/auth/member.js';
import { ownerTenantTx } from '../../app/db/index.js';
import { advanceClock, now, resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { upcomingEvents } from '../../app/modules/agenda/service.js';
import { parisToUtc } from '../../app/lib/paris-time.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildClass, buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';

afterEach(() => resetClock());

async function signedIn(tenant: Tenant, opts: Parameters<typeof buildMember>[1] = {}) {
  const m = await buildMember(tenant, opts);
  const c = Client.for(tenant);
  await c.signIn(m.login, m.password);
  return { m, c, _csrf: csrfFrom((await c.get('/espace')).text) };
}
const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial' };
const DAY = 86400_000;

async function insertEvent(school: Tenant, fields: Record<string, unknown>) {
  const id = newId();
  await ownerTenantTx(school, (trx) => trx('agenda_events').insert({ tenant_id: school.id, id, title: 'Événement', starts_at: new Date(now().getTime() + DAY), ...fields }));
  return id;
}
const reader = (profile: string, classIds: string[] = []) => ({ profile, classIds }) as unknown as Member;

describe('upcomingEvents', () => {
  it('lists the next events by start (under way included, over ones not), public for visitors plus the member’s audience, at most limit', async () => {
    const school = await buildTenant();
    const cls = await buildClass(school, '3A');
    const t = now().getTime();
    await insertEvent(school, { title: 'Passé', starts_at: new Date(t - 2 * DAY), ends_at: new Date(t - DAY) });
    await insertEvent(school, { title: 'En cours', starts_at: new Date(t - 3600_000), ends_at: new Date(t + 3600_000) });
    await insertEvent(school, { title: 'Portes ouvertes', starts_at: new Date(t + 3 * DAY) });
    await insertEvent(school, { title: 'Conseil 3A', starts_at: new Date(t + 2 * DAY), audience: 'members', audience_class_ids: [cls.id] });
    await insertEvent(school, { title: 'Réunion profs', starts_at: new Date(t + DAY), audience: 'members', audience_profiles: ['teacher'] });
    const titles = async (m?: Member, limit = 10) => (await upcomingEvents(school, now(), limit, m)).map((e) => e.title);
    expect(await titles()).toEqual(['En cours', 'Portes ouvertes']);
    expect(await titles(reader('teacher'))).toEqual(['En cours', 'Réunion profs', 'Portes ouvertes']);
    expect(await titles(reader('guardian', [cls.id]))).toEqual(['En cours', 'Conseil 3A', 'Portes ouvertes']);
    expect(await titles(reader('teacher', [cls.id]), 2)).toEqual(['En cours', 'Réunion profs']);
    const [first] = await upcomingEvents(school, now(), 1);
    expect(first).toMatchObject({ title: 'En cours', all_day: false, place: '', description: '' });
    advanceClock(2 * 3600_000);
    expect(await titles()).toEqual(['Portes ouvertes']);
  });
});

describe('/agenda', () => {
  it('shows a month as a table with plain links between months, the fragment alone for htmx, and a list view; no cookie for visitors', async () => {
    const school = await buildTenant();
    await insertEvent(school, { title: 'Conseil de classe 3e A', starts_at: parisToUtc(2026, 12, 3, 17, 30), ends_at: parisToUtc(2026, 12, 3, 19, 0), place: 'Salle 12' });
    await insertEvent(school, { title: 'Journée portes ouvertes', starts_at: parisToUtc(2026, 12, 12), ends_at: parisToUtc(2026, 12, 13), all_day: true });
    await insertEvent(school, { title: 'Réservé aux parents', starts_at: parisToUtc(2026, 12, 4, 18), audience: 'members', audience_profiles: ['guardian'] });
    const visitor = Client.for(school);
    const page = await visitor.get('/agenda?mois=2026-12');
    expect(page.status).toBe(200);
    expect(page.headers['set-cookie']).toBeUndefined();
    expect(page.text).toContain('<html');
    expect(page.text).toContain('<caption class="visually-hidden">Événements de décembre 2026</caption>');
    expect(page.text).toContain('href="/agenda?mois=2026-11"');
    expect(page.text).toContain('href="/agenda?mois=2027-01"');
    expect(page.text).toMatch(/jeudi 3 décembre 2026<\/span><\/span>\s*<ul class="agenda-day__events">\s*<li><span class="agenda-day__hour">17 h 30<\/span> Conseil de classe 3e A/);
    expect(page.text).toContain('<span class="agenda-day__hour">Journée</span> Journée portes ouvertes');
    expect(page.text).not.toContain('Réservé aux parents');
    const fragment = await visitor.get('/agenda?mois=2027-01', htmx);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).toContain('Janvier 2027');
    expect(fragment.text).toContain('Aucun événement ce mois-ci.');
    const list = await visitor.get('/agenda?mois=2026-12&vue=liste');
    expect(list.text).toContain('jeudi 3 décembre 2026, de 17 h 30 à 19 h 00');
    expect(list.text).toContain('samedi 12 décembre 2026, toute la journée');
    expect(list.text).toContain('Lieu : Salle 12');
    const parent = await signedIn(school, { profile: 'guardian' });
    expect((await parent.c.get('/agenda?mois=2026-12')).text).toContain('Réservé aux parents');
    expect((await visitor.get('/agenda?mois=n-importe')).status).toBe(200);
  });

  it('/agenda.ics is a valid iCalendar of the public events: UID, DTSTAMP, TZID=Europe/Paris, summary, all-day dates', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const t = now().getTime();
    const timed = await insertEvent(school, { title: 'Réunion parents-professeurs', starts_at: new Date(Math.floor((t + 5 * DAY) / 60000) * 60000), ends_at: new Date(Math.floor((t + 5 * DAY) / 60000) * 60000 + 7200_000), place: 'Gymnase', description: 'Venez nombreux' });
    const allDay = await insertEvent(school, { title: 'Portes ouvertes', starts_at: parisToUtc(2027, 3, 20), ends_at: parisToUtc(2027, 3, 21), all_day: true });
    await insertEvent(school, { title: 'Privé', audience: 'members' });
    await insertEvent(other, { title: 'Autre école' });
    const res = await Client.for(school).get('/agenda.ics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/calendar/);
    expect(res.headers['set-cookie']).toBeUndefined();
    const text = res.text;
    expect(text).toContain('BEGIN:VTIMEZONE');
    expect(text).toMatch(/DTSTART;TZID=Europe\/Paris:\d{8}T\d{6}/);
    expect(text).toContain('DTSTART;VALUE=DATE:20270320');
    expect(text).toContain('DTEND;VALUE=DATE:20270321');
    const parsed = ical.sync.parseICS(text);
    const events = Object.values(parsed).filter((c: any) => c.type === 'VEVENT') as any[];
    expect(events.map((e) => e.summary).sort()).toEqual(['Portes ouvertes', 'Réunion parents-professeurs']);
    const host = `${school.slug}`;
    const r = events.find((e) => e.summary === 'Réunion parents-professeurs');
    expect(r.uid).toBe(`${timed}@${host}.preau`);
    expect(r.dtstamp).toBeInstanceOf(Date);
    expect(r.start.toISOString()).toBe(new Date(Math.floor((t + 5 * DAY) / 60000) * 60000).toISOString());
    expect(r.start.tz).toBe('Europe/Paris');
    expect(r.location).toBe('Gymnase');
    const a = events.find((e) => e.summary === 'Portes ouvertes');
    expect(a.uid).toMatch(new RegExp(`^${allDay}@`));
    expect(a.datetype).toBe('date');
  });
});

describe('/publication/agenda', () => {
  it('visitors sign in, members without the right get 403, another school’s ids are 404', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    expect((await Client.for(school).get('/publication/agenda')).status).toBe(303);
    const teacher = await signedIn(school, { profile: 'teacher' });
    expect((await teacher.c.get('/publication/agenda')).status).toBe(403);
    expect((await teacher.c.post('/publication/agenda', { _csrf: teacher._csrf, title: 'X', date: '2026-12-01', all_day: 'on', audience: 'public' })).status).toBe(403);
    const mine = await insertEvent(school, { title: 'À moi' });
    expect((await teacher.c.post(`/publication/agenda/${mine}/suppression`, { _csrf: teacher._csrf })).status).toBe(403);
    const head = await signedIn(school, { profile: 'staff', functions: ['head'] });
    const foreign = await insertEvent(other, { title: 'De B' });
    expect((await head.c.post(`/publication/agenda/${foreign}`, { _csrf: head._csrf, title: 'Piraté', date: '2026-12-01', all_day: 'on', audience: 'public' })).status).toBe(404);
    expect((await head.c.post(`/publication/agenda/${foreign}/suppression`, { _csrf: head._csrf })).status).toBe(404);
    expect((await rowsOf(other, 'agenda_events', { id: foreign }))[0].title).toBe('De B');
    expect(await rowsOf(school, 'agenda_events')).toHaveLength(1);
  });

  it('creates timed and all-day events in Paris time, edits, deletes, audited; 422 with messages', async () => {
    const school = await buildTenant();
    const head = await signedIn(school, { profile: 'admin' });
    expect((await head.c.get('/publication/agenda')).status).toBe(200);
    const created = await head.c.post('/publication/agenda', {
      _csrf: head._csrf, title: 'Conseil de classe 4B', date: '2027-01-14', start_time: '17:00', end_time: '18:30', place: 'Salle des conseils', description: '', audience: 'members', audience_profiles: 'teacher',
    });
    expect(created.status).toBe(303);
    const [row] = await rowsOf(school, 'agenda_events');
    expect(row).toMatchObject({ title: 'Conseil de classe 4B', all_day: false, place: 'Salle des conseils', audience: 'members', audience_profiles: ['teacher'] });
    expect(new Date(row.starts_at).toISOString()).toBe('2027-01-14T16:00:00.000Z');
    expect(new Date(row.ends_at).toISOString()).toBe('2027-01-14T17:30:00.000Z');
    const edited = await head.c.post(`/publication/agenda/${row.id}`, {
      _csrf: head._csrf, title: 'Stage', date: '2027-07-01', all_day: 'on', end_date: '2027-07-03', audience: 'public',
    }, htmx);
    expect(edited.status).toBe(200);
    expect(edited.text).toContain('data-announce');
    const after = (await rowsOf(school, 'agenda_events', { id: row.id }))[0];
    expect(new Date(after.starts_at).toISOString()).toBe('2027-06-30T22:00:00.000Z');
    expect(new Date(after.ends_at).toISOString()).toBe('2027-07-03T22:00:00.000Z');
    expect(edited.text).toContain('value="2027-07-03"');
    const bad = await head.c.post('/publication/agenda', { _csrf: head._csrf, title: '', date: 'demain', place: 'Cour', audience: 'public' }, htmx);
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('<p class="field-error" id="new-title-error">Le titre est obligatoire.</p>');
    expect(bad.text).toContain('value="Cour"');
    const noTime = await head.c.post('/publication/agenda', { _csrf: head._csrf, title: 'Sans heure', date: '2027-01-10', audience: 'public' }, htmx);
    expect(noTime.status).toBe(422);
    expect(noTime.text).toContain('id="new-start_time-error"');
    const backwards = await head.c.post('/publication/agenda', { _csrf: head._csrf, title: 'À l’envers', date: '2027-01-10', start_time: '10:00', end_time: '09:00', audience: 'public' });
    expect(backwards.status).toBe(422);
    expect(backwards.text).toContain('<p class="field-error" id="new-end_time-error">La fin doit suivre le début.</p>');
    expect(await rowsOf(school, 'agenda_events')).toHaveLength(1);
    expect((await head.c.post(`/publication/agenda/${row.id}/suppression`, { _csrf: head._csrf })).status).toBe(303);
    expect(await rowsOf(school, 'agenda_events')).toHaveLength(0);
    for (const a of ['create', 'update', 'delete']) expect(await rowsOf(school, 'audit_events', { action: `agenda.${a}`, subject_id: row.id })).toHaveLength(1);
  });
});
