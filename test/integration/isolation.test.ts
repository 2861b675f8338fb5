import { describe, expect, it } from 'vitest';
import { config } from '../../app/config.js';
import { openDatabase } from '../../app/db/knex.js';
import { memberForSession } from '../../app/auth/member.js';
import { sessionIdOf } from '../../app/auth/session.js';
import { currentDatabase, db, tenantTx, useDatabase } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import { ROUTERS } from '../../app/server.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';
import { buildArticle, buildRubric } from '../fixtures/publication-public.js';
import { liveArticleOf } from '../../app/modules/publication/queries.js';

describe('row-level security', () => {
  it('every table with a tenant_id has row-level security enabled and forced, with a policy', async () => {
    const { rows } = await currentDatabase().knex.raw(`
      select c.relname from pg_class c
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
      join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
      where c.relkind = 'r'
        and (not c.relrowsecurity or not c.relforcerowsecurity
             or not exists (select 1 from pg_policy p where p.polrelid = c.oid))`);
    expect(rows).toEqual([]);
    const { rows: tables } = await currentDatabase().knex.raw(`
      select count(*)::int as n from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id'
      where c.relkind = 'r' and c.relnamespace = 'public'::regnamespace`);
    expect(tables[0].n).toBeGreaterThanOrEqual(12);
  });

  it('the application role is no superuser, cannot bypass RLS and owns no table; requests run as it', async () => {
    const k = currentDatabase().knex;
    const { rows } = await k.raw(`select rolsuper, rolbypassrls from pg_roles where rolname = 'preau_app'`);
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false });
    const owned = await k.raw(`select count(*)::int as n from pg_tables where tableowner = 'preau_app'`);
    expect(owned.rows[0].n).toBe(0);
    const notOwner = await k.raw(`select count(*)::int as n from pg_tables where schemaname = 'public' and tableowner <> 'preau_owner'`);
    expect(notOwner.rows[0].n).toBe(0);
    const school = await buildTenant();
    const role = await tenantTx(school, async () => (await db().raw('select current_user as u')).rows[0].u);
    expect(role).toBe('preau_app');
  });

  it('the application role may append to the audit trail and read it, never change or delete it', async () => {
    const school = await buildTenant();
    const id = newId();
    await tenantTx(school, () => db()('audit_events').insert({ tenant_id: school.id, id, action: 'test.event' }));
    await expect(tenantTx(school, () => db()('audit_events').where({ id }).update({ action: 'forged' }))).rejects.toThrow(/permission denied/);
    await expect(tenantTx(school, () => db()('audit_events').where({ id }).del())).rejects.toThrow(/permission denied/);
    expect((await rowsOf(school, 'audit_events', { id }))[0].action).toBe('test.event');
  });

  it('on a pool of one connection, A then B then no tenant see A’s rows, B’s rows, nothing', async () => {
    const a = await buildTenant();
    const b = await buildTenant();
    await buildMember(a, { lastName: 'DeA' });
    const memberOfB = await buildMember(b, { lastName: 'DeB' });
    const articleOfB = await buildArticle(b, (await buildRubric(b)).id, { title: 'Article de B' });
    const shared = currentDatabase();
    const single = shared.embedded ? shared : await openDatabase(config(), { poolMax: 1 });
    try {
      useDatabase(single);
      const names = async () => (await db()('memberships').select('last_name', 'tenant_id')) as { last_name: string; tenant_id: string }[];
      const seenByA = await tenantTx(a, names);
      const seenByB = await tenantTx(b, names);
      expect(seenByA.length).toBeGreaterThan(0);
      expect(seenByA.every((r) => r.tenant_id === a.id)).toBe(true);
      expect(seenByB.every((r) => r.tenant_id === b.id)).toBe(true);
      expect(seenByB.map((r) => r.last_name)).toContain('DeB');
      const outside = await single.knex('memberships').select('id');
      expect(outside).toEqual([]);
      // The signed-in member's one-round-trip lookup sets the school inside its lone statement only.
      const c = Client.for(b);
      await c.signIn(memberOfB.login, memberOfB.password);
      const seen = await memberForSession(b, sessionIdOf(c.cookies.get('preau_session')!));
      expect(seen?.lastName).toBe('DeB');
      expect(await memberForSession(a, sessionIdOf(c.cookies.get('preau_session')!))).toBeNull();
      expect(await single.knex('memberships').select('id')).toEqual([]);
      expect((await single.knex.raw(`select current_setting('app.tenant_id', true) as t`)).rows[0].t || null).toBeNull();
      // So does the public article page's one-statement read, public_article().
      expect((await liveArticleOf(b, articleOfB.id))?.title).toBe('Article de B');
      expect(await liveArticleOf(a, articleOfB.id)).toBeUndefined();
      expect(await single.knex('memberships').select('id')).toEqual([]);
      expect(await single.knex('articles').select('id')).toEqual([]);
      expect((await single.knex.raw(`select current_setting('app.tenant_id', true) as t`)).rows[0].t || null).toBeNull();
      // Nor can a school write a row for another.
      await expect(
        tenantTx(a, () => db()('levels').insert({ tenant_id: b.id, id: newId(), code: 'X', name: 'X' })),
      ).rejects.toThrow(/row-level security/);
    } finally {
      useDatabase(shared);
      if (single !== shared) await single.close();
    }
  });

  it('a school’s transaction sets the school in the round trip of its BEGIN, and leaves nothing behind', async () => {
    const a = await buildTenant();
    const shared = currentDatabase();
    const single = shared.embedded ? shared : await openDatabase(config(), { poolMax: 1 });
    const sent: string[] = [];
    const onQuery = (q: { sql: string }) => sent.push(q.sql);
    try {
      useDatabase(single);
      single.knex.on('query', onQuery);
      const seen = await tenantTx(a, async () => (await db().raw(`select current_setting('app.tenant_id') as t`)).rows[0].t);
      expect(seen).toBe(a.id);
      // One statement to open it with the school, the page's own, one to commit: no separate set_config.
      expect(sent).toEqual([`BEGIN; SELECT set_config('app.tenant_id', '${a.id}', true);`, `select current_setting('app.tenant_id') as t`, 'COMMIT;']);
      await expect(tenantTx(a, () => Promise.reject(new Error('annulé')))).rejects.toThrow('annulé');
      expect((await single.knex.raw(`select current_setting('app.tenant_id', true) as t`)).rows[0].t || null).toBeNull();
      // A malformed id never reaches the SQL text.
      await expect(tenantTx({ id: `${a.id}'); drop table x; --`, slug: a.slug }, async () => 1)).rejects.toThrow(/UUID/);
      // Nor through knex directly: a transaction is not opened without its school.
      await expect(single.knex.transaction(async () => 1, { tenantId: 'pas-un-id' } as never)).rejects.toThrow(/UUID/);
      expect(sent.at(-1)).not.toMatch(/pas-un-id/);
      expect((await single.knex.raw(`select current_setting('app.tenant_id', true) as t`)).rows[0].t || null).toBeNull();
    } finally {
      single.knex.off('query', onQuery);
      useDatabase(shared);
      if (single !== shared) await single.close();
    }
  });

  it('db() refuses to run outside a tenant transaction', () => {
    expect(() => db()).toThrow(/outside a tenant transaction/);
  });
});

