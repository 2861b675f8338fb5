import { describe, expect, it } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';

export async function buildRubric(tenant: Tenant, opts: { name?: string; visibility?: 'public' | 'private'; roles?: [string, string, string][]; archived?: boolean } = {}) {
  const id = newId();
  const name = opts.name ?? uniq('Rubrique');
  await ownerTenantTx(tenant, async (trx) => {
    await trx('rubrics').insert({ tenant_id: tenant.id, id, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), name, visibility: opts.visibility ?? 'public', archived_at: opts.archived ? new Date() : null });
    for (const [target_type, target_value, role] of opts.roles ?? []) await trx('rubric_roles').insert({ tenant_id: tenant.id, rubric_id: id, target_type, target_value, role });
  });
  return { id, name };
}

export async function buildMedia(tenant: Tenant, kind: 'image' | 'file', name = uniq('media')) {
  const id = newId();
  await ownerTenantTx(tenant, (trx) => trx('media').insert({ tenant_id: tenant.id, id, kind, name, mime: kind === 'image' ? 'image/webp' : 'application/pdf', size_bytes: 10, sha256: 'x'.repeat(64) }));
  return id;
}

async function signedIn(tenant: Tenant, opts: Parameters<typeof buildMember>[1] = {}) {
  const m = await buildMember(tenant, opts);
  const c = Client.for(tenant);
  await c.signIn(m.login, m.password);
  const _csrf = csrfFrom((await c.get('/espace')).text);
  return { m, c, _csrf };
}

/** A school with a rubric, a contributor (teacher with the contributor role) and a manager of the rubric. */
async function newsroom() {
  const school = await buildTenant();
  const contributor = await signedIn(school, { profile: 'teacher' });
  const manager = await signedIn(school, { profile: 'teacher' });
  const rubric = await buildRubric(school, { roles: [['membership', contributor.m.membershipId, 'contributor'], ['membership', manager.m.membershipId, 'manager']] });
  return { school, contributor, manager, rubric };
}

const form = (rubricId: string, extra: Record<string, string> = {}) => ({ title: 'Sortie au musée', summary: 'Les 4e au Louvre', rubric_id: rubricId, body_html: '<div>Un <strong>beau</strong> voyage<script>alert(1)</script></div>', tags: 'sortie, musée, sortie', ...extra });

describe('/publication (editor home)', () => {
  it('sends a visitor to sign in and refuses a member without the publication right (403)', async () => {
    const school = await buildTenant();
    const res = await Client.for(school).get('/publication');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/connexion?suite=%2Fpublication');
    const student = await signedIn(school, { profile: 'student' });
    expect((await student.c.get('/publication')).status).toBe(403);
    expect((await student.c.get('/publication/articles/nouveau')).status).toBe(403);
  });

  it('leads an editor who opens /publication/articles to the list of their articles', async () => {
    const { contributor } = await newsroom();
    const res = await contributor.c.get('/publication/articles');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/publication');
  });

  it('lists the member’s own articles by status, and those submitted in the rubrics a manager manages', async () => {
    const { contributor, manager, rubric } = await newsroom();
    const created = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id) });
    const id = created.headers.location.split('/')[3].split('?')[0];
    expect((await manager.c.get('/publication')).text).not.toContain('Sortie au musée');
    await contributor.c.post(`/publication/articles/${id}/soumission`, { _csrf: contributor._csrf });
    const home = await manager.c.get('/publication');
    expect(home.status).toBe(200);
    expect(home.text).toMatch(/Soumis à validation[\s\S]*Sortie au musée/);
    expect((await contributor.c.get('/publication')).text).toContain('Sortie au musée');
  });
});

