import { afterEach, describe, expect, it } from 'vitest';
import type { Member } from '../../app/auth/member.js';
import { tenantTx } from '../../app/db/index.js';
import { resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { draftSaver, draftTiles, homepageOf, homepagePublisher, homepageVersions, versionRestorer } from '../../app/modules/homepage/homepage.js';
import type { Tile } from '../../app/modules/homepage/tiles.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';
import { buildArticle, buildMedia, buildRubric, daysAgo } from '../fixtures/publication-public.js';

afterEach(() => resetClock());

async function actorOf(tenant: Tenant): Promise<Member> {
  const m = await buildMember(tenant, { profile: 'staff', functions: ['direction'] });
  return { accountId: m.accountId, membershipId: m.membershipId } as Member;
}

const tile = (type: Tile['type'], settings: Record<string, unknown>, extra: Partial<Tile> = {}): Tile => ({ id: newId(), type, width: 1, hidden: false, settings, ...extra });

const sectionTypes = (html: string) => [...html.matchAll(/<section class="tile tile--([a-z]+) tile--w(\d)"/g)].map((m) => `${m[1]}:${m[2]}`);

describe('the public homepage /', () => {
  it('shows the default homepage (notices, news, agenda, contact) to a school that has none, without cookie', async () => {
    const school = await buildTenant({ contact: { address: '3 place du Marché, 69000 Lyon', phone: '04 00 00 00 00' } });
    const rubric = await buildRubric(school, { name: 'Vie du collège' });
    await buildArticle(school, rubric.id, { title: 'Rentrée des classes', publishAt: daysAgo(2) });
    await buildArticle(school, rubric.id, { title: 'Brouillon caché', status: 'draft' });
    await buildArticle(school, rubric.id, { title: 'Expiré', publishAt: daysAgo(5), expireAt: daysAgo(1) });
    const secret = await buildRubric(school, { name: 'Conseil', visibility: 'private' });
    await buildArticle(school, secret.id, { title: 'Réservé aux membres' });
    const res = await Client.for(school).get('/');
    expect(res.status).toBe(200);
    expect(sectionTypes(res.text)).toEqual(['news:2', 'agenda:1', 'contact:1']);
    expect(res.text).not.toContain('class="notices"'); // no live notice: no notices block
    expect(res.text).toContain('Rentrée des classes');
    expect(res.text).not.toContain('Brouillon caché');
    expect(res.text).not.toContain('Expiré');
    expect(res.text).not.toContain('Réservé aux membres');
    expect(res.text).toContain('3 place du Marché, 69000 Lyon');
    expect(res.text).toContain('href="tel:0400000000"');
    expect(res.text).toContain('href="https://www.openstreetmap.org/search?query=3%20place');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['cache-control']).toBe('public, max-age=60');
  });

  it('shows the published tiles in order and width, hides hidden ones, and never the draft', async () => {
    const school = await buildTenant();
    const actor = await actorOf(school);
    const rubric = await buildRubric(school, { name: 'Sorties' });
    const chosen = await buildArticle(school, rubric.id, { title: 'Le choix du chef' });
    const image = await buildMedia(school);
    await tenantTx(school, async () => {
      await draftSaver({
        actor,
        tiles: [
          tile('text', { title: 'Bienvenue', html: '<p>Un collège <em>accueillant</em></p>' }, { width: 3 }),
          tile('selection', { title: 'À la une', ids: [chosen.id] }, { width: 2 }),
          tile('media', { mediaId: image.id, alt: 'La cour', caption: 'La cour rénovée' }),
          tile('rubrics', { title: 'Nos rubriques' }, { hidden: true }),
        ],
      });
      await homepagePublisher({ actor, tenant: school });
      await draftSaver({ actor, tiles: [tile('text', { title: 'Brouillon', html: '<p>Pas encore</p>' })] });
    });
    const res = await Client.for(school).get('/');
    expect(sectionTypes(res.text)).toEqual(['text:3', 'selection:2', 'media:1']);
    expect(res.text).toContain('<div class="tile-text" hx-ignore><p>Un collège <em>accueillant</em></p></div>');
    expect(res.text).toContain('Le choix du chef');
    // The media tile's image goes through /accueil/images/… (the library's /medias/… serves live articles' only).
    const src = res.text.match(new RegExp(`src="(/accueil/images/${image.id}/[^"]+)"`))?.[1];
    expect(src).toBeTruthy();
    // (This fixture's media has no stored file; homepage-banner.test.ts fetches a real one as a visitor.)
    expect(res.text).toContain('alt="La cour"');
    expect(res.text).not.toContain('Nos rubriques');
    expect(res.text).not.toContain('Pas encore');
    // The preview of the draft shows it.
    const preview = await homepageOf(school, { status: 'draft' });
    expect(preview.tiles.map((t) => t.tile.settings.title)).toEqual(['Brouillon']);
  });

  it('an article of another school cannot be hand-picked, nor its image shown', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const actor = await actorOf(school);
    const foreign = await buildArticle(other, (await buildRubric(other)).id, { title: 'Article d’ailleurs' });
    const foreignImage = await buildMedia(other);
    await tenantTx(school, async () => {
      await draftSaver({ actor, tiles: [tile('selection', { ids: [foreign.id] }), tile('media', { mediaId: foreignImage.id })] });
      await homepagePublisher({ actor, tenant: school });
    });
    const res = await Client.for(school).get('/');
    expect(res.text).not.toContain('Article d’ailleurs');
    expect(res.text).not.toContain(foreignImage.id);
    expect(res.text).toContain('Image indisponible.');
  });
});

