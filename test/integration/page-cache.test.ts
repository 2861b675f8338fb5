import supertest from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { cachedPageBytes, pageCacheListenerStarter, pageCacheListenerStopper } from '../../app/http/page-cache.js';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { createApp } from '../../app/server.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { Client, hostOf } from '../fixtures/http.js';
import { buildArticle, buildRubric, daysAgo } from '../fixtures/publication-public.js';

// Rubric and article pages are cached for visitors like the homepage (app/http/page-cache.ts): as bytes,
// dropped by any committed change of the school's publication, and at its next scheduled time.
const app = createApp();
afterEach(() => resetClock());
afterAll(() => pageCacheListenerStopper());

async function visit(tenant: Tenant, url: string, cookie?: string) {
  const req = supertest(app.callback()).get(url).set('Host', hostOf(tenant));
  if (cookie) req.set('Cookie', cookie);
  const res = await req;
  return { status: res.status, text: res.text, cache: res.headers['x-page-cache'] as string | undefined, cookie: res.headers['set-cookie'] };
}

/** Visits until served from the cache (a page rendered while a notification arrives is not kept). */
async function cached(tenant: Tenant, url: string) {
  await pageCacheListenerStarter();
  for (let i = 0; i < 50; i++) {
    const r = await visit(tenant, url);
    if (r.cache === 'hit') return r;
  }
  throw new Error(`${url} was never served from the cache`);
}

/** A change is heard through NOTIFY: at once on PGlite, a moment later over PostgreSQL's own connection. */
async function afterChange(tenant: Tenant, url: string) {
  for (let i = 0; i < 250; i++) {
    const r = await visit(tenant, url);
    if (r.cache !== 'hit') return r;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} was never invalidated`);
}

describe('the public page cache', () => {
  it('serves a visitor’s article and rubric pages as the same bytes, without cookie; members and other query strings go to the route', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school, { name: 'Vie scolaire' });
    const art = await buildArticle(school, rubric.id, { title: 'Sortie au musée' });
    for (const url of [art.url, `/rubriques/${rubric.slug}`, `/rubriques/${rubric.slug}?page=1`]) {
      const first = await visit(school, url);
      expect(first.status).toBe(200);
      const hit = await cached(school, url);
      expect(hit.text).toBe(first.text);
      expect(hit.cookie).toBeUndefined();
    }
    expect((await visit(school, `${art.url}?utm=x`)).cache).toBeUndefined();

    const member = await buildMember(school);
    const c = Client.for(school);
    await c.signIn(member.login, member.password);
    const asMember = await visit(school, art.url, c.cookieHeader());
    expect(asMember.status).toBe(200);
    expect(asMember.cache).toBeUndefined();
  });

  it('drops the pages when an article is edited, published or withdrawn', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    const art = await buildArticle(school, rubric.id, { title: 'Premier titre' });
    await cached(school, art.url);
    await cached(school, `/rubriques/${rubric.slug}`);
    await ownerTenantTx(school, (trx) => trx('articles').where({ tenant_id: school.id, id: art.id }).update({ title: 'Titre corrigé' }));
    expect((await afterChange(school, art.url)).text).toContain('Titre corrigé');
    expect((await afterChange(school, `/rubriques/${rubric.slug}`)).text).toContain('Titre corrigé');

    await cached(school, `/rubriques/${rubric.slug}`);
    await buildArticle(school, rubric.id, { title: 'Nouvelle parution' });
    expect((await afterChange(school, `/rubriques/${rubric.slug}`)).text).toContain('Nouvelle parution');

    await cached(school, art.url);
    await ownerTenantTx(school, (trx) => trx('articles').where({ tenant_id: school.id, id: art.id }).update({ status: 'archived' }));
    expect((await afterChange(school, art.url)).status).toBe(404);
  });

  it('counts the bytes it keeps (bounded for the process’s memory) and gives them back when a school changes', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    const art = await buildArticle(school, rubric.id);
    await pageCacheListenerStarter();
    const before = cachedPageBytes();
    const page = await cached(school, art.url);
    expect(cachedPageBytes() - before).toBe(Buffer.byteLength(page.text));
    await ownerTenantTx(school, (trx) => trx('articles').where({ tenant_id: school.id, id: art.id }).update({ title: 'Changé' }));
    await afterChange(school, art.url);
    expect(cachedPageBytes()).toBeLessThanOrEqual(before + Buffer.byteLength((await visit(school, art.url)).text));
  });

  it('another school’s change leaves the pages cached', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const rubric = await buildRubric(school);
    const art = await buildArticle(school, rubric.id);
    await cached(school, art.url);
    const otherRubric = await buildRubric(other);
    await buildArticle(other, otherRubric.id);
    // Other test files share the database and may notify too: only this school's notifications count.
    expect((await visit(school, art.url)).cache).toBe('hit');
  });

  it('a scheduled article appears on its rubric page at its time, an expired one leaves it (fake clock)', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    await buildArticle(school, rubric.id, { title: 'Bientôt retiré', publishAt: daysAgo(1), expireAt: new Date(Date.now() + 40_000) });
    await buildArticle(school, rubric.id, { title: 'Programmé pour bientôt', publishAt: new Date(Date.now() + 20_000) });
    const url = `/rubriques/${rubric.slug}`;
    const before = await cached(school, url);
    expect(before.text).toContain('Bientôt retiré');
    expect(before.text).not.toContain('Programmé pour bientôt');
    advanceClock(21_000);
    const published = await visit(school, url);
    expect(published.cache).not.toBe('hit');
    expect(published.text).toContain('Programmé pour bientôt');
    await cached(school, url);
    advanceClock(20_000);
    const expired = await visit(school, url);
    expect(expired.cache).not.toBe('hit');
    expect(expired.text).not.toContain('Bientôt retiré');
  });
});
