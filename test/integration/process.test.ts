import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The server as a new user starts it (`npm start`: the build, then plain Node), the embedded database on an
// empty DATA_DIR, production mode, no secret. Whatever database the rest of the suite uses, this one is the
// embedded default.
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'preau-process-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
beforeAll(() => {
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`npm run build failed: ${built.stderr}`);
});
const SERVER = ['dist/app/main.js', 'serve'];

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function request(port: number, p: string, opts: { method?: string; cookie?: string; body?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const headers: Record<string, string | number> = { Host: `demo-college.localhost:${port}`, ...opts.headers };
    if (opts.cookie) headers.Cookie = opts.cookie;
    if (opts.body) Object.assign(headers, { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(opts.body) });
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

async function start(port: number): Promise<{ child: ChildProcess; output: () => string; ms: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, SERVER, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    try {
      if ((await request(port, '/healthz')).status === 200) return { child, output: () => out, ms: Date.now() - started };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`no /healthz within 60 s: ${out}`);
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

describe('the server process', () => {
  it('starts on an empty DATA_DIR with no secret, serves the demo, stops cleanly on SIGTERM, and keeps its data', async () => {
    const port = await freePort();
    const first = await start(port);
    expect(first.output()).toContain(`http://demo-college.localhost:${port}`);
    expect(first.output()).toContain('Données de démonstration chargées');

    // Sign in as the demo student through the form.
    const form = await request(port, '/connexion');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1];
    const pre = String(form.headers['set-cookie']![0]).split(';')[0];
    const signIn = await request(port, '/connexion', {
      method: 'POST',
      cookie: pre,
      headers: { Origin: `http://demo-college.localhost:${port}` },
      body: new URLSearchParams({ login: 'eleve.3a', password: 'demo', _csrf: csrf }).toString(),
    });
    expect(signIn.status).toBe(303);
    const session = String(signIn.headers['set-cookie']!.find((c) => c.startsWith('preau_session='))).split(';')[0];
    expect((await request(port, '/espace', { cookie: session })).body).toContain('Élève');

    // SIGTERM: readiness goes off, the process exits 0.
    first.child.kill('SIGTERM');
    expect(await exitOf(first.child)).toBe(0);

    // Restarted on the same DATA_DIR: the demo is not loaded twice and the session is still there.
    const second = await start(port);
    expect(second.output()).not.toContain('Données de démonstration chargées');
    const again = await request(port, '/espace', { cookie: session });
    expect(again.status).toBe(200);
    expect(again.body).toContain('Mon espace');
    second.child.kill('SIGTERM');
    expect(await exitOf(second.child)).toBe(0);

    // The build's migrations are recorded under their source names: the TypeScript CLI finds nothing to do.
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    const migrate = spawnSync(process.execPath, ['--import', 'tsx', 'app/main.ts', 'migrate'], { env, encoding: 'utf8' });
    expect(migrate.stdout.trim()).toBe('Base déjà à jour.');
  }, 180_000);

  it('stops with one clear line on a bad setting', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: 'quatre-vingts', DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, SERVER, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c) => (err += c));
    expect(await exitOf(child)).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^préau : Configuration invalide — PORT: /);
  }, 60_000);
});

describe('the build', () => {
  it('rebuilds while other processes start: dist/app/main.js is there at every moment, whole', async () => {
    // A process that looks for the server's entry point as fast as it can while builds replace dist, two at a time.
    const watcher = spawn(
      process.execPath,
      ['-e', `const fs = require('node:fs'); const end = Date.now() + 4000; let misses = 0, checks = 0;
        while (Date.now() < end) { checks++; if (!fs.existsSync('dist/app/main.js')) misses++; }
        console.log(JSON.stringify({ misses, checks }));`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    watcher.stdout!.on('data', (c) => (out += c));
    const buildOnce = () =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' }).on('exit', resolve));
    for (let round = 0; round < 2; round++) expect(await Promise.all([buildOnce(), buildOnce()])).toEqual([0, 0]);
    await new Promise((resolve) => watcher.on('exit', resolve));
    const { misses, checks } = JSON.parse(out);
    expect(checks).toBeGreaterThan(1000);
    expect(misses).toBe(0);
    expect(fs.existsSync('dist/app/main.js')).toBe(true);
  }, 30_000);
});
