import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { config } from '../../app/config.js';
import { ownerTenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import { diskStorage } from '../../app/lib/storage.js';
import { SCHOOL_QUOTA_BYTES } from '../../app/modules/publication/media.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildClass, addToClass, buildMember, buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { Client, csrfFrom, testApp } from '../fixtures/http.js';
import { docx, htmlPage, jpegWithGps, odt, pdf, pixelFloodPng, png, svgImage } from '../fixtures/images.js';

const FILES = () => path.join(config().dataDir, 'files');
const fileOf = (sha: string) => path.join(FILES(), sha.slice(0, 2), sha.slice(2, 4), sha);

/** Every file under DATA_DIR/files (temporary ones included), to prove a refusal left nothing behind. */
function storedFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else out.push(path.join(dir, e.name));
    }
  };
  walk(FILES());
  return out;
}

async function signedIn(opts: { profile?: string; functions?: string[]; school?: Tenant } = {}) {
  const school = opts.school ?? (await buildTenant());
  const m = await buildMember(school, { profile: opts.profile ?? 'admin', functions: opts.functions });
  const c = Client.for(school);
  await c.signIn(m.login, m.password);
  const _csrf = csrfFrom((await c.get('/espace')).text);
  return { school, m, c, _csrf };
}

interface UploadOpts {
  alt?: string;
  htmx?: boolean;
  token?: 'query' | 'header' | 'none';
}

/** A multipart upload as the library's form sends it: the alternative text first, then the file. */
async function upload(c: Client, _csrf: string, file: Buffer, filename: string, opts: UploadOpts = {}) {
  const token = opts.token ?? 'query';
  const req = supertest(testApp().callback())
    .post(token === 'query' ? `/publication/medias?_csrf=${_csrf}` : '/publication/medias')
    .set('Host', c.host)
    .set('Origin', `http://${c.host}`)
    .set('Cookie', c.cookieHeader());
  if (token === 'header') req.set('X-CSRF-Token', _csrf);
  if (opts.htmx) req.set({ 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'div#mediatheque' });
  return req.field('alt', opts.alt ?? '').attach('file', file, { filename, contentType: 'application/octet-stream' });
}

async function uploaded(c: Client, _csrf: string, file: Buffer, filename: string, alt = '') {
  const res = await upload(c, _csrf, file, filename, { alt });
  expect(res.status, res.text.slice(0, 400)).toBe(303);
  const id = /ajoute=([0-9a-f-]{36})/.exec(res.headers.location)![1];
  return id;
}

/** A rubric and an article that uses a media (as main image, attachment or in its body). */
async function articleUsing(
  school: Tenant,
  mediaId: string,
  opts: { how?: 'main' | 'attachment' | 'body'; visibility?: 'public' | 'private'; status?: string; publishAt?: Date; roles?: { target_type: string; target_value: string; role: string }[] } = {},
) {
  const rubricId = newId();
  const articleId = newId();
  const how = opts.how ?? 'main';
  await ownerTenantTx(school, async (trx) => {
    await trx('rubrics').insert({ tenant_id: school.id, id: rubricId, slug: uniq('rubrique'), name: 'Vie du collège', visibility: opts.visibility ?? 'public' });
    for (const r of opts.roles ?? []) await trx('rubric_roles').insert({ tenant_id: school.id, rubric_id: rubricId, ...r });
    await trx('articles').insert({
      tenant_id: school.id,
      id: articleId,
      rubric_id: rubricId,
      title: 'Sortie au musée',
      slug: 'sortie-au-musee',
      status: opts.status ?? 'published',
      publish_at: opts.publishAt ?? new Date(Date.now() - 3600_000),
      main_image_id: how === 'main' ? mediaId : null,
      body_html: how === 'body' ? `<p>Photo :</p><img src="/medias/${mediaId}/640.webp" alt="La classe">` : '<p>Texte</p>',
    });
    if (how === 'attachment') await trx('article_attachments').insert({ tenant_id: school.id, article_id: articleId, media_id: mediaId });
  });
  return { rubricId, articleId };
}

