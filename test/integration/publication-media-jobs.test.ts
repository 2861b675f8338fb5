import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { config } from '../../app/config.js';
import { ownerTenantTx, tenantTx } from '../../app/db/index.js';
import { enqueueJob, runDueJobs } from '../../app/jobs/queue.js';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { storage } from '../../app/lib/storage.js';
import { AVIF_QUEUE, FILES_COLLECT_QUEUE, FILES_GRACE_MS } from '../../app/modules/publication/jobs.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom, testApp } from '../fixtures/http.js';
import { pdf, png } from '../fixtures/images.js';
import { buildArticle, buildRubric } from '../fixtures/publication-public.js';

const fileOf = (sha: string) => path.join(config().dataDir, 'files', sha.slice(0, 2), sha.slice(2, 4), sha);

async function signedIn(school: Tenant, opts: { profile?: string } = {}) {
  const m = await buildMember(school, { profile: opts.profile ?? 'admin' });
  const c = Client.for(school);
  await c.signIn(m.login, m.password);
  const _csrf = csrfFrom((await c.get('/espace')).text);
  return { m, c, _csrf };
}

/** Uploads through the library's form; answers the new media's id. */
async function uploaded(c: Client, _csrf: string, file: Buffer, filename: string, alt = '') {
  const res = await supertest(testApp().callback())
    .post(`/publication/medias?_csrf=${_csrf}`)
    .set('Host', c.host)
    .set('Origin', `http://${c.host}`)
    .set('Cookie', c.cookieHeader())
    .field('alt', alt)
    .attach('file', file, { filename, contentType: 'application/octet-stream' });
  expect(res.status, res.text.slice(0, 300)).toBe(303);
  return /ajoute=([0-9a-f-]{36})/.exec(res.headers.location)![1];
}

const mediaRow = async (school: Tenant, id: string) => (await rowsOf(school, 'media', { id }))[0];
const usesOf = async (school: Tenant, mediaId: string) =>
  (await rowsOf(school, 'media_uses', { media_id: mediaId })).map((u: any) => u.how).sort();

afterEach(() => resetClock());