describe('unknown host', () => {
  it('answers a French 404 page with no school data', async () => {
    const res = await new Client('nowhere-at-all.localhost').get('/');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Page introuvable');
    expect(res.text).toContain('lang="fr"');
    expect(res.text).not.toMatch(/Collège|Lycée/);
  });
});

/** Every route of the application, as the router declares it. */
function allRoutes(): { method: string; path: string }[] {
  return ROUTERS.flatMap((r) =>
    r.stack.flatMap((layer) => layer.methods.filter((m) => m !== "HEAD").map((method) => ({ method, path: String(layer.path) }))),
  );
}

/**
 * Each module lists, in test/integration/cross-school/<module>.ts, the ids of school B that its routes take;
 * a route with a parameter and no entry fails this test, so new routes cannot escape it.
 */
const crossSchool = import.meta.glob<{ idsOfSchoolB: (b: Tenant) => Promise<{ ids: Record<string, Record<string, string>>; intact: () => Promise<boolean> }> }>(
  './cross-school/*.ts',
  { eager: true },
);

describe('cross-school access', () => {
  it('a member of school A with ids of school B gets 404 on every route that takes an id, and nothing changes', async () => {
    const a = await buildTenant();
    const b = await buildTenant();
    const adminA = await buildMember(a, { profile: 'admin' });
    const fromModules = await Promise.all(Object.values(crossSchool).map((m) => m.idsOfSchoolB(b)));
    const idsOfB = Object.assign({}, ...fromModules.map((m) => m.ids)) as Record<string, Record<string, string>>;
    const c = Client.for(a);
    await c.signIn(adminA.login, adminA.password);
    const _csrf = csrfFrom((await c.get('/espace')).text);
    const withIds = allRoutes().filter((r) => /:(id|[a-z]+Id)\b/.test(r.path));
    expect(withIds.length).toBeGreaterThan(0);
    for (const route of withIds) {
      const params = idsOfB[route.path];
      if (!params) throw new Error(`no ids of school B for ${route.path}: add them in test/integration/cross-school/`);
      const path = route.path.replace(/:[A-Za-z]+/g, (p) => params[p] ?? p);
      const res = route.method === 'GET' ? await c.get(path) : await c.post(path, { _csrf });
      expect(res.status, `${route.method} ${path}`).toBe(404);
    }
    for (const m of fromModules) expect(await m.intact()).toBe(true);
  });
});

