import { describe, expect, it } from 'vitest';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';
import { buildArticle, buildRubric } from '../fixtures/publication-public.js';

async function managerClient() {
  const school = await buildTenant();
  const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
  const c = Client.for(school);
  await c.signIn(head.login, head.password);
  const page = await c.get('/publication/accueil');
  return { school, c, _csrf: csrfFrom(page.text), page };
}

const builderTitles = (html: string) => [...html.matchAll(/<h3 class="builder-tile__title" tabindex="-1">\d+\. ([^<]+?)(?: <span|<\/h3>)/g)].map((m) => m[1]);
const idsOf = (html: string) => [...html.matchAll(/<li class="builder-tile[^"]*" id="tuile-([0-9a-f-]{36})">/g)].map((m) => m[1]);
const publicTypes = async (c: Client) => [...(await c.get('/')).text.matchAll(/<section class="tile tile--([a-z]+) tile--w(\d)"/g)].map((m) => `${m[1]}:${m[2]}`);

describe('/publication/accueil, the homepage builder', () => {
  it('is for publication managers: a teacher gets 403, a visitor is sent to sign in', async () => {
    const school = await buildTenant();
    const teacher = await buildMember(school, { profile: 'teacher' });
    const c = Client.for(school);
    const visitor = await c.get('/publication/accueil');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.location).toContain('/connexion?suite=');
    await c.signIn(teacher.login, teacher.password);
    expect((await c.get('/publication/accueil')).status).toBe(403);
    const _csrf = csrfFrom((await c.get('/espace')).text);
    expect((await c.post('/publication/accueil/publication', { _csrf })).status).toBe(403);
  });

  it('starts from the default homepage with the "Restez simple" guidance', async () => {
    const { page } = await managerClient();
    expect(page.status).toBe(200);
    expect(page.text).toContain('Restez simple');
    expect(builderTitles(page.text)).toEqual(['Annonces', 'Actualités — Actualités', 'Agenda — Agenda', 'Contact — Nous contacter']);
  });

  it('adds a tile (422 with messages on bad settings, nothing lost), edits, reorders, hides, deletes with undo, previews and publishes', async () => {
    const { school, c, _csrf } = await managerClient();
    const rubric = await buildRubric(school, { name: 'Vie scolaire' });
    await buildArticle(school, rubric.id, { title: 'Le cross du collège' });

    const form = await c.get('/publication/accueil/nouvelle-tuile?type=social');
    expect(form.status).toBe(200);
    expect(form.text).toContain('Adresse de la page');
    const bad = await c.post('/publication/accueil/tuiles', { _csrf, type: 'social', network: 'facebook', url: 'https://evil.example/x', label: 'Notre page' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('aria-invalid="true" aria-describedby="nouvelle-url-error"');
    expect(bad.text).toContain('Indiquez une adresse https de facebook.com ou x.com.');
    expect(bad.text).toContain('value="Notre page"');
    const good = await c.post('/publication/accueil/tuiles', { _csrf, type: 'social', network: 'facebook', url: 'https://www.facebook.com/college', label: 'Notre page', width: '2' });
    expect(good.status).toBe(303);

    let page = await c.get('/publication/accueil');
    expect(builderTitles(page.text)).toEqual(['Annonces', 'Actualités — Actualités', 'Agenda — Agenda', 'Contact — Nous contacter', 'Réseau social']);
    const [notices, news, agenda, contact, social] = idsOf(page.text);
    // Keep it short for this test: the agenda goes.
    await c.post(`/publication/accueil/tuiles/${agenda}/suppression`, { _csrf });

    // Edit inline through htmx: 422 with the messages in the fragment, then a good save.
    const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial' };
    const refused = await c.post(`/publication/accueil/tuiles/${contact}`, { _csrf, title: 'Contact', email: 'faux', width: '1' }, htmx);
    expect(refused.status).toBe(422);
    expect(refused.text).toMatch(/^<div id="builder"/);
    expect(refused.text).toContain(`id="tuile-${contact}-email" name="email" type="email" value="faux" aria-invalid="true"`);
    expect(refused.text).toContain('Adresse électronique non valide.');
    const saved = await c.post(`/publication/accueil/tuiles/${contact}`, { _csrf, title: 'Écrivez-nous', email: 'ce@example.fr', width: '1', hidden: 'on' }, htmx);
    expect(saved.status).toBe(200);
    expect(saved.text).toContain('data-announce>Tuile enregistrée dans le brouillon.');
    expect(builderTitles(saved.text)).toEqual(['Annonces', 'Actualités — Actualités', 'Contact — Écrivez-nous', 'Réseau social']);

    // Reorder: social up twice, news down (plain POST, 303).
    expect((await c.post(`/publication/accueil/tuiles/${social}/deplacement`, { _csrf, direction: 'haut' })).status).toBe(303);
    await c.post(`/publication/accueil/tuiles/${social}/deplacement`, { _csrf, direction: 'haut' });
    page = await c.get('/publication/accueil');
    expect(idsOf(page.text)).toEqual([notices, social, news, contact]);

    // Delete, then undo: back at its place.
    const deleted = await c.post(`/publication/accueil/tuiles/${news}/suppression`, { _csrf }, htmx);
    expect(idsOf(deleted.text)).toEqual([notices, social, contact]);
    expect(deleted.text).toContain('Annuler la suppression');
    const tileJson = deleted.text.match(/name="tile" value="([^"]+)"/)![1].replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    const restored = await c.post('/publication/accueil/tuiles/retablir', { _csrf, tile: tileJson, position: '2' }, htmx);
    expect(idsOf(restored.text)).toEqual([notices, social, news, contact]);

    // Visitors still see the default homepage until the draft is published; the preview shows the draft.
    expect(await publicTypes(c)).toEqual(['news:2', 'agenda:1', 'contact:1']);
    const preview = await c.get('/publication/accueil/apercu');
    expect(preview.text).toContain('Aperçu du brouillon');
    expect(preview.text).toContain('href="https://www.facebook.com/college"');
    expect((await c.post('/publication/accueil/publication', { _csrf })).status).toBe(303);
    expect(await publicTypes(new Client(c.host))).toEqual(['social:2', 'news:2']);

    const actions = (await rowsOf(school, 'audit_events')).map((e) => e.action).filter((a) => a.startsWith('homepage.'));
    expect(actions.sort()).toEqual(['homepage.publish', 'homepage.tile_delete', 'homepage.tile_delete']);
  });

  it('restores a previous version into the draft, to publish again', async () => {
    const { c, _csrf } = await managerClient();
    await c.post('/publication/accueil/publication', { _csrf });
    const page = await c.get('/publication/accueil');
    const [, , agenda] = idsOf(page.text);
    await c.post(`/publication/accueil/tuiles/${agenda}/suppression`, { _csrf });
    await c.post('/publication/accueil/publication', { _csrf });
    expect(await publicTypes(c)).toEqual(['news:2', 'contact:1']);
    const versions = (await c.get('/publication/accueil')).text;
    const previousId = [...versions.matchAll(/action="\/publication\/accueil\/versions\/([0-9a-f-]{36})\/restauration"/g)].map((m) => m[1])[1];
    expect((await c.post(`/publication/accueil/versions/${previousId}/restauration`, { _csrf })).status).toBe(303);
    await c.post('/publication/accueil/publication', { _csrf });
    expect(await publicTypes(c)).toEqual(['news:2', 'agenda:1', 'contact:1']);
  });

  it('moves a tile to a position (drag and drop) through the move buttons’ route', async () => {
    const { c, _csrf } = await managerClient();
    const page = await c.get('/publication/accueil');
    const [notices, news, agenda, contact] = idsOf(page.text);
    expect(page.text).toContain('name="position" value="" disabled data-position');
    const moved = await c.post(`/publication/accueil/tuiles/${contact}/deplacement`, { _csrf, position: '1' }, { 'HX-Request': 'true' });
    expect(moved.status).toBe(200);
    expect(moved.text).toContain('Tuile déplacée en position 2.');
    expect(idsOf((await c.get('/publication/accueil')).text)).toEqual([notices, contact, news, agenda]);
    // Past the end: the last place.
    await c.post(`/publication/accueil/tuiles/${notices}/deplacement`, { _csrf, position: '99' });
    expect(idsOf((await c.get('/publication/accueil')).text)).toEqual([contact, news, agenda, notices]);
  });
});
