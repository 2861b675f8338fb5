import { describe, expect, it } from 'vitest';
import { ownerTenantTx, systemDb, tenantTx } from '../../app/db/index.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';
import { buildArticle, buildRubric } from '../fixtures/publication-public.js';

/**
 * public_search() finds, counts and ranks the matches of a plain query (words and phrases ANDed) from
 * article_lexemes alone, and reads every live article otherwise. The reference below is a full scan of the
 * articles as the application role, with the order rule of each path: for a plain query, the mean over the
 * query's distinct lexemes of ts_rank(article's vector, lexeme) (the words OR'ed); for the others, ts_rank of the
 * query; ties by newest, then id. Same set of articles, same order, same count.
 */

const WORDS = 'élève collège théâtre musée sortie voyage cantine menu sport piscine concours lecture orchestre jardin'.split(' ');

type Rule = 'words' | 'ts_rank';

/** The reference: a full scan of the live articles as the application role, ids in the rule's order. */
async function reference(school: Tenant, q: string, rule: Rule, privateIds: string[] = []): Promise<{ ids: string[]; total: number }> {
  const rank =
    rule === 'words'
      ? `(select avg(ts_rank(a.search, w.t::tsquery)::float8)
          from (select distinct m[1] as t from regexp_matches(q::text, '(''[^'']*'')', 'g') m) w)`
      : 'ts_rank(a.search, q)::float8';
  return tenantTx(school, async (trx) => {
    const { rows } = await trx.raw(
      `select a.id, count(*) over () as total
       from articles a join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id,
            websearch_to_tsquery('preau_french', ?) q
       where a.tenant_id = ? and a.status = 'published' and a.deleted_at is null and a.publish_at <= now()
         and (a.expire_at is null or a.expire_at > now()) and r.archived_at is null
         and (r.visibility = 'public' or r.id = any(?::uuid[])) and a.search @@ q
       order by ${rank} desc, a.publish_at desc, a.id limit 20`,
      [q, school.id, privateIds],
    );
    return { ids: rows.map((r: any) => r.id), total: Number(rows[0]?.total ?? 0) };
  });
}

async function searched(school: Tenant, q: string, privateIds: string[] = []): Promise<{ ids: string[]; total: number }> {
  const { rows } = await systemDb().raw(`select public_search(?, ?, now(), ?::uuid[], 20, 0, '', 'HighlightAll=true', 'MaxWords=35, MinWords=15') as hits`, [
    school.id,
    q,
    privateIds,
  ]);
  const hits: any[] = rows[0].hits;
  return { ids: hits.map((h) => h.id), total: hits[0]?.total ?? 0 };
}