describe('uploads', () => {
  it('re-encodes a JPEG into WebP and JPEG variants of the declared widths, upright, with no EXIF or GPS left', async () => {
    const { school, m, c, _csrf } = await signedIn();
    // 1600 × 1200 stored sideways (orientation 6): upright it is 1200 wide, so 320, 640 and 1024 only.
    const photo = await jpegWithGps({ width: 1600, height: 1200, orientation: 6 });
    expect(photo.includes(Buffer.from('PreauTestCam'))).toBe(true);
    const id = await uploaded(c, _csrf, photo, 'Sortie musée.jpg', 'Les élèves devant le musée');
    const [row] = await rowsOf(school, 'media', { id });
    expect(row).toMatchObject({ kind: 'image', name: 'Sortie musée.jpg', mime: 'image/jpeg', alt: 'Les élèves devant le musée', created_by: m.membershipId });
    expect(row.variants.map((v: any) => `${v.format}@${v.width}`)).toEqual(['webp@320', 'jpeg@320', 'webp@640', 'jpeg@640', 'webp@1024', 'jpeg@1024']);
    expect(row.width).toBe(1024);
    expect(row.height).toBeGreaterThan(row.width);
    expect(Number(row.size_bytes)).toBe(row.variants.reduce((n: number, v: any) => n + v.bytes, 0));
    for (const v of row.variants) {
      const bytes = fs.readFileSync(fileOf(v.sha256));
      expect(bytes.length).toBe(v.bytes);
      const meta = await sharp(bytes).metadata();
      expect(meta.format).toBe(v.format);
      expect([meta.width, meta.height]).toEqual([v.width, v.height]);
      expect(meta.height!).toBeGreaterThan(meta.width!);
      expect(meta.exif).toBeUndefined();
      expect(meta.icc).toBeUndefined();
      expect(bytes.includes(Buffer.from('PreauTestCam'))).toBe(false);
      expect(bytes.includes(Buffer.from('GPS'))).toBe(false);
      await sharp(bytes).raw().toBuffer(); // decodes entirely
    }
    // The "original" is the largest JPEG; what was uploaded is not kept.
    expect(row.sha256).toBe(row.variants.at(-1).sha256);
    expect(storedFiles().some((f) => fs.readFileSync(f).equals(photo))).toBe(false);
    expect(await rowsOf(school, 'audit_events', { action: 'media.uploaded', subject_id: id })).toHaveLength(1);
  });

  it('keeps a PNG’s size ladder under its own width and gives transparent pixels a white JPEG background', async () => {
    const { school, c, _csrf } = await signedIn();
    const id = await uploaded(c, _csrf, await png({ width: 800, height: 600 }), 'logo.png');
    const [row] = await rowsOf(school, 'media', { id });
    expect(row.variants.map((v: any) => `${v.format}@${v.width}x${v.height}`)).toEqual(['webp@320x240', 'jpeg@320x240', 'webp@640x480', 'jpeg@640x480']);
    const jpeg = row.variants.find((v: any) => v.format === 'jpeg');
    const { data } = await sharp(fs.readFileSync(fileOf(jpeg.sha256))).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(100); // half-transparent blue on white, not on black
    // An image narrower than every declared width keeps one variant at its own width.
    const small = await uploaded(c, _csrf, await png({ width: 200, height: 100, alpha: false }), 'icone.png');
    const [tiny] = await rowsOf(school, 'media', { id: small });
    expect(tiny.variants.map((v: any) => `${v.format}@${v.width}`)).toEqual(['webp@200', 'jpeg@200']);
  });

  it('stores a PDF and office documents as uploaded, recognised by their content', async () => {
    const { school, c, _csrf } = await signedIn();
    for (const [file, name, mime] of [
      [pdf(), 'menu.pdf', 'application/pdf'],
      [docx(), 'compte-rendu.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
      // The name does not decide: an OpenDocument text sent as ".bin" is still one.
      [odt(), 'notes.bin', 'application/vnd.oasis.opendocument.text'],
    ] as const) {
      const id = await uploaded(c, _csrf, file, name);
      const [row] = await rowsOf(school, 'media', { id });
      expect(row).toMatchObject({ kind: 'file', mime, name, width: null, variants: [] });
      expect(fs.readFileSync(fileOf(row.sha256)).equals(file)).toBe(true);
    }
  });

  it('refuses an HTML page renamed .jpg and an SVG with 415, storing nothing', async () => {
    const { school, c, _csrf } = await signedIn();
    const before = storedFiles().length;
    const html = await upload(c, _csrf, htmlPage, 'photo.jpg', { alt: 'Une photo' });
    expect(html.status).toBe(415);
    expect(html.text).toContain('Type de fichier non accepté');
    expect(html.text).toMatch(/id="media-file"[^>]*aria-invalid="true"/);
    expect(html.text).toContain('aria-describedby="media-file-hint media-file-error"');
    expect(html.text).toContain('value="Une photo"'); // what was typed is kept
    const svg = await upload(c, _csrf, svgImage, 'dessin.svg');
    expect(svg.status).toBe(415);
    expect(svg.text).toContain('les images SVG ne sont pas acceptées');
    expect(await rowsOf(school, 'media')).toHaveLength(0);
    expect(storedFiles().length).toBe(before);
  });

  it('answers 413 to a 30 Mo upload, storing nothing and leaving no temporary file', async () => {
    const { school, c, _csrf } = await signedIn();
    const before = storedFiles();
    const big = Buffer.concat([pdf(), Buffer.alloc(30 * 1024 * 1024, 0x41)]);
    const res = await upload(c, _csrf, big, 'enorme.pdf', { alt: 'gros' });
    expect(res.status).toBe(413);
    expect(res.text).toContain('Fichier trop volumineux : 15 Mo au plus pour une image, 20 Mo pour un document.');
    expect(await rowsOf(school, 'media')).toHaveLength(0);
    expect(storedFiles()).toEqual(before);
  });

  it('enforces the size while the bytes arrive: a chunked 60 Mo upload is answered 413 (at the 20 Mo limit) long before it is all sent', async () => {
    const { school, c, _csrf } = await signedIn();
    const server = testApp().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const boundary = 'preauBoundary42';
      const result = await new Promise<{ status: number; sentWhenAnswered: number; body: string }>((resolve, reject) => {
        let sent = 0;
        let answered = false;
        const req = http.request({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/publication/medias?_csrf=${_csrf}`,
          headers: { Host: c.host, Origin: `http://${c.host}`, Cookie: c.cookieHeader(), 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked' },
        });
        req.on('response', (res) => {
          answered = true;
          const at = sent;
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, sentWhenAnswered: at, body }));
        });
        req.on('error', (e) => (answered ? undefined : reject(e)));
        const chunk = Buffer.alloc(256 * 1024, 0x42);
        // Far past the limit, so that the answer beats the last byte even on a loaded machine (the server
        // reads and drops the rest, so the client sees the answer rather than a reset).
        const total = 60 * 1024 * 1024;
        req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="flux.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n`);
        const pump = () => {
          while (!answered && sent < total) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
          if (!answered) req.end(`\r\n--${boundary}--\r\n`);
        };
        pump();
      });
      expect(result.status).toBe(413);
      expect(result.body).toContain('Fichier trop volumineux');
      expect(result.sentWhenAnswered).toBeLessThan(60 * 1024 * 1024);
      expect(await rowsOf(school, 'media')).toHaveLength(0);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses a pixel-flood PNG (400 megapixels in a few kilobytes) without decoding it', async () => {
    const { school, c, _csrf } = await signedIn();
    const flood = pixelFloodPng();
    expect(flood.length).toBeLessThan(200_000);
    const before = process.memoryUsage().rss;
    const res = await upload(c, _csrf, flood, 'flood.png');
    expect(res.status).toBe(422);
    expect(res.text).toContain('Image trop grande : 40 millions de pixels au plus');
    // Decoding it would take 400 Mo at least; memory stays far below that.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    expect(await rowsOf(school, 'media')).toHaveLength(0);
  });

  it('refuses an upload past the school’s quota with a clear message, and shows the usage', async () => {
    const { school, c, _csrf } = await signedIn();
    await ownerTenantTx(school, (trx) =>
      trx('media').insert({ tenant_id: school.id, id: newId(), kind: 'file', name: 'archives.pdf', mime: 'application/pdf', size_bytes: SCHOOL_QUOTA_BYTES - 2000, sha256: 'a'.repeat(64) }),
    );
    const page = await c.get('/publication/medias');
    expect(page.text).toContain('Espace utilisé : 2 Go sur 2 Go');
    const res = await upload(c, _csrf, await png({ width: 400, height: 300 }), 'encore.png');
    expect(res.status).toBe(422);
    expect(res.text).toContain('L’espace de stockage de l’établissement est plein');
    expect(await rowsOf(school, 'media')).toHaveLength(1);
  });

  it('takes the token from htmx’s header, refuses an upload without one, and answers htmx with the library alone', async () => {
    const { school, c, _csrf } = await signedIn();
    const refused = await upload(c, _csrf, pdf(), 'a.pdf', { token: 'none' });
    expect(refused.status).toBe(403);
    const res = await upload(c, _csrf, await png(), 'Affiche kermesse.png', { token: 'header', htmx: true, alt: 'Affiche de la kermesse' });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<html');
    expect(res.text).toContain('id="mediatheque"');
    expect(res.text).toContain('Affiche kermesse.png');
    expect(res.text).toMatch(/data-announce>Fichier « Affiche kermesse.png » ajouté à la médiathèque\./);
    expect(await rowsOf(school, 'media')).toHaveLength(1);
    // A refusal swaps in too (htmx 4 swaps 4xx), with the message beside the field.
    const bad = await upload(c, _csrf, htmlPage, 'x.jpg', { token: 'header', htmx: true });
    expect(bad.status).toBe(415);
    expect(bad.text).not.toContain('<html');
    expect(bad.text).toContain('class="field-error" id="media-file-error"');
  });
});