describe('institution news', () => {
  it('a public institution article appears on every school below it, marked with its source; a private one on none', async () => {
    const academie = await buildTenant({ kind: 'academie', name: 'Académie de test' });
    const region = await buildTenant({ kind: 'region', name: 'Région de test' });
    const schoolA = await buildTenant({ parents: [academie.slug, region.slug] });
    const schoolB = await buildTenant({ parents: [academie.slug] });
    const unrelated = await buildTenant();
    const pub = await buildRubric(academie, { name: 'Actualités académiques' });
    const priv = await buildRubric(academie, { name: 'Interne', visibility: 'private' });
    await buildArticle(academie, pub.id, { title: 'Calendrier des examens', publishAt: daysAgo(1) });
    await buildArticle(academie, priv.id, { title: 'Note interne aux chefs', publishAt: daysAgo(1) });
    await buildArticle(academie, pub.id, { title: 'Projet académique', status: 'draft' });
    await buildArticle(region, (await buildRubric(region)).id, { title: 'Transports scolaires', publishAt: daysAgo(3) });
    const own = await buildRubric(schoolA);
    await buildArticle(schoolA, own.id, { title: 'Fête du collège', publishAt: daysAgo(2) });

    const a = (await Client.for(schoolA).get('/')).text;
    const b = (await Client.for(schoolB).get('/')).text;
    const u = (await Client.for(unrelated).get('/')).text;
    expect(a).toContain('Calendrier des examens');
    expect(a).toContain('Source : Académie de test');
    expect(a).toContain('Transports scolaires');
    expect(a).toContain('Source : Région de test');
    // The link leads to the institution's own portal, reached like the school (scheme, base domain, port).
    expect(a).toMatch(new RegExp(`href="http://${academie.slug}\\.localhost/articles/[0-9a-f-]{36}/`));
    const withPort = (await new Client(`${schoolB.slug}.localhost:3000`).get('/')).text;
    expect(withPort).toMatch(new RegExp(`href="http://${academie.slug}\\.localhost:3000/articles/`));
    // Newest first across sources.
    expect(a.indexOf('Calendrier des examens')).toBeLessThan(a.indexOf('Fête du collège'));
    expect(a.indexOf('Fête du collège')).toBeLessThan(a.indexOf('Transports scolaires'));
    expect(b).toContain('Calendrier des examens');
    expect(b).not.toContain('Transports scolaires');
    for (const html of [a, b, u]) {
      expect(html).not.toContain('Note interne aux chefs');
      expect(html).not.toContain('Projet académique');
    }
    expect(u).not.toContain('Calendrier des examens');
    // No copy: the article rows stay the institution's only.
    expect(await rowsOf(schoolA, 'articles', { title: 'Calendrier des examens' })).toEqual([]);
  });
});

describe('homepage versions', () => {
  it('publishing keeps the previous version; restoring puts it back into the draft; audited', async () => {
    const school = await buildTenant();
    const actor = await actorOf(school);
    const v1 = [tile('text', { title: 'Version 1', html: '<p>un</p>' })];
    const v2 = [tile('text', { title: 'Version 2', html: '<p>deux</p>' })];
    const firstId = await tenantTx(school, async () => {
      expect((await draftTiles(school)).map((t) => t.type)).toEqual(['notices', 'news', 'agenda', 'contact']);
      await draftSaver({ actor, tiles: v1 });
      const id = await homepagePublisher({ actor, tenant: school });
      await draftSaver({ actor, tiles: v2 });
      await homepagePublisher({ actor, tenant: school });
      return id;
    });
    expect((await Client.for(school).get('/')).text).toContain('Version 2');
    await tenantTx(school, async () => {
      const versions = await homepageVersions();
      expect(versions.map((v) => v.status)).toEqual(['published', 'previous']);
      await versionRestorer({ actor, versionId: firstId });
      expect((await draftTiles(school))[0].settings.title).toBe('Version 1');
    });
    expect((await Client.for(school).get('/')).text).toContain('Version 2');
    await tenantTx(school, () => homepagePublisher({ actor, tenant: school }));
    expect((await Client.for(school).get('/')).text).toContain('Version 1');
    const audit = await rowsOf(school, 'audit_events');
    expect(audit.map((e) => e.action).sort()).toEqual(['homepage.publish', 'homepage.publish', 'homepage.publish', 'homepage.restore']);
  });

  it('a version of another school cannot be restored', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const otherActor = await actorOf(other);
    const id = await tenantTx(other, () => homepagePublisher({ actor: otherActor, tenant: other }));
    const actor = await actorOf(school);
    await expect(tenantTx(school, () => versionRestorer({ actor, versionId: id }))).rejects.toThrow('not_found');
  });
});
