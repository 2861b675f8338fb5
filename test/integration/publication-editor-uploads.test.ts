import sharp from 'sharp';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { sanitizeArticleHtml } from '../../app/modules/publication/sanitize.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom, testApp } from '../fixtures/http.js';
import { htmlPage, jpegWithGps, pdf } from '../fixtures/images.js';

/** Files dropped or pasted into the article editor (trix): POST /publication/medias/televersement, JSON. */

const URL_ = '/publication/medias/televersement';

async function signedIn(opts: { profile?: string; school?: Tenant } = {}) {
  const school = opts.school ?? (await buildTenant());
  const m = await buildMember(school, { profile: opts.profile ?? 'teacher' });
  const c = Client.for(school);
  await c.signIn(m.login, m.password);
  const token = csrfFrom((await c.get('/espace')).text);
  return { school, m, c, token };
}

/** What editor.js sends: the file alone, the token in the X-CSRF-Token header. */
function send(c: Client, token: string | undefined, file: Buffer, filename: string, host = c.host) {
  const req = supertest(testApp().callback()).post(URL_).set('Host', host).set('Origin', `http://${host}`).set('Accept', 'application/json');
  if (c.cookies.size) req.set('Cookie', c.cookieHeader());
  if (token) req.set('X-CSRF-Token', token);
  return req.attach('file', file, { filename, contentType: 'application/octet-stream' });
}

describe('uploads from the article editor', () => {
  it('stores a dropped image in the library and answers its 1024 px WebP address, which the sanitizer keeps', async () => {
    const { school, c, token } = await signedIn();
    const res = await send(c, token, await jpegWithGps({ width: 1600, height: 1200 }), 'sortie.jpg');
    expect(res.status, res.text).toBe(201);
    expect(res.type).toBe('application/json');
    const { id, url, href } = res.body;
    expect(url).toBe(`/medias/${id}/1024.webp`);
    expect(href).toBe(`/medias/${id}/original`);
    const rows = await rowsOf(school, 'media', { id });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'image', name: 'sortie.jpg' });
    // The address serves the WebP to its author.
    const served = await c.get(url);
    expect(served.status).toBe(200);
    expect((await sharp(served.body).metadata()).format).toBe('webp');
    // What trix saves for it survives the sanitizer.
    const saved = sanitizeArticleHtml(`<figure data-trix-attachment="{}" class="attachment attachment--preview"><a href="${href}"><img src="${url}" width="1024" height="768"></a></figure>`);
    expect(saved.html).toContain(`src="${url}"`);
    expect(saved.html).toContain(`href="${href}"`);
    // A picture trix serialized without an alternative gets an empty one (its caption describes it).
    expect(sanitizeArticleHtml(`<figure><img src="${url}"><figcaption>Le potager</figcaption></figure>`).html).toContain('alt=""');
    // Images from elsewhere are dropped.
    expect(sanitizeArticleHtml('<img src="https://ailleurs.example/x.png" alt="x">').html).not.toContain('<img');
  });

  it('gives a document its original address', async () => {
    const { school, c, token } = await signedIn();
    const res = await send(c, token, pdf(), 'menu.pdf');
    expect(res.status, res.text).toBe(201);
    expect(res.body.url).toBe(`/medias/${res.body.id}/original`);
    expect(res.body.href).toBe(res.body.url);
    expect(await rowsOf(school, 'media', { id: res.body.id, kind: 'file' })).toHaveLength(1);
  });

  it('refuses an HTML page renamed .jpg with 415 and a French message in JSON, nothing stored', async () => {
    const { school, c, token } = await signedIn();
    const res = await send(c, token, htmlPage, 'photo.jpg');
    expect(res.status).toBe(415);
    expect(res.type).toBe('application/json');
    expect(res.body.error).toMatch(/Type de fichier non accepté/);
    expect(await rowsOf(school, 'media')).toHaveLength(0);
  });

  it('refuses a request without the token (403), nothing stored', async () => {
    const { school, c } = await signedIn();
    const res = await send(c, undefined, await jpegWithGps({ width: 400, height: 300 }), 'x.jpg');
    expect(res.status).toBe(403);
    expect(await rowsOf(school, 'media')).toHaveLength(0);
  });

  it('refuses a member without the publication service (403 JSON)', async () => {
    const { school, c, token } = await signedIn({ profile: 'student' });
    const res = await send(c, token, await jpegWithGps({ width: 400, height: 300 }), 'x.jpg');
    expect(res.status).toBe(403);
    expect(res.body.error).toMatch(/droit/);
    expect(await rowsOf(school, 'media')).toHaveLength(0);
  });

  it('is out of reach of another school’s member and of visitors', async () => {
    const a = await signedIn();
    const b = await buildTenant();
    // A's session and token sent to B's address: B knows no such session, nothing is stored in either school.
    const res = await send(a.c, a.token, await jpegWithGps({ width: 400, height: 300 }), 'x.jpg', Client.for(b).host);
    // (refused by the token check: B has no such session, so A's token is not B's)
    expect(res.status).toBe(403);
    expect(await rowsOf(b, 'media')).toHaveLength(0);
    expect(await rowsOf(a.school, 'media')).toHaveLength(0);
    const visitor = await send(Client.for(b), undefined, pdf(), 'menu.pdf');
    expect(visitor.status).toBe(403);
    // A visitor with a valid token is told to sign in.
    const v = Client.for(b);
    const vt = await v.csrf('/connexion');
    expect((await send(v, vt, pdf(), 'menu.pdf')).status).toBe(401);
    expect(await rowsOf(b, 'media')).toHaveLength(0);
  });
});