describe('article editor', () => {
  it('creates a draft (303 to its edit page), sanitized, with tags, attachments and an audit row', async () => {
    const { school, contributor, rubric } = await newsroom();
    const file = await buildMedia(school, 'file');
    const res = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id), attachment_ids: file });
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/publication\/articles\/[0-9a-f-]{36}\?message=cree$/);
    const [a] = await rowsOf(school, 'articles', { rubric_id: rubric.id });
    expect(a).toMatchObject({ status: 'draft', title: 'Sortie au musée', slug: 'sortie-au-musee', author_id: contributor.m.membershipId, tags: ['sortie', 'musée'] });
    expect(a.body_html).not.toContain('script');
    expect(a.body_text).toBe('Un beau voyage');
    expect(await rowsOf(school, 'article_attachments', { article_id: a.id })).toHaveLength(1);
    expect(await rowsOf(school, 'audit_events', { action: 'publication.article_created', subject_id: a.id })).toHaveLength(1);
    const page = await contributor.c.get(res.headers.location);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<trix-editor input="body"');
    expect(page.text).toContain('/static/vendor/trix.umd.min.js');
    expect(page.text).toContain('Brouillon créé.');
  });

  it('refuses bad input with 422, the message beside the field, and keeps what was typed', async () => {
    const { school, contributor, rubric } = await newsroom();
    const other = await buildTenant();
    const foreign = await buildRubric(other);
    const empty = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id, { title: '  ' }) });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('<p class="field-error" id="title-error">Le titre est obligatoire.</p>');
    expect(empty.text).toContain('aria-describedby="title-error"');
    expect(empty.text).toContain('Les 4e au Louvre');
    const unknown = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(foreign.id) });
    expect(unknown.status).toBe(422);
    expect(unknown.text).toContain('Cette rubrique n’existe pas.');
    const notMine = await buildRubric(school);
    expect((await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(notMine.id) })).text).toContain('Vous ne pouvez pas écrire dans cette rubrique.');
    const past = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id, { publish_at: '2020-01-01T10:00' }) });
    expect(past.status).toBe(422);
    expect(past.text).toContain('La date de publication est passée');
    const image = await buildMedia(school, 'image');
    const noAlt = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id, { main_image_id: image }) });
    expect(noAlt.status).toBe(422);
    expect(noAlt.text).toContain('Décrivez l’image (texte alternatif) ou cochez « image décorative ».');
    const expiry = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id, { publish_at: '2099-05-02T10:00', expire_at: '2099-05-01T10:00' }) });
    expect(expiry.text).toContain('La date d’expiration doit suivre la date de publication.');
    expect(await rowsOf(school, 'articles')).toHaveLength(0);
    // Decorative image: accepted without alt.
    const ok = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id, { main_image_id: image, main_image_decorative: 'on' }) });
    expect(ok.status).toBe(303);
  });

  it('a failed save leaves the saved draft intact; a good one keeps a revision of the previous text', async () => {
    const { school, contributor, rubric } = await newsroom();
    const id = (await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id) })).headers.location.split('/')[3].split('?')[0];
    const bad = await contributor.c.post(`/publication/articles/${id}`, { _csrf: contributor._csrf, ...form(rubric.id, { title: '', body_html: 'Tout effacé' }) });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Tout effacé');
    let [a] = await rowsOf(school, 'articles', { id });
    expect(a.title).toBe('Sortie au musée');
    expect(a.body_text).toBe('Un beau voyage');
    const good = await contributor.c.post(`/publication/articles/${id}`, { _csrf: contributor._csrf, ...form(rubric.id, { title: 'Sortie au Louvre', body_html: '<div>Un voyage réussi</div>' }) });
    expect(good.status).toBe(303);
    [a] = await rowsOf(school, 'articles', { id });
    expect(a.title).toBe('Sortie au Louvre');
    const revs = await rowsOf(school, 'article_revisions', { article_id: id });
    expect(revs).toHaveLength(1);
    expect(revs[0].title).toBe('Sortie au musée');
    // Saving the same text again keeps no new revision.
    await contributor.c.post(`/publication/articles/${id}`, { _csrf: contributor._csrf, ...form(rubric.id, { title: 'Sortie au Louvre', body_html: '<div>Un voyage réussi</div>' }) });
    expect(await rowsOf(school, 'article_revisions', { article_id: id })).toHaveLength(1);
  });

  it('autosave saves the text fields it received, never the others, never the status, and answers a small fragment', async () => {
    const { school, contributor, rubric } = await newsroom();
    const id = (await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id, { tags: 'a, b', featured: 'on' }) })).headers.location.split('/')[3].split('?')[0];
    const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'X-CSRF-Token': contributor._csrf };
    const res = await contributor.c.post(`/publication/articles/${id}/brouillon`, { body_html: '<div>Nouveau texte</div>' }, htmx);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<html');
    expect(res.text).toMatch(/Brouillon enregistré à \d{1,2} h \d{2}/);
    const [a] = await rowsOf(school, 'articles', { id });
    expect(a).toMatchObject({ title: 'Sortie au musée', summary: 'Les 4e au Louvre', body_text: 'Nouveau texte', status: 'draft', featured: true, tags: ['a', 'b'] });
    // An empty title is not saved over the stored one.
    await contributor.c.post(`/publication/articles/${id}/brouillon`, { title: '', summary: 'Chapô' }, htmx);
    const [b] = await rowsOf(school, 'articles', { id });
    expect(b.title).toBe('Sortie au musée');
    expect(b.summary).toBe('Chapô');
  });

  it('once published by the manager, the author’s still-open editor autosaving its unchanged text is answered calmly; a change is refused and not saved', async () => {
    const { school, contributor, manager, rubric } = await newsroom();
    const id = (await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id, { body_html: '<div>Le texte</div>' }) })).headers.location.split('/')[3].split('?')[0];
    expect((await contributor.c.post(`/publication/articles/${id}/soumission`, { _csrf: contributor._csrf })).status).toBe(303);
    expect((await manager.c.post(`/publication/articles/${id}/publication`, { _csrf: manager._csrf, publish_at: '' })).status).toBe(303);
    const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'X-CSRF-Token': contributor._csrf };
    const late = await contributor.c.post(`/publication/articles/${id}/brouillon`, { title: 'Sortie au musée', body_html: '<div>Le texte</div>' }, htmx);
    expect(late.status).toBe(200);
    expect(late.text).toContain('plus modifiable');
    const changed = await contributor.c.post(`/publication/articles/${id}/brouillon`, { title: 'Autre titre', body_html: '<div>Le texte</div>' }, htmx);
    expect(changed.status).toBe(403);
    expect((await rowsOf(school, 'articles', { id }))[0]).toMatchObject({ title: 'Sortie au musée', status: 'published' });
  });

  it('a reader of the rubric and a contributor on someone else’s article are refused (403); an unknown id is a 404', async () => {
    const { school, contributor, rubric } = await newsroom();
    const id = (await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id) })).headers.location.split('/')[3].split('?')[0];
    const other = await signedIn(school, { profile: 'teacher' });
    await ownerTenantTx(school, (trx) => trx('rubric_roles').insert({ tenant_id: school.id, rubric_id: rubric.id, target_type: 'membership', target_value: other.m.membershipId, role: 'contributor' }));
    expect((await other.c.get(`/publication/articles/${id}`)).status).toBe(403);
    expect((await other.c.post(`/publication/articles/${id}/brouillon`, { _csrf: other._csrf, title: 'Piraté' })).status).toBe(403);
    const reader = await signedIn(school, { profile: 'teacher' });
    expect((await reader.c.get(`/publication/articles/${id}`)).status).toBe(403);
    expect((await reader.c.get(`/publication/articles/${newId()}`)).status).toBe(404);
    expect((await reader.c.get(`/publication/articles/pas-un-id`)).status).toBe(404);
    expect((await rowsOf(school, 'articles', { id }))[0].title).toBe('Sortie au musée');
  });
});