describe('AVIF variants, made by a job', () => {
  it('are not made in the upload; once the job has run they exist and the public pages offer them first', async () => {
    const school = await buildTenant();
    const { c, _csrf } = await signedIn(school);
    const id = await uploaded(c, _csrf, await png({ width: 700, height: 400 }), 'cour.png', 'La cour');
    const before = await mediaRow(school, id);
    expect(before.variants.map((v: any) => v.format).sort()).toEqual(['jpeg', 'jpeg', 'webp', 'webp']);
    const rubric = await buildRubric(school, { name: 'Vie du collège' });
    const article = await buildArticle(school, rubric.id, { title: 'La cour rénovée', mainImageId: id, mainImageAlt: 'La cour' });
    const visitor = Client.for(school);
    expect((await visitor.get(article.url)).text).not.toContain('image/avif');
    expect((await visitor.get(`/medias/${id}/320.avif`)).status).toBe(404);

    await runDueJobs([AVIF_QUEUE]);

    const after = await mediaRow(school, id);
    const avif = after.variants.filter((v: any) => v.format === 'avif');
    expect(avif.map((v: any) => v.width)).toEqual([320, 640]);
    for (const v of avif) {
      expect(fs.existsSync(fileOf(v.sha256))).toBe(true);
      const meta = await sharp(fs.readFileSync(fileOf(v.sha256))).metadata();
      expect(meta.format).toBe('heif');
      expect(meta.compression).toBe('av1');
      expect(meta.width).toBe(v.width);
    }
    // The stored size (the quota) counts them.
    expect(Number(after.size_bytes)).toBe(Number(before.size_bytes) + avif.reduce((n: number, v: any) => n + v.bytes, 0));
    const page = await visitor.get(article.url);
    expect(page.text).toMatch(
      new RegExp(`<source type="image/avif" srcset="/medias/${id}/320\\.avif 320w, /medias/${id}/640\\.avif 640w"[^>]*>\\s*<source type="image/webp"`),
    );
    const rubricPage = await visitor.get(`/rubriques/${(await rowsOf(school, 'rubrics', { id: rubric.id }))[0].slug}`);
    expect(rubricPage.text).toContain(`<source type="image/avif" srcset="/medias/${id}/320.avif 320w`);
    const file = await visitor.get(`/medias/${id}/640.avif`);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('image/avif');
    expect(file.headers.etag).toBe(`"${avif[1].sha256}"`);
    // Run again: nothing left to do, nothing doubled.
    await runDueJobs([AVIF_QUEUE]);
    expect((await mediaRow(school, id)).variants.filter((v: any) => v.format === 'avif')).toHaveLength(2);
  });

  it('is queued with the upload in its transaction, and only for images', async () => {
    const school = await buildTenant();
    const { c, _csrf } = await signedIn(school);
    await uploaded(c, _csrf, pdf(), 'menu.pdf');
    // A job queued in a transaction that rolls back does not exist: the upload path uses the same enqueue.
    await expect(
      tenantTx(school, async () => {
        await enqueueJob(AVIF_QUEUE, { tenantId: school.id, mediaId: '00000000-0000-4000-8000-000000000000' });
        throw new Error('annulé');
      }),
    ).rejects.toThrow('annulé');
    const { rows } = await ownerTenantTx(school, (trx) =>
      trx.raw(`select count(*)::int as n from pgboss.job where name = ? and data->>'tenantId' = ?`, [AVIF_QUEUE, school.id]),
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('where a media is used (media_uses)', () => {
  it('is kept when an article is saved in the editor: main image, body image, attachment; deletion refused while used', async () => {
    const school = await buildTenant();
    const { c, _csrf } = await signedIn(school);
    const main = await uploaded(c, _csrf, await png({ width: 400, height: 300 }), 'une.png', 'Une');
    const inBody = await uploaded(c, _csrf, await png({ width: 401, height: 300 }), 'corps.png', 'Corps');
    const doc = await uploaded(c, _csrf, pdf(), 'menu.pdf');
    const rubric = await buildRubric(school);
    const form = {
      _csrf,
      title: 'Semaine du goût',
      summary: '',
      rubric_id: rubric.id,
      body_html: `<div>Menu <img src="/medias/${inBody}/320.webp" alt="Le plat"></div>`,
      main_image_id: main,
      main_image_alt: 'Le réfectoire',
      attachment_ids: doc,
      tags: '',
    };
    const created = await c.post('/publication/articles', form);
    expect(created.status, created.text.slice(0, 300)).toBe(303);
    const articleId = created.headers.location.split('/')[3].split('?')[0];
    expect(await usesOf(school, main)).toEqual(['main']);
    expect(await usesOf(school, inBody)).toEqual(['body']);
    expect(await usesOf(school, doc)).toEqual(['attachment']);

    const library = await c.get('/publication/medias');
    expect(library.text).toMatch(/une\.png[\s\S]*?dans 1 article/);
    const detail = await c.get(`/publication/medias/${inBody}`);
    expect(detail.text).toMatch(/Semaine du goût<\/a> — brouillon \(dans le texte\)/);
    for (const id of [main, inBody, doc]) {
      const refused = await c.post(`/publication/medias/${id}/suppression`, { _csrf });
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('Ce média est utilisé par 1 article (« Semaine du goût ») : retirez-le d’abord de cet article, puis supprimez-le.');
      expect(await rowsOf(school, 'media', { id })).toHaveLength(1);
    }

    // Saved again without them: no use left, deletion allowed.
    const saved = await c.post(`/publication/articles/${articleId}`, { ...form, body_html: '<div>Menu</div>', main_image_id: '', main_image_alt: '', attachment_ids: '' });
    expect(saved.status, saved.text.slice(0, 300)).toBe(303);
    for (const id of [main, inBody, doc]) expect(await usesOf(school, id)).toEqual([]);
    expect((await c.get(`/publication/medias/${main}`)).text).toContain('Aucun article n’utilise ce média.');
    expect((await c.post(`/publication/medias/${inBody}/suppression`, { _csrf })).status).toBe(303);
    expect(await rowsOf(school, 'media', { id: inBody })).toHaveLength(0);

    // Autosave of the body records a use too, and a trashed article still holds its media.
    await c.post(`/publication/articles/${articleId}/brouillon`, { body_html: `<div><img src="/medias/${main}/320.webp" alt="Une"></div>` }, { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'X-CSRF-Token': _csrf });
    expect(await usesOf(school, main)).toEqual(['body']);
    expect((await c.post(`/publication/articles/${articleId}/corbeille`, { _csrf })).status).toBeLessThan(400);
    const trashed = await c.post(`/publication/medias/${main}/suppression`, { _csrf });
    expect(trashed.status).toBe(422);
    expect((await c.get(`/publication/medias/${main}`)).text).toMatch(/Semaine du goût<\/a> — brouillon, dans la corbeille \(dans le texte\)/);
  });

  it('forgets the uses of an article deleted for good, attachments included', async () => {
    const school = await buildTenant();
    const { c, _csrf } = await signedIn(school);
    const image = await uploaded(c, _csrf, await png({ width: 402, height: 300 }), 'une.png', 'Une');
    const doc = await uploaded(c, _csrf, pdf('Annexe'), 'annexe.pdf');
    const rubric = await buildRubric(school);
    const article = await buildArticle(school, rubric.id, { mainImageId: image, mainImageAlt: 'Une', body: `<p><a href="/medias/${doc}/original">annexe</a></p>` });
    await ownerTenantTx(school, (trx) => trx('article_attachments').insert({ tenant_id: school.id, article_id: article.id, media_id: doc, position: 0 }));
    expect(await usesOf(school, image)).toEqual(['main']);
    expect(await usesOf(school, doc)).toEqual(['attachment', 'body']);
    await ownerTenantTx(school, (trx) => trx('articles').where({ tenant_id: school.id, id: article.id }).del());
    expect(await rowsOf(school, 'media_uses', {})).toEqual([]);
    expect((await c.post(`/publication/medias/${doc}/suppression`, { _csrf })).status).toBe(303);
  });

  it('never records another school’s media, and saving an article that mentions one still works', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const them = await signedIn(other);
    const foreign = await uploaded(them.c, them._csrf, pdf('Ailleurs'), 'ailleurs.pdf');
    const rubric = await buildRubric(school);
    const article = await buildArticle(school, rubric.id, { body: `<p><a href="/medias/${foreign}/original">lien</a></p>` });
    expect(await rowsOf(school, 'media_uses', { article_id: article.id })).toEqual([]);
    expect(await usesOf(other, foreign)).toEqual([]);
    expect((await them.c.post(`/publication/medias/${foreign}/suppression`, { _csrf: them._csrf })).status).toBe(303);
  });
});

describe('the collector of unreferenced files', () => {
  it('deletes files no media of any school references, only after the grace period, and keeps shared ones', async () => {
    const a = await buildTenant();
    const b = await buildTenant();
    const sa = await signedIn(a);
    const sb = await signedIn(b);
    const shared = await png({ width: 330, height: 200 });
    const inA = await uploaded(sa.c, sa._csrf, shared, 'partagee.png');
    const inB = await uploaded(sb.c, sb._csrf, shared, 'partagee.png');
    const alone = await uploaded(sa.c, sa._csrf, pdf('Seul'), 'seul.pdf');
    const kept = await uploaded(sa.c, sa._csrf, pdf('Gardé'), 'garde.pdf');
    const sharedFiles = (await mediaRow(a, inA)).variants.map((v: any) => v.sha256);
    expect((await mediaRow(b, inB)).variants.map((v: any) => v.sha256)).toEqual(sharedFiles);
    const aloneFile = (await mediaRow(a, alone)).sha256;
    const keptFile = (await mediaRow(a, kept)).sha256;
    expect((await sa.c.post(`/publication/medias/${inA}/suppression`, { _csrf: sa._csrf })).status).toBe(303);
    expect((await sa.c.post(`/publication/medias/${alone}/suppression`, { _csrf: sa._csrf })).status).toBe(303);

    const collect = async () => {
      await enqueueJob(FILES_COLLECT_QUEUE, {});
      await runDueJobs([FILES_COLLECT_QUEUE]);
    };
    // Just released: kept for the grace period.
    await collect();
    expect(fs.existsSync(fileOf(aloneFile))).toBe(true);

    advanceClock(FILES_GRACE_MS + 60_000);
    // An upload in progress: its files are stored, its row not yet committed.
    const inProgress = await storage().put(Buffer.from('un envoi en cours'));
    await collect();
    expect(fs.existsSync(fileOf(aloneFile))).toBe(false);
    for (const sha of sharedFiles) expect(fs.existsSync(fileOf(sha))).toBe(true);
    expect(fs.existsSync(fileOf(keptFile))).toBe(true);
    expect(fs.existsSync(fileOf(inProgress.sha256))).toBe(true);

    // Once B deletes its copy too (signed in again: a day has passed), the shared files go after their own grace period.
    const sb2 = await signedIn(b);
    expect((await sb2.c.post(`/publication/medias/${inB}/suppression`, { _csrf: sb2._csrf })).status).toBe(303);
    await collect();
    for (const sha of sharedFiles) expect(fs.existsSync(fileOf(sha))).toBe(true);
    advanceClock(FILES_GRACE_MS + 60_000);
    await collect();
    for (const sha of sharedFiles) expect(fs.existsSync(fileOf(sha))).toBe(false);
    expect(fs.existsSync(fileOf(inProgress.sha256))).toBe(false);
    expect(fs.existsSync(fileOf(keptFile))).toBe(true);
  });
});
