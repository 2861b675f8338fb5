import { describe, expect, it } from 'vitest';
import { addGuardianship, addToClass, buildClass, buildMember, buildTenant } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';

describe('public pages', () => {
  it('the homepage is French, themed, secured by headers, and carries nothing per visitor', async () => {
    const school = await buildTenant({ name: 'Collège des Tests' });
    const a = await Client.for(school).get('/');
    const b = await Client.for(school).get('/');
    expect(a.status).toBe(200);
    expect(a.text).toMatch(/<html lang="fr">/);
    expect(a.text).toContain('Collège des Tests');
    expect(a.text).toContain('href="/accessibilite"');
    expect(a.text).toContain('Aller au contenu');
    expect(a.text).toBe(b.text); // cacheable: same bytes for every visitor
    expect(a.headers['set-cookie']).toBeUndefined();
    const csp = a.headers['content-security-policy'];
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['strict-transport-security']).toBeUndefined(); // plain http: no HSTS
    expect(a.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    expect(a.text).not.toMatch(/\sstyle="/);
    expect(a.text).not.toMatch(/\son[a-z]+="/);
  });

  it('two schools show two different homepages and themes', async () => {
    const a = await buildTenant({ name: 'École A', theme: { primary: '#112233', accent: '#443322' } });
    const b = await buildTenant({ name: 'École B', theme: { primary: '#223311', accent: '#443322' } });
    expect((await Client.for(a).get('/')).text).toContain('École A');
    expect((await Client.for(b).get('/')).text).toContain('École B');
    expect((await Client.for(a).get('/theme.css')).text).toContain('--primary:#112233');
    expect((await Client.for(b).get('/theme.css')).text).toContain('--primary:#223311');
  });

  it('the sign-in form carries its token only in a hidden field and a cookie', async () => {
    const school = await buildTenant();
    const res = await Client.for(school).get('/connexion');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<input type="hidden" name="_csrf" value="[A-Za-z0-9_-]{43}">/);
    expect(res.text).toContain('<label for="login">Identifiant</label>');
    expect(res.text).toContain('autocomplete="current-password"');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('health and readiness answer on any host', async () => {
    expect((await new Client('whatever.example').get('/healthz')).status).toBe(200);
    const ready = await new Client('whatever.example').get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('error pages are French, for a missing page and a wrong method', async () => {
    const school = await buildTenant();
    const missing = await Client.for(school).get('/nulle-part');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('Page introuvable');
    const c = Client.for(school);
    const _csrf = await c.csrf();
    const wrong = await c.post('/espace', { _csrf });
    expect([401, 405]).toContain(wrong.status);
    expect(wrong.text).toMatch(/lang="fr"/);
    const htmxMissing = await Client.for(school).get('/nulle-part', { 'HX-Request': 'true', 'HX-Request-Type': 'partial' });
    expect(htmxMissing.status).toBe(404);
    expect(htmxMissing.text).not.toContain('<html');
    expect(htmxMissing.text).toContain('Page introuvable');
  });

  it('a static file is served with a long cache; a missing one is a 404', async () => {
    const school = await buildTenant();
    const js = await Client.for(school).get('/static/vendor/htmx.min.js');
    expect(js.status).toBe(200);
    expect(js.headers['cache-control']).toMatch(/max-age=\d+/);
    expect((await Client.for(school).get('/static/nope.js')).status).toBe(404);
    const traversal = await Client.for(school).get('/static/../package.json');
    expect([403, 404]).toContain(traversal.status);
    expect(traversal.text).not.toContain('"dependencies"');
  });
});

describe('/espace', () => {
  it('shows the member’s name, profile, school and the services their rights open, with the same links in the navigation', async () => {
    const school = await buildTenant({ name: 'Collège Espace' });
    const cpe = await buildMember(school, { profile: 'staff', functions: ['cpe'], firstName: 'Rosa', lastName: 'Parks' });
    const c = Client.for(school);
    await c.signIn(cpe.login, cpe.password);
    const page = await c.get('/espace');
    expect(page.text).toContain('Rosa Parks');
    expect(page.text).toContain('Personnel');
    expect(page.text).toContain('CPE');
    expect(page.text).toContain('Collège Espace');
    expect(page.text).toContain('Messagerie');
    expect(page.text).not.toContain('href="/admin/services"');
    const nav = /<nav class="services-nav"[\s\S]*?<\/nav>/.exec(page.text)![0];
    expect(nav).toContain('href="/messagerie"');
    // Roll call, absences and punishments are the CPE's by right, but have no page yet: no link to them.
    for (const path of ['/vie-scolaire/appel', '/vie-scolaire/absences', '/punitions']) expect(page.text).not.toContain(`href="${path}"`);
    expect(nav).toContain('aria-current="page"');
    expect(page.text).toContain('X-CSRF-Token'); // htmx header declared once on <body> for members
  });

  it('a guardian with two children sees both, with their classes', async () => {
    const school = await buildTenant();
    const c3a = await buildClass(school, '3A');
    const c5b = await buildClass(school, '5B');
    const parent = await buildMember(school, { profile: 'guardian' });
    const kid1 = await buildMember(school, { profile: 'student', firstName: 'Léa', lastName: 'Martin' });
    const kid2 = await buildMember(school, { profile: 'student', firstName: 'Hugo', lastName: 'Martin' });
    await addToClass(school, c3a.id, kid1.membershipId);
    await addToClass(school, c5b.id, kid2.membershipId);
    await addGuardianship(school, parent.membershipId, kid1.membershipId);
    await addGuardianship(school, parent.membershipId, kid2.membershipId);
    const c = Client.for(school);
    await c.signIn(parent.login, parent.password);
    const page = await c.get('/espace');
    expect(page.text).toContain('Mes enfants');
    expect(page.text).toContain('Léa Martin');
    expect(page.text).toContain('classe 3A');
    expect(page.text).toContain('Hugo Martin');
    expect(page.text).toContain('classe 5B');
    expect(page.text).toContain('href="/messagerie"');
    // Homework is a guardian's right already, but has no page yet: no link to it.
    expect(page.text).not.toContain('Travail à faire');
    expect(page.text).not.toContain('Appel');
  });
});
