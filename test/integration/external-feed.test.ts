import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantTx } from '../../app/db/index.js';
import { enqueueJob, runDueJobs } from '../../app/jobs/queue.js';
import { pageCache, pageCacheListenerStarter, pageCacheListenerStopper } from '../../app/http/page-cache.js';
import { externalFeedRefresher, FEED_QUEUE, feedPolicy } from '../../app/modules/homepage/external-feed.js';
import { createApp } from '../../app/server.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { Client, csrfFrom, hostOf } from '../fixtures/http.js';

// The external RSS tile: a real local HTTP server serves the feed (loopback is allowed because NODE_ENV=test,
// see external-feed.ts); the job fetches it; the homepage shows the cached items, also when the source is down.

let items = [
  { title: 'Rentrée 2027 : le <b>calendrier</b>', link: 'https://www.education.gouv.fr/rentree' },
  { title: 'Lien piégé', link: 'javascript:alert(1)' },
  { title: 'Les bourses de lycée', link: 'https://www.education.gouv.fr/bourses' },
];
const rss = () =>
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Ministère</title><link>https://www.education.gouv.fr/</link><description>x</description>` +
  items.map((i) => `<item><title><![CDATA[${i.title}]]></title><link>${i.link}</link><pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate></item>`).join('') +
  `</channel></rss>`;

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/flux.xml') return res.writeHead(200, { 'Content-Type': 'application/rss+xml' }).end(rss());
    if (req.url === '/lent.xml') return void setTimeout(() => res.writeHead(200).end(rss()), 3_000);
    if (req.url === '/gros.xml') {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml' }); // no Content-Length: the limit applies while reading
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 40; i++) res.write(`<!-- ${chunk} -->`);
      return res.end(rss());
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await pageCacheListenerStopper();
});

/** The application with the homepage cache mounted after resolveTenant, as app/server.ts does. */
function appWithCache(): Koa {
  const real = createApp();
  if (real.middleware.some((m) => m.name === 'pageCache')) return real;
  const app = new Koa();
  const at = real.middleware.findIndex((m) => m.name === 'resolveTenant');
  real.middleware.forEach((m, i) => {
    app.use(m);
    if (i === at) app.use(pageCache);
  });
  app.on('error', () => {});
  return app;
}
const app = appWithCache();
const visit = async (t: Tenant) => {
  const res = await supertest(app.callback()).get('/').set('Host', hostOf(t));
  return { text: res.text, cache: res.headers['x-page-cache'] as string | undefined };
};

async function schoolWithFeedTile(url: string) {
  const school = await buildTenant();
  const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
  const c = Client.for(school);
  await c.signIn(head.login, head.password);
  const _csrf = csrfFrom((await c.get('/publication/accueil')).text);
  const added = await c.post('/publication/accueil/tuiles', { _csrf, type: 'feed', title: 'Le ministère', url, limit: '5' });
  expect(added.status).toBe(303);
  expect((await c.post('/publication/accueil/publication', { _csrf })).status).toBe(303);
  return { school, c, _csrf };
}

const cachedRow = (school: Tenant, url: string) => tenantTx(school, (trx) => trx('external_feeds').where({ tenant_id: school.id, url }).first());