describe('revisions', () => {
  it('lists revisions, shows a word diff with <ins>/<del>, restores a version and keeps the current one', async () => {
    const { school, contributor, rubric } = await newsroom();
    const id = (await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id, { body_html: '<div>Le chat dort</div>' }) })).headers.location.split('/')[3].split('?')[0];
    await contributor.c.post(`/publication/articles/${id}`, { _csrf: contributor._csrf, ...form(rubric.id, { body_html: '<div>Le chien dort</div>' }) });
    const list = await contributor.c.get(`/publication/articles/${id}/revisions`);
    expect(list.status).toBe(200);
    expect(list.text).toContain('Enregistrement');
    const [rev] = await rowsOf(school, 'article_revisions', { article_id: id });
    const diff = await contributor.c.get(`/publication/articles/${id}/revisions/${rev.id}`);
    expect(diff.status).toBe(200);
    expect(diff.text).toContain('<del>chat</del>');
    expect(diff.text).toContain('<ins>chien</ins>');
    expect(diff.text).toContain('texte ajouté depuis');
    const back = await contributor.c.post(`/publication/articles/${id}/revisions/${rev.id}/restauration`, { _csrf: contributor._csrf });
    expect(back.status).toBe(303);
    expect((await rowsOf(school, 'articles', { id }))[0].body_text).toBe('Le chat dort');
    const revs = await rowsOf(school, 'article_revisions', { article_id: id });
    expect(revs.map((r) => r.body_html)).toContain('<div>Le chien dort</div>');
    expect(await rowsOf(school, 'audit_events', { action: 'publication.revision_restored', subject_id: id })).toHaveLength(1);
    expect((await contributor.c.get(`/publication/articles/${id}/revisions/${newId()}`)).status).toBe(404);
  });
});

describe('preview', () => {
  it('shows the draft as visitors will see it, with the banner', async () => {
    const { contributor, rubric } = await newsroom();
    const id = (await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, ...form(rubric.id) })).headers.location.split('/')[3].split('?')[0];
    const res = await contributor.c.get(`/publication/articles/${id}/apercu`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Aperçu — non publié');
    // Engineer A's public article template, with the draft's data.
    expect(res.text).toContain('<h1 id="article-titre">Sortie au musée</h1>');
    expect(res.text).toContain('<strong>beau</strong>');
    expect(res.text).toContain('<meta name="robots" content="noindex">');
    expect(res.text).not.toContain('rel="canonical"');
    expect(res.text).not.toContain('<script>alert');
  });
});
