import { describe, expect, it } from 'vitest';
import { ownerTenantTx, systemDb, tenantTx } from '../../app/db/index.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';
import { buildArticle, buildRubric } from '../fixtures/publication-public.js';

/**
 * public_search() finds its candidates through article_lexemes (an index usable under row-level security)
 * when the query only ANDs lexemes, and reads every live article otherwise. Both must answer exactly what the
 * full scan answers: same articles, same order, same count.
 */

const WORDS = 'élève collège théâtre musée sortie voyage cantine menu sport piscine concours lecture orchestre jardin'.split(' ');

/** The reference: the full scan of migration 20261123001700, as the application role, ids in rank order. */
async function reference(school: Tenant, q: string, privateIds: string[] = []): Promise<{ ids: string[]; total: number }> {
  return tenantTx(school, async (trx) => {
    const { rows } = await trx.raw(
      `select a.id, count(*) over () as total
       from articles a join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id,
            websearch_to_tsquery('preau_french', ?) q
       where a.tenant_id = ? and a.status = 'published' and a.deleted_at is null and a.publish_at <= now()
         and (a.expire_at is null or a.expire_at > now()) and r.archived_at is null
         and (r.visibility = 'public' or r.id = any(?::uuid[])) and a.search @@ q
       order by ts_rank(a.search, q) desc, a.publish_at desc, a.id limit 20`,
      [q, school.id, privateIds],
    );
    return { ids: rows.map((r: any) => r.id), total: Number(rows[0]?.total ?? 0) };
  });
}

async function searched(school: Tenant, q: string, privateIds: string[] = []): Promise<{ ids: string[]; total: number }> {
  const { rows } = await systemDb().raw(`select public_search(?, ?, now(), ?::uuid[], 20, '', 'HighlightAll=true', 'MaxWords=35, MinWords=15') as hits`, [
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
    const queries = [
      'eleve',
      'eleves college',
      'theatre musee sortie',
      '"sortie voyage"',
      'cantine or piscine',
      'sport -piscine',
      'le la les',
      'musee musee',
      'inconnu',
      "l'eleve",
      'jardin & lecture',
      '',
    ];
    for (const q of queries) {
      const got = await searched(school, q);
      expect(got, q).toEqual(await reference(school, q));
      expect(await searched(school, q, [priv.id]), `${q} (private)`).toEqual(await reference(school, q, [priv.id]));
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

  it('stores the search vector in the row, not out of line', async () => {
    const { rows } = await systemDb().raw(`select attstorage from pg_attribute where attrelid = 'articles'::regclass and attname = 'search'`);
    expect(rows[0].attstorage).toBe('m');
  });
});