describe('serving /medias/:id/:file', () => {
  it('serves a media of a live public article to visitors, cacheable, with a strong ETag and 304', async () => {
    const { school, c, _csrf } = await signedIn();
    const id = await uploaded(c, _csrf, await png({ width: 700, height: 500 }), 'photo.png');
    await articleUsing(school, id, { how: 'main' });
    const [row] = await rowsOf(school, 'media', { id });
    const webp = row.variants.find((v: any) => v.format === 'webp' && v.width === 640);
    const visitor = Client.for(school);
    const res = await visitor.get(`/medias/${id}/640.webp`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.etag).toBe(`"${webp.sha256}"`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(res.headers['content-disposition']).toBe('inline');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(Buffer.compare(res.body as Buffer, fs.readFileSync(fileOf(webp.sha256)))).toBe(0);
    const head = await supertest(testApp().callback()).head(`/medias/${id}/640.webp`).set('Host', visitor.host);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(webp.bytes));
    const again = await visitor.get(`/medias/${id}/640.webp`, { 'If-None-Match': `"${webp.sha256}"` });
    expect(again.status).toBe(304);
    expect(again.headers.etag).toBe(`"${webp.sha256}"`);
    const original = await visitor.get(`/medias/${id}/original`);
    expect(original.headers['content-type']).toBe('image/jpeg');
    expect(original.headers.etag).toBe(`"${row.sha256}"`);
    expect((await sharp(original.body as Buffer).metadata()).width).toBe(640);
    for (const bad of ['1400.webp', '640.png', '640.jpeg', 'x', '..%2F..%2Fetc%2Fpasswd']) {
      expect((await visitor.get(`/medias/${id}/${bad}`)).status, bad).toBe(404);
    }
  });

  it('makes a media public through an attachment or an image in the body, not through a draft or a future article', async () => {
    const { school, c, _csrf } = await signedIn();
    const visitor = Client.for(school);
    const inBody = await uploaded(c, _csrf, await png(), 'corps.png');
    await articleUsing(school, inBody, { how: 'body' });
    expect((await visitor.get(`/medias/${inBody}/320.jpg`)).status).toBe(200);
    const attached = await uploaded(c, _csrf, pdf(), 'Menu cantine été.pdf');
    await articleUsing(school, attached, { how: 'attachment' });
    const doc = await visitor.get(`/medias/${attached}/original`);
    expect(doc.status).toBe(200);
    expect(doc.headers['content-type']).toBe('application/pdf');
    expect(doc.headers['content-disposition']).toBe(`attachment; filename="Menu cantine _t_.pdf"; filename*=UTF-8''Menu%20cantine%20%C3%A9t%C3%A9.pdf`);
    const draft = await uploaded(c, _csrf, await png(), 'brouillon.png');
    await articleUsing(school, draft, { status: 'draft' });
    expect((await visitor.get(`/medias/${draft}/320.webp`)).status).toBe(404);
    const future = await uploaded(c, _csrf, await png(), 'futur.png');
    await articleUsing(school, future, { publishAt: new Date(Date.now() + 86400_000) });
    expect((await visitor.get(`/medias/${future}/320.webp`)).status).toBe(404);
    // The editors still see them, never cached.
    const own = await c.get(`/medias/${draft}/320.webp`);
    expect(own.status).toBe(200);
    expect(own.headers['cache-control']).toBe('private, no-store');
  });

  it('hides a private media (404) from visitors and members without a right, and shows it to a private rubric’s readers', async () => {
    const { school, c, _csrf } = await signedIn();
    const unused = await uploaded(c, _csrf, await png(), 'inutilise.png');
    const visitor = Client.for(school);
    expect((await visitor.get(`/medias/${unused}/320.webp`)).status).toBe(404);
    const cls = await buildClass(school);
    const reader = await buildMember(school, { profile: 'student' });
    await addToClass(school, cls.id, reader.membershipId);
    const outsider = await buildMember(school, { profile: 'student' });
    const privateOne = await uploaded(c, _csrf, await png(), 'classe.png');
    await articleUsing(school, privateOne, { visibility: 'private', roles: [{ target_type: 'class', target_value: cls.id, role: 'reader' }] });
    expect((await visitor.get(`/medias/${privateOne}/320.webp`)).status).toBe(404);
    const r = Client.for(school);
    await r.signIn(reader.login, reader.password);
    const seen = await r.get(`/medias/${privateOne}/320.webp`);
    expect(seen.status).toBe(200);
    expect(seen.headers['cache-control']).toBe('private, no-store');
    expect((await r.get(`/medias/${unused}/320.webp`)).status).toBe(404);
    const o = Client.for(school);
    await o.signIn(outsider.login, outsider.password);
    expect((await o.get(`/medias/${privateOne}/320.webp`)).status).toBe(404);
  });

  it('answers 404 for another school’s media, even a public one, and for an unknown id', async () => {
    const b = await signedIn();
    const idOfB = await uploaded(b.c, b._csrf, await png(), 'b.png');
    await articleUsing(b.school, idOfB);
    expect((await Client.for(b.school).get(`/medias/${idOfB}/320.webp`)).status).toBe(200);
    const a = await signedIn();
    expect((await a.c.get(`/medias/${idOfB}/320.webp`)).status).toBe(404);
    expect((await Client.for(a.school).get(`/medias/${idOfB}/original`)).status).toBe(404);
    expect((await a.c.get(`/medias/${newId()}/original`)).status).toBe(404);
    expect((await a.c.get('/medias/not-a-uuid/original')).status).toBe(404);
  });
});

