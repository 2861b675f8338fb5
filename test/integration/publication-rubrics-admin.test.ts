import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildClass, buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';

async function signedIn(tenant: Tenant, opts: Parameters<typeof buildMember>[1] = {}) {
  const m = await buildMember(tenant, opts);
  const c = Client.for(tenant);
  await c.signIn(m.login, m.password);
  return { m, c, _csrf: csrfFrom((await c.get('/espace')).text) };
}
const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'section#rubric-tree' };

describe('/publication/rubriques', () => {
  it('is for publication managers and rubric managers: a visitor signs in, a plain contributor gets 403', async () => {
    const school = await buildTenant();
    expect((await Client.for(school).get('/publication/rubriques')).status).toBe(303);
    const teacher = await signedIn(school, { profile: 'teacher' });
    expect((await teacher.c.get('/publication/rubriques')).status).toBe(403);
    expect((await teacher.c.post('/publication/rubriques', { _csrf: teacher._csrf, name: 'X', visibility: 'public' })).status).toBe(403);
    expect(await rowsOf(school, 'rubrics')).toHaveLength(0);
  });

  it('creates rubrics with unique slugs (303 without JS, the tree alone with htmx), audited; 422 on an empty name', async () => {
    const school = await buildTenant();
    const head = await signedIn(school, { profile: 'staff', functions: ['head'] });
    const plain = await head.c.post('/publication/rubriques', { _csrf: head._csrf, name: 'Vie du collège', visibility: 'public', parent_id: '' });
    expect(plain.status).toBe(303);
    const again = await head.c.post('/publication/rubriques', { _csrf: head._csrf, name: 'Vie du Collège !', visibility: 'private', parent_id: '' }, htmx);
    expect(again.status).toBe(200);
    expect(again.text).not.toContain('<html');
    expect(again.text).toContain('data-announce');
    const rubrics = await rowsOf(school, 'rubrics');
    expect(rubrics.map((r) => r.slug).sort()).toEqual(['vie-du-college', 'vie-du-college-2']);
    const parent = rubrics.find((r) => r.slug === 'vie-du-college')!;
    await head.c.post('/publication/rubriques', { _csrf: head._csrf, name: 'Sorties', visibility: 'public', parent_id: parent.id });
    expect((await rowsOf(school, 'rubrics', { slug: 'sorties' }))[0].parent_id).toBe(parent.id);
    expect(await rowsOf(school, 'audit_events', { action: 'publication.rubric_created' })).toHaveLength(3);
    const bad = await head.c.post('/publication/rubriques', { _csrf: head._csrf, name: ' ', visibility: 'public' }, htmx);
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('<p class="field-error" id="new-name-error">Le nom est obligatoire.</p>');
  });

  it('reorders siblings up and down, renames, archives and unarchives', async () => {
    const school = await buildTenant();
    const head = await signedIn(school, { profile: 'admin' });
    for (const name of ['A', 'B', 'C']) await head.c.post('/publication/rubriques', { _csrf: head._csrf, name, visibility: 'public' });
    const order = async () => (await rowsOf(school, 'rubrics')).sort((x, y) => x.position - y.position).map((r) => r.name);
    const c = (await rowsOf(school, 'rubrics', { name: 'C' }))[0];
    const up = await head.c.post(`/publication/rubriques/${c.id}/monter`, { _csrf: head._csrf }, htmx);
    expect(up.text).toContain(`data-refocus="up-${c.id}"`);
    expect(await order()).toEqual(['A', 'C', 'B']);
    await head.c.post(`/publication/rubriques/${c.id}/monter`, { _csrf: head._csrf });
    await head.c.post(`/publication/rubriques/${c.id}/monter`, { _csrf: head._csrf });
    expect(await order()).toEqual(['C', 'A', 'B']);
    await head.c.post(`/publication/rubriques/${c.id}/descendre`, { _csrf: head._csrf });
    expect(await order()).toEqual(['A', 'C', 'B']);
    await head.c.post(`/publication/rubriques/${c.id}`, { _csrf: head._csrf, name: 'Cantine', visibility: 'private' });
    expect((await rowsOf(school, 'rubrics', { id: c.id }))[0]).toMatchObject({ name: 'Cantine', visibility: 'private', slug: 'c' });
    await head.c.post(`/publication/rubriques/${c.id}/archivage`, { _csrf: head._csrf });
    expect((await rowsOf(school, 'rubrics', { id: c.id }))[0].archived_at).not.toBeNull();
    await head.c.post(`/publication/rubriques/${c.id}/desarchivage`, { _csrf: head._csrf });
    expect((await rowsOf(school, 'rubrics', { id: c.id }))[0].archived_at).toBeNull();
    for (const a of ['moved', 'updated', 'archived', 'unarchived']) expect((await rowsOf(school, 'audit_events', { action: `publication.rubric_${a}`, subject_id: c.id })).length).toBeGreaterThan(0);
  });

  it('adds and removes roles for a class and a named member; a rubric manager then manages only their rubric', async () => {
    const school = await buildTenant();
    const head = await signedIn(school, { profile: 'admin' });
    const teacher = await signedIn(school, { profile: 'teacher', firstName: 'Jeanne', lastName: 'Martin' });
    const cls = await buildClass(school, '3A');
    await head.c.post('/publication/rubriques', { _csrf: head._csrf, name: 'Vie', visibility: 'public' });
    await head.c.post('/publication/rubriques', { _csrf: head._csrf, name: 'Autre', visibility: 'public' });
    const [vie] = await rowsOf(school, 'rubrics', { name: 'Vie' });
    const byClass = await head.c.post(`/publication/rubriques/${vie.id}/roles`, { _csrf: head._csrf, target: `class:${cls.id}`, member: '', role: 'reader' }, htmx);
    expect(byClass.text).toContain('Classe 3A : <strong>lecteur</strong>');
    await head.c.post(`/publication/rubriques/${vie.id}/roles`, { _csrf: head._csrf, target: '', member: 'jeanne martin', role: 'manager' });
    expect(await rowsOf(school, 'rubric_roles', { rubric_id: vie.id, target_type: 'membership', target_value: teacher.m.membershipId, role: 'manager' })).toHaveLength(1);
    const unknown = await head.c.post(`/publication/rubriques/${vie.id}/roles`, { _csrf: head._csrf, target: '', member: 'personne-inconnue', role: 'reader' }, htmx);
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('Aucun membre de l’établissement ne porte cet identifiant ou ce nom.');
    const page = await teacher.c.get('/publication/rubriques');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Vie');
    expect(page.text).not.toContain('>Autre<');
    const [autre] = await rowsOf(school, 'rubrics', { name: 'Autre' });
    expect((await teacher.c.post(`/publication/rubriques/${autre.id}/archivage`, { _csrf: teacher._csrf })).status).toBe(403);
    await head.c.post(`/publication/rubriques/${vie.id}/roles/suppression`, { _csrf: head._csrf, target_type: 'class', target_value: cls.id, role: 'reader' });
    expect(await rowsOf(school, 'rubric_roles', { rubric_id: vie.id, target_type: 'class' })).toHaveLength(0);
    expect(await rowsOf(school, 'audit_events', { action: 'publication.rubric_role_removed', subject_id: vie.id })).toHaveLength(1);
  });
});
