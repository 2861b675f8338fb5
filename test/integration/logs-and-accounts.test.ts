import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ownerTx } from '../../app/db/index.js';
import { createLogger, setLogger } from '../../app/lib/log.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';

describe('logs', () => {
  const lines: string[] = [];
  setLogger(createLogger('trace', new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) })));
  afterAll(() => setLogger(createLogger('silent')));

  it('carry the request id and the school, never a password, a session token or a CSRF token', async () => {
    const school = await buildTenant();
    const m = await buildMember(school);
    const c = Client.for(school);
    await c.signIn(m.login, 'a wrong password here');
    await c.signIn(m.login, m.password);
    await c.get('/espace');
    await c.get('/nulle-part');
    const text = lines.join('');
    expect(text).toContain(`"tenant":"${school.slug}"`);
    expect(text).toMatch(/"req":"[0-9a-f-]{36}"/);
    for (const secret of [m.password, 'a wrong password here', c.cookies.get('preau_session')!]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('disabled accounts', () => {
  it('disabling an account ends its sessions at once and refuses sign-in', async () => {
    const school = await buildTenant();
    const m = await buildMember(school);
    const c = Client.for(school);
    await c.signIn(m.login, m.password);
    expect((await c.get('/espace')).status).toBe(200);
    await ownerTx((trx) => trx('accounts').where({ id: m.accountId }).update({ disabled_at: new Date() }));
    expect((await c.get('/espace')).status).toBe(303);
    expect((await Client.for(school).signIn(m.login, m.password)).status).toBe(422);
  });
});