describe('the external RSS feed tile', () => {
  it('is fetched by the job queued with the tile; shows plain-text titles as links, no HTML and no javascript: link from the feed', async () => {
    const url = `${base}/flux.xml`;
    const { school } = await schoolWithFeedTile(url);
    // Before the job ran: the tile is there, empty; no visitor ever causes a fetch.
    expect((await visit(school)).text).toContain('Aucun article pour le moment.');
    await runDueJobs([FEED_QUEUE]);
    const page = (await visit(school)).text;
    expect(page).toContain('<h2 id="tile-');
    expect(page).toContain('<a href="https://www.education.gouv.fr/rentree" rel="noopener noreferrer external nofollow">Rentrée 2027 : le calendrier<span');
    expect(page).toContain('Les bourses de lycée');
    expect(page).not.toContain('Lien piégé');
    expect(page).not.toContain('<b>');
    expect(page).toMatch(/Source : 127\.0\.0\.1 · mis à jour le \d/);
  });

  it('keeps showing the last items when the source is down, and records the failure', async () => {
    const url = `${base}/flux.xml`;
    const { school } = await schoolWithFeedTile(url);
    await runDueJobs([FEED_QUEUE]);
    const before = await cachedRow(school, url);
    expect(before.items).toHaveLength(2);
    // The source goes away (another address on the same dead port would do too): 404 here.
    const gone = `${base}/disparu.xml`;
    await tenantTx(school, (trx) => trx('external_feeds').where({ tenant_id: school.id, url }).update({ url: gone }));
    await tenantTx(school, (trx) =>
      trx('homepage_versions').where({ tenant_id: school.id, status: 'published' }).update({ tiles: trx.raw(`replace(tiles::text, ?, ?)::jsonb`, [url, gone]) }),
    );
    expect(await externalFeedRefresher(school.id, gone)).toEqual({ ok: false, error: 'HTTP 404' });
    const after = await cachedRow(school, gone);
    expect(after.items).toEqual(before.items);
    expect(after.last_error).toBe('HTTP 404');
    const page = (await visit(school)).text;
    expect(page).toContain('Rentrée 2027 : le calendrier');
    expect(page).toContain('mis à jour le');
  });

  it('refuses a source that is too slow or too big without breaking anything', async () => {
    const slow = `${base}/lent.xml`;
    const { school } = await schoolWithFeedTile(slow);
    const timeout = feedPolicy.timeoutMs;
    feedPolicy.timeoutMs = 300;
    try {
      const started = Date.now();
      expect(await externalFeedRefresher(school.id, slow)).toEqual({ ok: false, error: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      feedPolicy.timeoutMs = timeout;
    }
    const big = `${base}/gros.xml`;
    const other = await schoolWithFeedTile(big);
    const max = feedPolicy.maxBytes;
    feedPolicy.maxBytes = 512 * 1024;
    try {
      expect(await externalFeedRefresher(other.school.id, big)).toEqual({ ok: false, error: 'too large' });
    } finally {
      feedPolicy.maxBytes = max;
    }
    expect((await cachedRow(other.school, big)).items).toEqual([]);
    const page = (await visit(other.school)).text;
    expect(page).toContain('Le ministère');
    expect(page).toContain('Aucun article pour le moment.');
  });

  it('new items drop the cached homepage', async () => {
    const url = `${base}/flux.xml`;
    const { school } = await schoolWithFeedTile(url);
    await runDueJobs([FEED_QUEUE]);
    await pageCacheListenerStarter();
    let hit;
    for (let i = 0; i < 50 && hit?.cache !== 'hit'; i++) hit = await visit(school);
    expect(hit?.cache).toBe('hit');
    items = [{ title: 'Nouvelle du jour', link: 'https://www.education.gouv.fr/nouvelle' }, ...items];
    expect(await externalFeedRefresher(school.id, url)).toEqual({ ok: true });
    let fresh;
    for (let i = 0; i < 250; i++) {
      fresh = await visit(school);
      if (fresh.cache !== 'hit') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fresh?.cache).not.toBe('hit');
    expect(fresh?.text).toContain('Nouvelle du jour');
  });

  it('the scheduled run (cron, no data) queues a refresh of every school’s feeds, which then run', async () => {
    const url = `${base}/flux.xml`;
    const { school } = await schoolWithFeedTile(url);
    await runDueJobs([FEED_QUEUE]);
    items = [{ title: 'Publiée entre deux relevés', link: 'https://www.education.gouv.fr/entre-deux' }, ...items];
    await enqueueJob(FEED_QUEUE, {});
    const ran = await runDueJobs([FEED_QUEUE]);
    // The scheduled job itself, then at least this school's refresh (other files' schools may have feeds too).
    expect(ran.failed).toBe(0);
    expect(ran.completed).toBeGreaterThanOrEqual(2);
    expect((await cachedRow(school, url)).items[0].title).toBe('Publiée entre deux relevés');
  });

  it('loopback and private addresses are refused when the policy does not allow them, at fetch time too', async () => {
    const url = `${base}/flux.xml`;
    const { school } = await schoolWithFeedTile(url);
    feedPolicy.allowPrivate = false;
    try {
      expect(await externalFeedRefresher(school.id, url)).toEqual({ ok: false, error: 'Cette adresse n’est pas accessible depuis Internet.' });
    } finally {
      feedPolicy.allowPrivate = true;
    }
  });
});
