import { describe, expect, it } from 'vitest';
import { buildClass, buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';

async function signedIn(profile: string, functions: string[] = []) {
  const school = await buildTenant();
  const m = await buildMember(school, { profile, functions });
  const c = Client.for(school);
  await c.signIn(m.login, m.password);
  const page = await c.get('/espace');
  return { school, m, c, _csrf: csrfFrom(page.text) };
}

const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'section#service-grades' };

describe('/admin/services', () => {
  it('sends a visitor to sign in', async () => {
    const school = await buildTenant();
    const res = await Client.for(school).get('/admin/services');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/connexion?suite=%2Fadmin%2Fservices');
  });

  it('is refused (403) to a teacher, and the teacher cannot add a rule either', async () => {
    const { school, c, _csrf } = await signedIn('teacher');
    expect((await c.get('/admin/services')).status).toBe(403);
    const res = await c.post('/admin/services/admin/regles', { _csrf, target: 'profile:teacher', role: 'manager' });
    expect(res.status).toBe(403);
    expect(await rowsOf(school, 'access_rules', { service_key: 'admin', target_value: 'teacher' })).toHaveLength(0);
  });

  it('shows the matrix to an administrator and to the head of school', async () => {
    const { c } = await signedIn('admin');
    const page = await c.get('/admin/services');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Services et droits');
    expect(page.text).toContain('Évaluations');
    expect(page.text).toMatch(/Direction : <strong>gestionnaire<\/strong>/);
    const head = await signedIn('staff', ['head']);
    expect((await head.c.get('/admin/services')).status).toBe(200);
  });

  it('adds a rule with htmx: the service block comes back alone, the rule is stored and audited', async () => {
    const { school, m, c, _csrf } = await signedIn('admin');
    const cls = await buildClass(school, '4B');
    const res = await c.post('/admin/services/grades/regles', { _csrf, target: `class:${cls.id}`, role: 'read' }, htmx);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<html');
    expect(res.text).toContain('id="service-grades"');
    expect(res.text).toContain('Classe 4B : <strong>consultation</strong>');
    expect(res.text).toContain('data-announce');
    const stored = await rowsOf(school, 'access_rules', { service_key: 'grades', target_type: 'class', target_value: cls.id });
    expect(stored).toHaveLength(1);
    const audit = await rowsOf(school, 'audit_events', { action: 'rights.rule_added', subject_id: stored[0].id });
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_membership_id).toBe(m.membershipId);
    expect(audit[0].details).toMatchObject({ service: 'grades', target_type: 'class', role: 'read' });
  });

  it('adds and removes a rule without JavaScript (303 back to the page)', async () => {
    const { school, c, _csrf } = await signedIn('admin');
    const add = await c.post('/admin/services/timetable/regles', { _csrf, target: 'profile:guardian', role: 'manager' });
    expect(add.status).toBe(303);
    expect(add.headers.location).toBe('/admin/services#service-timetable');
    const [rule] = await rowsOf(school, 'access_rules', { service_key: 'timetable', target_value: 'guardian' });
    expect(rule.role).toBe('manager');
    const del = await c.post(`/admin/services/timetable/regles/${rule.id}/suppression`, { _csrf });
    expect(del.status).toBe(303);
    expect(await rowsOf(school, 'access_rules', { id: rule.id })).toHaveLength(0);
    expect(await rowsOf(school, 'audit_events', { action: 'rights.rule_removed', subject_id: rule.id })).toHaveLength(1);
  });

  it('refuses bad input with 422 and a message beside the field, changing nothing', async () => {
    const { school, c, _csrf } = await signedIn('admin');
    const before = (await rowsOf(school, 'access_rules')).length;
    const noTarget = await c.post('/admin/services/grades/regles', { _csrf, target: '', role: 'read' }, htmx);
    expect(noTarget.status).toBe(422);
    expect(noTarget.text).toContain('aria-invalid="true"');
    expect(noTarget.text).toContain('class="field-error"');
    const badRole = await c.post('/admin/services/grades/regles', { _csrf, target: 'school:', role: 'pirate' });
    expect(badRole.status).toBe(422);
    expect(badRole.text).toContain('Ce rôle n’existe pas pour ce service.');
    expect(badRole.text).toContain('<html'); // without htmx the whole page comes back
    const badClass = await c.post('/admin/services/grades/regles', { _csrf, target: 'class:00000000-0000-4000-8000-000000000000', role: 'read' }, htmx);
    expect(badClass.status).toBe(422);
    expect(badClass.text).toContain('Cette cible n’existe pas dans l’établissement.');
    const dup = await c.post('/admin/services/grades/regles', { _csrf, target: 'function:head', role: 'manager' }, htmx);
    expect(dup.status).toBe(422);
    expect(dup.text).toContain('Cette règle existe déjà.');
    const unknownService = await c.post('/admin/services/nope/regles', { _csrf, target: 'school:', role: 'read' });
    expect(unknownService.status).toBe(404);
    expect((await rowsOf(school, 'access_rules')).length).toBe(before);
  });

  it('a rule change takes effect on the next page: a new rule opens a service to a profile', async () => {
    const school = await buildTenant();
    const admin = await buildMember(school, { profile: 'admin' });
    const nurse = await buildMember(school, { profile: 'staff', functions: ['nurse'] });
    const n = Client.for(school);
    await n.signIn(nurse.login, nurse.password);
    expect((await n.get('/espace')).text).not.toContain('href="/publication"');
    const a = Client.for(school);
    await a.signIn(admin.login, admin.password);
    const _csrf = csrfFrom((await a.get('/espace')).text);
    await a.post('/admin/services/publication/regles', { _csrf, target: 'function:nurse', role: 'contributor' });
    expect((await n.get('/espace')).text).toContain('href="/publication"');
  });

  it('a rule on a service still to come is kept, but opens no link until the service has a page', async () => {
    const school = await buildTenant();
    const admin = await buildMember(school, { profile: 'admin' });
    const nurse = await buildMember(school, { profile: 'staff', functions: ['nurse'] });
    const a = Client.for(school);
    await a.signIn(admin.login, admin.password);
    const _csrf = csrfFrom((await a.get('/espace')).text);
    expect((await a.post('/admin/services/absences/regles', { _csrf, target: 'function:nurse', role: 'read' })).status).toBe(303);
    expect(await rowsOf(school, 'access_rules', { service_key: 'absences', target_value: 'nurse' })).toHaveLength(1);
    const n = Client.for(school);
    await n.signIn(nurse.login, nurse.password);
    const page = (await n.get('/espace')).text;
    expect(page).not.toContain('Absences');
    expect(page).not.toContain('href="/vie-scolaire/absences"');
  });
});
