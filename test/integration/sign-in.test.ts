import { describe, expect, it } from 'vitest';
import { SIGN_IN_THROTTLES_CLEANUP_QUEUE } from '../../app/auth/throttle-cleanup.js';
import { enqueueJob, runDueJobs } from '../../app/jobs/queue.js';
import { advanceClock, resetClock } from '../../app/lib/clock.js';
import { buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';

const strip = (html: string) => html.replace(/value="[^"]*"/g, '').replace(/\s+/g, ' ');

describe('sign-in', () => {
  it('signs a member in with a fresh session cookie and opens the dashboard', async () => {
    const school = await buildTenant();
    const teacher = await buildMember(school, { profile: 'teacher', firstName: 'Ada', lastName: 'Lovelace' });
    const c = Client.for(school);
    const res = await c.signIn(teacher.login, teacher.password);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/espace');
    const cookie = ([] as string[]).concat(res.headers['set-cookie']).find((s) => s.startsWith('preau_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/); // plain http here: Secure follows PUBLIC_URL_HTTPS, never NODE_ENV
    const token = cookie.split(';')[0].split('=')[1];
    expect(token).toMatch(/^[a-z2-7]{32}$/); // 160 bits, base32
    const sessions = await rowsOf(school, 'sessions', { membership_id: teacher.membershipId });
    expect(sessions).toHaveLength(1);
    expect(sessions[0].id).not.toBe(token); // only the SHA-256 is stored
    expect(sessions[0].id).toMatch(/^[0-9a-f]{64}$/);
    const dash = await c.get('/espace');
    expect(dash.status).toBe(200);
    expect(dash.text).toContain('Ada Lovelace');
    expect(dash.text).toContain('href="/messagerie"');
    expect(dash.text).not.toContain('Cahier de textes'); // a right, but no page yet: not offered
    expect(dash.headers['cache-control']).toBe('no-store');
    const audit = await rowsOf(school, 'audit_events', { action: 'auth.sign_in' });
    expect(audit).toHaveLength(1);
  });

  it('refuses a wrong password and an unknown login with the same 422 page', async () => {
    const school = await buildTenant();
    const m = await buildMember(school);
    const wrong = await Client.for(school).signIn(m.login, 'not the password');
    const unknown = await Client.for(school).signIn('nobody.at.all', 'not the password');
    expect(wrong.status).toBe(422);
    expect(unknown.status).toBe(422);
    expect(wrong.text).toContain('Identifiant ou mot de passe incorrect.');
    expect(strip(unknown.text)).toBe(strip(wrong.text).replace(m.login, 'nobody.at.all'));
    expect(await rowsOf(school, 'sessions')).toHaveLength(0);
  });

  it('does not sign in an account that has no membership in this school', async () => {
    const a = await buildTenant();
    const b = await buildTenant();
    const onlyA = await buildMember(a);
    const res = await Client.for(b).signIn(onlyA.login, onlyA.password);
    expect(res.status).toBe(422);
    expect(await rowsOf(b, 'sessions')).toHaveLength(0);
  });

  it('keeps a session in its school: the cookie of school A opens nothing on school B', async () => {
    const a = await buildTenant();
    const b = await buildTenant();
    const m = await buildMember(a);
    const ca = Client.for(a);
    await ca.signIn(m.login, m.password);
    const cb = Client.for(b);
    cb.cookies = new Map(ca.cookies);
    const res = await cb.get('/espace');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/connexion/);
  });

  it('answers 422 with a message when a field is missing', async () => {
    const school = await buildTenant();
    const c = Client.for(school);
    const _csrf = await c.csrf();
    const res = await c.post('/connexion', { login: '', password: '', _csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Saisissez votre identifiant et votre mot de passe.');
  });

  it('throttles after 10 failures for one login with 429 and Retry-After, even with the right password', async () => {
    const school = await buildTenant();
    const m = await buildMember(school, { profile: 'student' });
    const c = Client.for(school);
    for (let i = 0; i < 10; i++) expect((await c.signIn(m.login, `wrong-${i}`)).status).toBe(422);
    const blocked = await c.signIn(m.login, m.password);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    // Not a permanent lock: after the window the right password works again.
    try {
      advanceClock(15 * 60_000 + 1000);
      expect((await c.signIn(m.login, m.password)).status).toBe(303);
    } finally {
      resetClock();
    }
  });

  it('throttles one IP after 30 failures across logins', async () => {
    const school = await buildTenant();
    const c = Client.for(school);
    for (let i = 0; i < 30; i++) expect((await c.signIn(`inconnu-${i}`, 'x')).status).toBe(422);
    expect((await c.signIn('inconnu-31', 'x')).status).toBe(429);
  });

  it('forgets ended sign-in counters at night, school by school, and keeps running ones', async () => {
    const a = await buildTenant();
    const b = await buildTenant();
    const keys = async (school: typeof a) => (await rowsOf(school, 'login_throttles')).map((r) => r.key).sort();
    // An hour ago: failures in both schools, for an unknown login (no success will ever clear it).
    advanceClock(-3600_000);
    try {
      expect((await Client.for(a).signIn('ancien-a', 'x')).status).toBe(422);
      expect((await Client.for(b).signIn('ancien-b', 'x')).status).toBe(422);
    } finally {
      resetClock();
    }
    // Now: a failure whose window is still running.
    expect((await Client.for(a).signIn('recent-a', 'x')).status).toBe(422);
    expect(await keys(a)).toEqual(['ip:127.0.0.1', 'login:ancien-a', 'login:recent-a']);

    await enqueueJob(SIGN_IN_THROTTLES_CLEANUP_QUEUE, {});
    expect((await runDueJobs([SIGN_IN_THROTTLES_CLEANUP_QUEUE])).failed).toBe(0);
    // The IP's counter started a new window with the recent failure: it stays, like the recent login's.
    expect(await keys(a)).toEqual(['ip:127.0.0.1', 'login:recent-a']);
    expect(await keys(b)).toEqual([]);
  });
});

describe('sessions', () => {
  it('rotates the token at sign-in: a cookie planted before is worthless after', async () => {
    const school = await buildTenant();
    const m = await buildMember(school);
    const c = Client.for(school);
    c.cookies.set('preau_session', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    await c.signIn(m.login, m.password);
    expect(c.cookies.get('preau_session')).not.toBe('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    const planted = Client.for(school);
    planted.cookies.set('preau_session', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect((await planted.get('/espace')).status).toBe(303);
  });

  it('signing in again replaces the previous session of that browser', async () => {
    const school = await buildTenant();
    const m = await buildMember(school);
    const c = Client.for(school);
    await c.signIn(m.login, m.password);
    const first = c.cookies.get('preau_session')!;
    const page = await c.get('/espace');
    const _csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    expect((await c.post('/connexion', { login: m.login, password: m.password, _csrf })).status).toBe(303);
    expect(c.cookies.get('preau_session')).not.toBe(first);
    const replay = Client.for(school);
    replay.cookies.set('preau_session', first);
    expect((await replay.get('/espace')).status).toBe(303);
  });

  it('ends a session after the idle timeout of the profile, and at the absolute timeout despite activity', async () => {
    const school = await buildTenant();
    const admin = await buildMember(school, { profile: 'admin' });
    const c = Client.for(school);
    await c.signIn(admin.login, admin.password);
    try {
      advanceClock(29 * 60_000); // admin idle timeout: 30 min
      expect((await c.get('/espace')).status).toBe(200);
      advanceClock(29 * 60_000); // activity slid the idle expiry
      expect((await c.get('/espace')).status).toBe(200);
      advanceClock(31 * 60_000);
      expect((await c.get('/espace')).status).toBe(303);
    } finally {
      resetClock();
    }
    const student = await buildMember(school, { profile: 'student' });
    const s = Client.for(school);
    await s.signIn(student.login, student.password);
    try {
      for (let h = 0; h < 7 * 24; h += 1) advanceClock(60 * 60_000); // a week of hours with no request…
    } finally {
      /* clock stays advanced for the check below */
    }
    expect((await s.get('/espace')).status).toBe(303); // …idle expiry long passed
    resetClock();
  });

  it('logs out by POST: the old cookie is refused afterwards', async () => {
    const school = await buildTenant();
    const m = await buildMember(school);
    const c = Client.for(school);
    await c.signIn(m.login, m.password);
    const old = c.cookies.get('preau_session')!;
    const page = await c.get('/espace');
    const _csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const out = await c.post('/deconnexion', { _csrf });
    expect(out.status).toBe(303);
    const replay = Client.for(school);
    replay.cookies.set('preau_session', old);
    expect((await replay.get('/espace')).status).toBe(303);
    expect(await rowsOf(school, 'sessions', { membership_id: m.membershipId })).toHaveLength(0);
  });

  it('"log out my other sessions" ends every other session and keeps this one', async () => {
    const school = await buildTenant();
    const m = await buildMember(school);
    const phone = Client.for(school);
    const laptop = Client.for(school);
    await phone.signIn(m.login, m.password);
    await laptop.signIn(m.login, m.password);
    const page = await laptop.get('/preferences/sessions');
    expect(page.status).toBe(200);
    const _csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
    const res = await laptop.post('/preferences/sessions/autres', { _csrf });
    expect(res.status).toBe(303);
    expect((await phone.get('/espace')).status).toBe(303);
    expect((await laptop.get('/espace')).status).toBe(200);
  });
});

describe('behind TLS', () => {
  it('uses a __Host- Secure cookie and sends HSTS when the public address is https, whatever NODE_ENV says', async () => {
    const { config, setConfig } = await import('../../app/config.js');
    const plain = config();
    setConfig({ ...plain, https: true });
    try {
      const school = await buildTenant();
      const m = await buildMember(school);
      const c = Client.for(school);
      const form = await c.get('/connexion');
      expect(form.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(String(form.headers['set-cookie'])).toMatch(/^__Host-preau_csrf=[^;]+;.*path=\/;.*secure;.*httponly/i);
      const res = await c.post('/connexion', { login: m.login, password: m.password, _csrf: /name="_csrf" value="([^"]+)"/.exec(form.text)![1] });
      expect(res.status).toBe(303);
      const session = ([] as string[]).concat(res.headers['set-cookie']).find((s) => s.startsWith('__Host-preau_session='))!;
      expect(session).toMatch(/; path=\//i);
      expect(session).toMatch(/; secure/i);
      expect(session).toMatch(/; httponly/i);
      expect(session).not.toMatch(/domain=/i);
      expect((await c.get('/espace')).status).toBe(200);
    } finally {
      setConfig(plain);
    }
  });
});
