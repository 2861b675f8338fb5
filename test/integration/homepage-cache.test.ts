import Koa from 'koa';
import supertest from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { pageCache, pageCacheListenerStarter, pageCacheListenerStopper } from '../../app/http/page-cache.js';
import { createApp } from '../../app/server.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { Client, csrfFrom, hostOf } from '../fixtures/http.js';
import { buildArticle, buildRubric, daysAgo } from '../fixtures/publication-public.js';

/**
 * The application with the cache mounted where app/server.ts should mount it: right after resolveTenant.
 */
function appWithCache(): Koa {
  const real = createApp();
  const app = new Koa();
  app.proxy = real.proxy;
  const at = real.middleware.findIndex((m) => m.name === 'resolveTenant');
  expect(at).toBeGreaterThan(0);
  real.middleware.forEach((m, i) => {
    app.use(m);
    if (i === at) app.use(pageCache);
  });
  app.on('error', () => {});
  return app;
}

const app = appWithCache();
afterEach(() => resetClock());
afterAll(() => pageCacheListenerStopper());

async function visit(tenant: Tenant) {
  const res = await supertest(app.callback()).get('/').set('Host', hostOf(tenant));
  return { status: res.status, text: res.text, cache: res.headers['x-page-cache'], cookie: res.headers['set-cookie'] };
}

/**
 * Visits until the page is cached (the listener starts on the first visit). A page rendered while any
 * invalidation arrives is not kept, and other test files running at the same time on the same database
 * send notifications too: so it may take a few visits.
 */
async function cached(tenant: Tenant) {
  await pageCacheListenerStarter();
  for (let i = 0; i < 50; i++) {
    const r = await visit(tenant);
    if (r.cache === 'hit') return r;
  }
  throw new Error('the homepage was never served from the cache');
}

/** A change is heard through NOTIFY, at once on PGlite, a moment later over PostgreSQL's own connection. */
async function afterChange(tenant: Tenant) {
  for (let i = 0; i < 250; i++) {
    const r = await visit(tenant);
    if (r.cache !== 'hit') return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the cached homepage was never invalidated');
}

describe('the homepage cache', () => {
  it('serves the visitors’ page as bytes, the same page, without cookie; a member is never served from it', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    await buildArticle(school, rubric.id, { title: 'Article en cache' });
    const first = await visit(school);
    const hit = await cached(school);
    expect(hit.text).toBe(first.text);
    expect(hit.text).toContain('Article en cache');
    expect(hit.cookie).toBeUndefined();

    const member = await buildMember(school);
    const c = Client.for(school);
    await c.signIn(member.login, member.password);
    const asMember = await supertest(app.callback()).get('/').set('Host', hostOf(school)).set('Cookie', c.cookieHeader());
    expect(asMember.headers['x-page-cache']).toBeUndefined();
    expect(asMember.text).toContain('Aller à mon espace');
  });

  it('is invalidated when an article is published or unpublished', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    await cached(school);
    const art = await buildArticle(school, rubric.id, { title: 'Tout juste publié' });
    expect((await afterChange(school)).text).toContain('Tout juste publié');
    await cached(school);
    await ownerTenantTx(school, (trx) => trx('articles').where({ tenant_id: school.id, id: art.id }).update({ status: 'archived' }));
    expect((await afterChange(school)).text).not.toContain('Tout juste publié');
  });

  it('expires on its own when a scheduled publication or expiry time is reached (fake clock)', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    await buildArticle(school, rubric.id, { title: 'Bientôt expiré', publishAt: daysAgo(1), expireAt: new Date(Date.now() + 30_000) });
    await buildArticle(school, rubric.id, { title: 'Programmé', publishAt: new Date(Date.now() + 20_000) });
    const before = await cached(school);
    expect(before.text).toContain('Bientôt expiré');
    expect(before.text).not.toContain('Programmé');
    advanceClock(21_000);
    const published = await visit(school);
    expect(published.cache).toBe('miss');
    expect(published.text).toContain('Programmé');
    expect((await visit(school)).cache).toBe('hit');
    advanceClock(10_000);
    const expired = await visit(school);
    expect(expired.cache).toBe('miss');
    expect(expired.text).not.toContain('Bientôt expiré');
  });

  it('is invalidated by a notice and by an event', async () => {
    const school = await buildTenant();
    await cached(school);
    await ownerTenantTx(school, (trx) =>
      trx('notices').insert({ tenant_id: school.id, id: newId(), level: 'alert', title: 'Collège fermé jeudi', starts_at: daysAgo(1) }),
    );
    const withNotice = await afterChange(school);
    expect(withNotice.text).toContain('Collège fermé jeudi');
    expect(withNotice.text).toContain('role="alert"');
    // Notices come first: before the news.
    expect(withNotice.text.indexOf('Collège fermé jeudi')).toBeLessThan(withNotice.text.indexOf('tile--news'));
    await cached(school);
    await ownerTenantTx(school, (trx) =>
      trx('agenda_events').insert({ tenant_id: school.id, id: newId(), title: 'Portes ouvertes', starts_at: new Date(Date.now() + 7 * 86_400_000) }),
    );
    expect((await afterChange(school)).text).toContain('Portes ouvertes');
  });

  it('is invalidated when the builder publishes, and when an institution publishes', async () => {
    const academie = await buildTenant({ kind: 'academie', name: 'Académie du cache' });
    const school = await buildTenant({ parents: [academie.slug] });
    const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
    await cached(school);
    await buildArticle(academie, (await buildRubric(academie)).id, { title: 'Circulaire académique' });
    expect((await afterChange(school)).text).toContain('Circulaire académique');

    await cached(school);
    const c = Client.for(school);
    await c.signIn(head.login, head.password);
    const _csrf = csrfFrom((await c.get('/publication/accueil')).text);
    const form = await c.get('/publication/accueil');
    const agenda = [...form.text.matchAll(/id="tuile-([0-9a-f-]{36})"/g)].map((m) => m[1])[2];
    await c.post(`/publication/accueil/tuiles/${agenda}/suppression`, { _csrf });
    expect((await visit(school)).cache).toBe('hit'); // a draft change does not change the public page
    await c.post('/publication/accueil/publication', { _csrf });
    const after = await afterChange(school);
    expect(after.text).not.toContain('tile--agenda');
  });
});