describe('the media library /publication/medias', () => {
  it('sends visitors to sign in and refuses members without the publication service (403)', async () => {
    const school = await buildTenant();
    const res = await Client.for(school).get('/publication/medias');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/connexion?suite=%2Fpublication%2Fmedias');
    const student = await signedIn({ profile: 'student', school });
    expect((await student.c.get('/publication/medias')).status).toBe(403);
    const up = await upload(student.c, student._csrf, await png(), 'x.png');
    expect(up.status).toBe(403);
    expect(await rowsOf(school, 'media')).toHaveLength(0);
  });

  it('lists the school’s media with the quota, and searches by name with htmx and with a plain GET', async () => {
    const { school, c, _csrf } = await signedIn({ profile: 'teacher' }); // contributor
    await uploaded(c, _csrf, await png(), 'Élèves au CDI.png', 'Des élèves lisent');
    await uploaded(c, _csrf, pdf(), 'Règlement intérieur.pdf');
    const other = await signedIn();
    await uploaded(other.c, other._csrf, await png(), 'Ailleurs.png');
    const page = await c.get('/publication/medias');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<h1>Médiathèque</h1>');
    expect(page.text).toMatch(/Espace utilisé : [\d,]+ Ko sur 2 Go/);
    expect(page.text).toContain('Élèves au CDI.png');
    expect(page.text).toContain('Règlement intérieur.pdf');
    expect(page.text).not.toContain('Ailleurs.png');
    expect(page.text).toContain('enctype="multipart/form-data"');
    const plain = await c.get('/publication/medias?q=eleve');
    expect(plain.text).toContain('<html');
    expect(plain.text).toContain('Élèves au CDI.png');
    expect(plain.text).not.toContain('Règlement intérieur.pdf');
    const active = await c.get('/publication/medias?q=REGLEMENT', { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'div#media-results' });
    expect(active.status).toBe(200);
    expect(active.text).not.toContain('<html');
    expect(active.text).toContain('id="media-results"');
    expect(active.text).toContain('Règlement intérieur.pdf');
    expect(active.text).not.toContain('Élèves au CDI.png');
    expect(active.headers.vary).toMatch(/HX-Target/);
    const none = await c.get('/publication/medias?q=%25');
    expect(none.text).toContain('Aucun média ne correspond à « % ».');
    expect(school.id).toBeTruthy();
  });

  it('edits the alternative text inline with htmx and without JavaScript; 422 when too long; 403 for someone else’s media', async () => {
    const { school, c, _csrf } = await signedIn({ profile: 'teacher' });
    const id = await uploaded(c, _csrf, await png(), 'kermesse.png', 'ancien');
    const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': `form#alt-${id}` };
    const res = await c.post(`/publication/medias/${id}/texte-alternatif`, { _csrf, alt: '  Stand de la kermesse  ' }, htmx);
    expect(res.status).toBe(200);
    expect(res.text).not.toContain('<html');
    expect(res.text).toContain('value="Stand de la kermesse"');
    expect(res.text).toContain('data-announce>Texte alternatif de « kermesse.png » enregistré.');
    expect((await rowsOf(school, 'media', { id }))[0].alt).toBe('Stand de la kermesse');
    const plain = await c.post(`/publication/medias/${id}/texte-alternatif`, { _csrf, alt: 'Le stand' });
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe(`/publication/medias/${id}`);
    const long = await c.post(`/publication/medias/${id}/texte-alternatif`, { _csrf, alt: 'x'.repeat(501) }, htmx);
    expect(long.status).toBe(422);
    expect(long.text).toContain('aria-invalid="true"');
    expect(long.text).toContain('Le texte alternatif fait 500 caractères au plus.');
    expect((await rowsOf(school, 'media', { id }))[0].alt).toBe('Le stand');
    // Another contributor may use the media but not change it; a publication manager may.
    const other = await signedIn({ profile: 'teacher', school });
    expect((await other.c.post(`/publication/medias/${id}/texte-alternatif`, { _csrf: other._csrf, alt: 'pirate' })).status).toBe(403);
    const head = await signedIn({ profile: 'staff', functions: ['head'], school });
    expect((await head.c.post(`/publication/medias/${id}/texte-alternatif`, { _csrf: head._csrf, alt: 'Vu par la direction' })).status).toBe(303);
    expect((await rowsOf(school, 'media', { id }))[0].alt).toBe('Vu par la direction');
  });

  it('shows where a media is used and refuses its deletion while in use (422); deletes it otherwise, audited', async () => {
    const { school, m, c, _csrf } = await signedIn();
    const id = await uploaded(c, _csrf, await png(), 'utilisee.png');
    await articleUsing(school, id, { how: 'main', status: 'draft' });
    await articleUsing(school, id, { how: 'body' });
    const detail = await c.get(`/publication/medias/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.text).toContain('Où ce média est utilisé');
    expect(detail.text).toMatch(/Sortie au musée<\/a> — brouillon \(image principale\)/);
    expect(detail.text).toMatch(/Sortie au musée<\/a> — publié \(dans le texte\)/);
    const refused = await c.post(`/publication/medias/${id}/suppression`, { _csrf });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Ce média est utilisé par 2 articles');
    expect(refused.text).toContain('role="alert"');
    expect(await rowsOf(school, 'media', { id })).toHaveLength(1);
    const free = await uploaded(c, _csrf, pdf(), 'libre.pdf');
    const other = await signedIn({ profile: 'teacher', school });
    expect((await other.c.post(`/publication/medias/${free}/suppression`, { _csrf: other._csrf })).status).toBe(403);
    const del = await c.post(`/publication/medias/${free}/suppression`, { _csrf });
    expect(del.status).toBe(303);
    expect(del.headers.location).toBe('/publication/medias?supprime=1');
    expect(await rowsOf(school, 'media', { id: free })).toHaveLength(0);
    const [audit] = await rowsOf(school, 'audit_events', { action: 'media.deleted', subject_id: free });
    expect(audit.actor_membership_id).toBe(m.membershipId);
    expect(audit.details).toMatchObject({ name: 'libre.pdf', kind: 'file' });
    expect((await c.get(`/publication/medias/${free}`)).status).toBe(404);
  });
});

describe('storage', () => {
  it('stores by content, idempotently, through a temporary file that never outlives a failed write', async () => {
    const dir = fs.mkdtempSync(path.join(config().dataDir, 'store-'));
    const s = diskStorage(dir);
    const sha = crypto.createHash('sha256').update('bonjour').digest('hex');
    const where = path.join(dir, sha.slice(0, 2), sha.slice(2, 4), sha);
    expect(await s.put(Buffer.from('bonjour'))).toEqual({ sha256: sha, bytes: 7, created: true });
    expect(fs.readFileSync(where, 'utf8')).toBe('bonjour');
    expect(await s.put(Buffer.from('bonjour'))).toMatchObject({ created: false });
    expect((await s.get(sha)).toString()).toBe('bonjour');
    expect(await s.exists(sha)).toBe(true);
    expect(await s.size(sha)).toBe(7);
    const listed: string[] = [];
    for await (const f of s.list()) listed.push(f.sha256);
    expect(listed).toEqual([sha]);
    await s.remove(sha);
    expect(await s.exists(sha)).toBe(false);
    expect(() => s.stream('../../etc/passwd')).toThrow(/invalid sha256/);
    // Something that is not a file in the way makes the final rename fail: the error surfaces, the temporary goes.
    fs.mkdirSync(path.join(where, 'occupied'), { recursive: true });
    await expect(s.put(Buffer.from('bonjour'))).rejects.toThrow();
    expect(fs.readdirSync(path.dirname(where))).toEqual([sha]);
  });
});