describe('malformed ids', () => {
  it('every route that takes an id answers 404, not an error, to one that is not an id at all', async () => {
    const school = await buildTenant();
    const admin = await buildMember(school, { profile: 'admin' });
    const c = Client.for(school);
    await c.signIn(admin.login, admin.password);
    const _csrf = csrfFrom((await c.get('/espace')).text);
    const withIds = allRoutes().filter((r) => /:(id|[a-z]+Id)\b/.test(r.path));
    const answers: string[] = [];
    for (const route of withIds) {
      const path = route.path.replace(/:(id|[a-z]+Id)\b/g, 'pas-un-id').replace(/:[A-Za-z]+/g, 'x');
      const res = route.method === 'GET' ? await c.get(path) : await c.post(path, { _csrf });
      if (res.status !== 404) answers.push(`${route.method} ${path} → ${res.status}`);
    }
    expect(answers).toEqual([]);
  });
});

describe('CSRF on every state-changing route', () => {
  it('refuses a foreign Origin, a sibling school’s origin and a missing token with 403', async () => {
    const school = await buildTenant();
    const admin = await buildMember(school, { profile: 'admin' });
    const [rule] = await rowsOf(school, 'access_rules', { service_key: 'grades' });
    const c = Client.for(school);
    await c.signIn(admin.login, admin.password);
    const _csrf = csrfFrom((await c.get('/espace')).text);
    const mutating = allRoutes().filter((r) => r.method !== 'GET');
    expect(mutating.length).toBeGreaterThanOrEqual(4);
    for (const route of mutating) {
      const path = route.path.replace(':key', 'grades').replace(/:[A-Za-z]+/g, rule.id);
      const foreign = await c.post(path, { _csrf, target: 'school:', role: 'read' }, { Origin: 'http://evil.example' });
      expect(foreign.status, `foreign origin ${path}`).toBe(403);
      const sibling = await c.post(path, { _csrf, target: 'school:', role: 'read' }, { Origin: 'http://other-school.localhost', 'Sec-Fetch-Site': 'same-site' });
      expect(sibling.status, `same-site ${path}`).toBe(403);
      const noToken = await c.post(path, { target: 'school:', role: 'read' });
      expect(noToken.status, `no token ${path}`).toBe(403);
    }
    // Nothing was changed by the refused requests, and the member is still signed in.
    expect(await rowsOf(school, 'access_rules', { id: rule.id })).toHaveLength(1);
    expect((await c.get('/espace')).status).toBe(200);
  });
});
