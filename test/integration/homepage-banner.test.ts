import sharp from 'sharp';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { tenantTx } from '../../app/db/index.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { Client, csrfFrom, hostOf, testApp } from '../fixtures/http.js';

// The homepage banner: uploaded in the builder, cropped to 1400×320 by sharp, stored as a media (WebP + JPEG
// variants), with a mandatory alternative text unless decorative; refusals are 422 beside the field.

async function managerClient() {
  const school = await buildTenant();
  const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
  const c = Client.for(school);
  await c.signIn(head.login, head.password);
  const _csrf = csrfFrom((await c.get('/publication/accueil')).text);
  return { school, c, _csrf };
}

const upload = (c: Client, school: { slug: string }, _csrf: string, fields: Record<string, string>, file?: { bytes: Buffer; name: string }) => {
  let req = supertest(testApp().callback()).post(`/publication/accueil/banniere?_csrf=${encodeURIComponent(_csrf)}`).set('Host', hostOf(school)).set('Cookie', c.cookieHeader());
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  if (file) req = req.attach('file', file.bytes, { filename: file.name, contentType: 'application/octet-stream' });
  return req;
};

const photo = () => sharp({ create: { width: 2000, height: 1200, channels: 3, background: { r: 30, g: 90, b: 160 } } }).png().toBuffer();

describe('the homepage banner', () => {
  it('refuses a file that is not an image and a missing alternative text with 422 beside the field, the draft unchanged', async () => {
    const { school, c, _csrf } = await managerClient();
    const notImage = await upload(c, school, _csrf, { alt: 'La cour' }, { bytes: Buffer.from('%PDF-1.4 pas une image'), name: 'x.pdf' });
    expect(notImage.status).toBe(422);
    expect(notImage.text).toContain('aria-invalid="true" aria-describedby="banner-file-error"');
    expect(notImage.text).toContain('value="La cour"');
    const noAlt = await upload(c, school, _csrf, { alt: '' }, { bytes: await photo(), name: 'cour.png' });
    expect(noAlt.status).toBe(422);
    expect(noAlt.text).toContain('aria-describedby="banner-alt-error"');
    expect(noAlt.text).toContain('cochez « Image décorative »');
    const drafts = await tenantTx(school, (trx) => trx('homepage_versions').where({ tenant_id: school.id }));
    expect(drafts.every((d: any) => d.banner == null)).toBe(true);
    expect(await tenantTx(school, (trx) => trx('media').where({ tenant_id: school.id }))).toEqual([]);
  });

  it('crops to 1400×320 with WebP and JPEG variants, drafts it, and shows it to visitors once published', async () => {
    const { school, c, _csrf } = await managerClient();
    const ok = await upload(c, school, _csrf, { alt: 'La cour du collège sous la neige' }, { bytes: await photo(), name: 'cour.png' });
    expect(ok.status).toBe(303);
    const [media] = await tenantTx(school, (trx) => trx('media').where({ tenant_id: school.id }));
    expect([media.width, media.height]).toEqual([1400, 320]);
    const formats = new Set((media.variants as any[]).map((v) => `${v.format}:${v.width}x${v.height}`));
    expect(formats).toContain('webp:1400x320');
    expect(formats).toContain('jpeg:1400x320');
    // Draft only: visitors do not see it yet, and may not fetch its image.
    const visitor = Client.for(school);
    expect((await visitor.get('/')).text).not.toContain('La cour du collège sous la neige');
    expect((await visitor.get(`/accueil/images/${media.id}/1400.webp`)).status).toBe(404);
    expect((await c.get('/publication/accueil/apercu')).text).toContain('alt="La cour du collège sous la neige"');
    expect((await c.post('/publication/accueil/publication', { _csrf })).status).toBe(303);
    const home = (await visitor.get('/')).text;
    expect(home).toContain(`srcset="/accueil/images/${media.id}/320.webp 320w`);
    expect(home).toContain('alt="La cour du collège sous la neige" width="1400" height="320"');
    const img = await visitor.get(`/accueil/images/${media.id}/1400.webp`);
    expect(img.status).toBe(200);
    expect(img.headers['content-type']).toBe('image/webp');
    expect(img.headers['cache-control']).toContain('public');
    const meta = await sharp(img.body as Buffer).metadata();
    expect([meta.width, meta.height]).toEqual([1400, 320]);
    // Another school's address for the same media: nothing.
    const other = await buildTenant();
    expect((await Client.for(other).get(`/accueil/images/${media.id}/1400.webp`)).status).toBe(404);
  });

  it('a decorative banner has an empty alt; removing it takes it off the draft', async () => {
    const { school, c, _csrf } = await managerClient();
    expect((await upload(c, school, _csrf, { alt: '', decorative: 'on' }, { bytes: await photo(), name: 'motif.png' })).status).toBe(303);
    expect((await c.get('/publication/accueil/apercu')).text).toMatch(/<img src="\/accueil\/images\/[0-9a-f-]+\/1400\.jpg"[^>]* alt="" width="1400" height="320"/);
    expect((await c.post('/publication/accueil/banniere/suppression', { _csrf })).status).toBe(303);
    expect((await c.get('/publication/accueil/apercu')).text).not.toContain('home-banner');
  });
});