describe('search through article_lexemes', () => {
  it('answers exactly what the full scan answers, for AND, phrase, or, minus and odd queries', async () => {
    const school = await buildTenant();
    const pub = await buildRubric(school);
    const priv = await buildRubric(school, { visibility: 'private' });
    let seed = 7;
    const pick = () => WORDS[(seed = (seed * 48271) % 2147483647) % WORDS.length];
    for (let i = 0; i < 60; i++) {
      const body = Array.from({ length: 4 }, () => `<p>${Array.from({ length: 8 }, pick).join(' ')}.</p>`).join('');
      await buildArticle(school, i % 5 === 0 ? priv.id : pub.id, {
        title: `${pick()} ${pick()} n° ${i}`,
        body,
        status: i % 11 === 0 ? 'draft' : 'published',
        publishAt: i % 11 === 0 ? null : new Date(Date.now() - (i + 1) * 3_600_000),
      });
    }
    const queries: [string, Rule][] = [
      ['eleve', 'words'],
      ['eleves college', 'words'],
      ['theatre musee sortie', 'words'],
      ['cantine sport piscine concours', 'words'],
      ['"sortie voyage"', 'words'],
      ['"musee musee"', 'words'],
      ['"sortie voyage" cantine', 'words'],
      ['"jardin lecture orchestre"', 'words'],
      ['cantine or piscine', 'ts_rank'],
      ['sport -piscine', 'ts_rank'],
      ['le la les', 'ts_rank'],
      ['musee musee', 'words'],
      ['inconnu', 'words'],
      ["l'eleve", 'words'],
      ['jardin & lecture', 'words'],
      ['', 'ts_rank'],
    ];
    for (const [q, rule] of queries) {
      const got = await searched(school, q);
      expect(got, q).toEqual(await reference(school, q, rule));
      expect(await searched(school, q, [priv.id]), `${q} (private)`).toEqual(await reference(school, q, rule, [priv.id]));
    }
    // The fast path is the one taken for a plain query, and it does find something here.
    expect((await searched(school, 'eleves college')).total).toBeGreaterThan(0);
  });

  it('keeps the lexemes of an article as it is written, edited and deleted', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school, { roles: [] });
    const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
    const c = Client.for(school);
    await c.signIn(head.login, head.password);
    const _csrf = csrfFrom((await c.get('/espace')).text);
    const form = { _csrf, title: 'Le potager du collège', summary: '', rubric_id: rubric.id, body_html: '<div>Les tomates ont poussé.</div>', tags: '' };
    const created = await c.post('/publication/articles', form);
    expect(created.status, created.text.slice(0, 300)).toBe(303);
    const id = created.headers.location.split('/')[3].split('?')[0];
    const lexemes = async () => (await rowsOf(school, 'article_lexemes', { article_id: id })).map((r: any) => r.lexeme).sort();
    const ofVector = async () =>
      ownerTenantTx(school, async (trx) => (await trx.raw(`select tsvector_to_array(search) as l from articles where tenant_id = ? and id = ?`, [school.id, id])).rows[0].l.sort());
    expect(await lexemes()).toEqual(await ofVector());
    expect(await lexemes()).toEqual(expect.arrayContaining(['colleg', 'potag', 'tomat']));
    expect((await c.post(`/publication/articles/${id}`, { ...form, body_html: '<div>Les courgettes aussi.</div>' })).status).toBe(303);
    expect(await lexemes()).toEqual(await ofVector());
    expect(await lexemes()).toContain('courget');
    expect(await lexemes()).not.toContain('tomat');
    expect((await c.post(`/publication/articles/${id}/publication`, { _csrf, publish_at: '' })).status).toBeLessThan(400);
    const visitor = Client.for(school);
    expect((await visitor.get('/recherche?q=courgettes%20potager')).text).toContain('1 article trouvé');
    expect((await visitor.get('/recherche?q=tomates%20potager')).text).toContain('Aucun article trouvé');
    await ownerTenantTx(school, (trx) => trx('articles').where({ tenant_id: school.id, id }).del());
    expect(await lexemes()).toEqual([]);
  });

  it("follows the article's state: publication, dates, trash, rubric", async () => {
    const school = await buildTenant();
    const pub = await buildRubric(school);
    const priv = await buildRubric(school, { visibility: 'private' });
    const art = await buildArticle(school, pub.id, { title: 'Kermesse de printemps', body: '<p>Stands et jeux.</p>', status: 'draft', publishAt: null });
    const idsFor = async (q: string, privateIds: string[] = []) => (await searched(school, q, privateIds)).ids;
    const set = (patch: Record<string, unknown>) =>
      ownerTenantTx(school, (trx) => trx('articles').where({ tenant_id: school.id, id: art.id }).update(patch));
    // Every lexeme row carries the article's state as it is now.
    const inStep = async () => {
      const a = (await rowsOf(school, 'articles', { id: art.id }))[0];
      const rows = await rowsOf(school, 'article_lexemes', { article_id: art.id });
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.published).toBe(a.status === 'published' && a.deleted_at === null);
        expect(r.rubric_id).toBe(a.rubric_id);
        expect(r.publish_at?.getTime() ?? null).toBe(a.publish_at?.getTime() ?? null);
        expect(r.expire_at?.getTime() ?? null).toBe(a.expire_at?.getTime() ?? null);
      }
    };
    await inStep();
    expect(await idsFor('kermesse')).toEqual([]);
    await set({ status: 'published', publish_at: new Date(Date.now() + 3_600_000) });
    await inStep();
    expect(await idsFor('kermesse')).toEqual([]);
    await set({ publish_at: new Date(Date.now() - 3_600_000) });
    await inStep();
    expect(await idsFor('kermesse printemps')).toEqual([art.id]);
    await set({ expire_at: new Date(Date.now() - 60_000) });
    await inStep();
    expect(await idsFor('kermesse')).toEqual([]);
    await set({ expire_at: null, rubric_id: priv.id });
    await inStep();
    expect(await idsFor('kermesse')).toEqual([]);
    expect(await idsFor('kermesse', [priv.id])).toEqual([art.id]);
    await ownerTenantTx(school, (trx) => trx('rubrics').where({ tenant_id: school.id, id: priv.id }).update({ archived_at: new Date() }));
    expect(await idsFor('kermesse', [priv.id])).toEqual([]);
    await set({ rubric_id: pub.id, deleted_at: new Date() });
    await inStep();
    expect(await idsFor('kermesse')).toEqual([]);
    await set({ deleted_at: null, title: 'Kermesse d’été' });
    await inStep();
    expect(await idsFor('kermesse ete')).toEqual([art.id]);
    expect(await idsFor('kermesse printemps')).toEqual([]);
  });

  it('ranks title words over summary words over body words, more occurrences higher, ties newest first', async () => {
    const school = await buildTenant();
    const rubric = await buildRubric(school);
    const hour = (n: number) => new Date(Date.now() - n * 3_600_000);
    const body = await buildArticle(school, rubric.id, { title: 'Sortie', body: '<p>Une chorale chante.</p>', publishAt: hour(1) });
    const summary = await buildArticle(school, rubric.id, { title: 'Sortie', summary: 'La chorale chante.', body: '<p>Au théâtre.</p>', publishAt: hour(2) });
    const title = await buildArticle(school, rubric.id, { title: 'La chorale', body: '<p>Au théâtre.</p>', publishAt: hour(3) });
    const often = await buildArticle(school, rubric.id, { title: 'Sortie', body: '<p>La chorale chante, la chorale danse, chorale encore.</p>', publishAt: hour(4) });
    const older = await buildArticle(school, rubric.id, { title: 'Sortie', body: '<p>Une chorale chante.</p>', publishAt: hour(5) });
    const got = await searched(school, 'chorale');
    expect(got).toEqual({ ids: [title.id, summary.id, often.id, body.id, older.id], total: 5 });
    expect(got).toEqual(await reference(school, 'chorale', 'words'));
    // Two words: the mean of their scores; the article with both in its title comes first.
    const both = await buildArticle(school, rubric.id, { title: 'La chorale en sortie', publishAt: hour(6) });
    const pair = await searched(school, 'chorale sortie');
    expect(pair.ids[0]).toBe(both.id);
    expect(pair).toEqual(await reference(school, 'chorale sortie', 'words'));
  });

  it('stores the search vector in the row, not out of line', async () => {
    const { rows } = await systemDb().raw(`select attstorage from pg_attribute where attrelid = 'articles'::regclass and attname = 'search'`);
    expect(rows[0].attstorage).toBe('m');
  });
});
