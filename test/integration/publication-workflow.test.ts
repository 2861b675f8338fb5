import { afterEach, describe, expect, it } from 'vitest';
import { ownerTenantTx, tenantTx, db } from '../../app/db/index.js';
import { advanceClock, now, resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { LIVE_ARTICLE } from '../../app/modules/publication/rubrics.js';
import { createApp } from '../../app/server.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';
import { dateToParisLocal } from '../../app/modules/publication/schemas.js';

afterEach(() => resetClock());

async function signedIn(tenant: Tenant, opts: Parameters<typeof buildMember>[1] = {}) {
  const m = await buildMember(tenant, opts);
  const c = Client.for(tenant);
  await c.signIn(m.login, m.password);
  return { m, c, _csrf: csrfFrom((await c.get('/espace')).text) };
}

async function newsroom() {
  const school = await buildTenant();
  const contributor = await signedIn(school);
  const manager = await signedIn(school);
  const reader = await signedIn(school);
  const rubricId = newId();
  await ownerTenantTx(school, async (trx) => {
    await trx('rubrics').insert({ tenant_id: school.id, id: rubricId, slug: uniq('vie'), name: 'Vie du collège' });
    await trx('rubric_roles').insert([
      { tenant_id: school.id, rubric_id: rubricId, target_type: 'membership', target_value: contributor.m.membershipId, role: 'contributor' },
      { tenant_id: school.id, rubric_id: rubricId, target_type: 'membership', target_value: manager.m.membershipId, role: 'manager' },
      { tenant_id: school.id, rubric_id: rubricId, target_type: 'membership', target_value: reader.m.membershipId, role: 'reader' },
    ]);
  });
  const res = await contributor.c.post('/publication/articles', { _csrf: contributor._csrf, title: 'Kermesse', rubric_id: rubricId, body_html: '<div>Samedi</div>' });
  const id = res.headers.location.split('/')[3].split('?')[0];
  return { school, contributor, manager, reader, rubricId, id };
}

const article = async (school: Tenant, id: string) => (await rowsOf(school, 'articles', { id }))[0];
const audits = async (school: Tenant, action: string, id: string) => (await rowsOf(school, 'audit_events', { action, subject_id: id })).length;
const isLive = (school: Tenant, id: string) =>
  tenantTx(school, async () => (await db().raw(`select count(*)::int as n from articles a where a.tenant_id = ? and a.id = ? and ${LIVE_ARTICLE}`, [school.id, id, now(), now()])).rows[0].n === 1);

describe('workflow', () => {
  it('contributor submits, manager sends back with a comment, contributor resubmits, manager publishes; each audited', async () => {
    const { school, contributor, manager, reader, id } = await newsroom();
    // Neither a reader nor the contributor may publish; the reader may not submit.
    expect((await reader.c.post(`/publication/articles/${id}/soumission`, { _csrf: reader._csrf })).status).toBe(403);
    expect((await contributor.c.post(`/publication/articles/${id}/publication`, { _csrf: contributor._csrf })).status).toBe(403);
    expect((await contributor.c.post(`/publication/articles/${id}/soumission`, { _csrf: contributor._csrf })).status).toBe(303);
    expect((await article(school, id)).status).toBe('submitted');
    const noComment = await manager.c.post(`/publication/articles/${id}/renvoi`, { _csrf: manager._csrf, review_comment: ' ' });
    expect(noComment.status).toBe(422);
    expect(noComment.text).toContain('Expliquez à l’auteur ce qu’il faut reprendre.');
    expect((await manager.c.post(`/publication/articles/${id}/renvoi`, { _csrf: manager._csrf, review_comment: 'Ajoutez l’horaire.' })).status).toBe(303);
    expect(await article(school, id)).toMatchObject({ status: 'draft', review_comment: 'Ajoutez l’horaire.' });
    expect((await contributor.c.get(`/publication/articles/${id}`)).text).toContain('Ajoutez l’horaire.');
    await contributor.c.post(`/publication/articles/${id}/soumission`, { _csrf: contributor._csrf });
    const pub = await manager.c.post(`/publication/articles/${id}/publication`, { _csrf: manager._csrf, publish_at: '' });
    expect(pub.status).toBe(303);
    const a = await article(school, id);
    expect(a.status).toBe('published');
    expect(a.published_at).not.toBeNull();
    expect(await isLive(school, id)).toBe(true);
    for (const action of ['submitted', 'sent_back', 'published']) expect(await audits(school, `publication.article_${action}`, id)).toBeGreaterThan(0);
    // A published article is the managers' to change: its author may no longer edit it.
    expect((await contributor.c.get(`/publication/articles/${id}`)).status).toBe(403);
    expect((await manager.c.post(`/publication/articles/${id}/archivage`, { _csrf: manager._csrf })).status).toBe(303);
    expect((await article(school, id)).status).toBe('archived');
    expect(await isLive(school, id)).toBe(false);
  });

  it('refuses to publish an article whose main image has no alternative text (422), and a past schedule', async () => {
    const { school, manager, id } = await newsroom();
    const image = newId();
    await ownerTenantTx(school, async (trx) => {
      await trx('media').insert({ tenant_id: school.id, id: image, kind: 'image', name: 'photo', mime: 'image/webp', size_bytes: 1, sha256: 'y'.repeat(64) });
      await trx('articles').where({ tenant_id: school.id, id }).update({ main_image_id: image, main_image_alt: '' });
    });
    const res = await manager.c.post(`/publication/articles/${id}/publication`, { _csrf: manager._csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('L’image principale n’a pas de texte alternatif');
    expect((await article(school, id)).status).toBe('draft');
    await ownerTenantTx(school, (trx) => trx('articles').where({ tenant_id: school.id, id }).update({ main_image_alt: 'Les stands' }));
    // An image inside the text needs a caption (or an alt) too.
    await ownerTenantTx(school, (trx) =>
      trx('articles').where({ tenant_id: school.id, id }).update({ body_html: `<div>Samedi</div><figure><img src="/medias/${image}/640.webp" alt=""><figcaption></figcaption></figure>` }),
    );
    const undescribed = await manager.c.post(`/publication/articles/${id}/publication`, { _csrf: manager._csrf });
    expect(undescribed.status).toBe(422);
    expect(undescribed.text).toContain('Une image du texte n’est pas décrite');
    expect((await article(school, id)).status).toBe('draft');
    await ownerTenantTx(school, (trx) =>
      trx('articles').where({ tenant_id: school.id, id }).update({ body_html: `<div>Samedi</div><figure><img src="/medias/${image}/640.webp" alt=""><figcaption>Les stands</figcaption></figure>` }),
    );
    const past = await manager.c.post(`/publication/articles/${id}/publication`, { _csrf: manager._csrf, publish_at: '2020-01-01T08:00' });
    expect(past.status).toBe(422);
    expect(past.text).toContain('La date de publication est passée');
    expect((await article(school, id)).status).toBe('draft');
  });

  it('a scheduled article is not live before its time, then is, also in a fresh app instance (as after a restart)', async () => {
    const { school, manager, id } = await newsroom();
    const inOneHour = dateToParisLocal(new Date(now().getTime() + 3600_000));
    expect((await manager.c.post(`/publication/articles/${id}/publication`, { _csrf: manager._csrf, publish_at: inOneHour })).headers.location).toContain('message=programme');
    expect((await article(school, id)).status).toBe('published');
    expect(await isLive(school, id)).toBe(false);
    advanceClock(3600_000 + 60_000);
    expect(await isLive(school, id)).toBe(true);
    // A new application instance (nothing kept in memory) sees it live too: no timer, a predicate on the clock.
    createApp();
    expect(await isLive(school, id)).toBe(true);
  });

  it('trash and restore: the author trashes a draft, finds it in /publication/corbeille, restores it', async () => {
    const { school, contributor, reader, id } = await newsroom();
    expect((await reader.c.post(`/publication/articles/${id}/corbeille`, { _csrf: reader._csrf })).status).toBe(403);
    const res = await contributor.c.post(`/publication/articles/${id}/corbeille`, { _csrf: contributor._csrf });
    expect(res.status).toBe(303);
    expect((await article(school, id)).deleted_at).not.toBeNull();
    expect((await contributor.c.get(`/publication/articles/${id}`)).status).toBe(404);
    expect((await contributor.c.get('/publication/corbeille')).text).toContain('Kermesse');
    expect((await contributor.c.post(`/publication/articles/${id}/restauration`, { _csrf: contributor._csrf })).status).toBe(303);
    expect((await article(school, id)).deleted_at).toBeNull();
    expect(await audits(school, 'publication.article_trashed', id)).toBe(1);
    expect(await audits(school, 'publication.article_restored', id)).toBe(1);
  });
});
