/**
 * `node --import tsx test/bench/homepage-flatness.ts` (issue 4, "Caching and speed"): is the homepage flat from
 * 10 to 1,000 schools? For each school count (BENCH_SCHOOLS, default "10,1000"), on a fresh embedded database
 * (PGlite, its own DATA_DIR): the demo, then extra schools through the tenants sync
 * (test/bench/synthetic-schools.ts), then the real server; demo-college's homepage is measured
 *   - cached: `/` as a visitor (the byte cache, app/http/page-cache.ts),
 *   - uncached: `/?sans-cache` (a query string skips the byte cache; the same route renders the page),
 * and the yardstick (test/bench/baseline-server.ts rendering the same bytes from memory) in the same run. Reports
 * p50/p99 and req/s of each, the 1,000/10 ratios (target ≤ 1.5×), the page's size, and the ratios to the
 * yardstick (DESIGN.md "Performance": cached ≥ 5×, uncached ≥ 50 %).
 *
 * Environment: BENCH_SECONDS (default 8), BENCH_CONNECTIONS (10), BENCH_SCHOOLS ("10,1000"). The embedded
 * database only: the extra schools would stay in a shared PostgreSQL (DATABASE_URL is ignored here).
 * Servers on core 0, the load generator on core 1 when taskset and two cores are there, like run.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, request } from './http.js';
import type { LoadResult } from './load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TENANT = 'demo-college';
const SECONDS = Number(process.env.BENCH_SECONDS || 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 10);
const COUNTS = (process.env.BENCH_SCHOOLS || '10,1000').split(',').map(Number);
const cores = os.availableParallelism();
const PIN = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0 && cores >= 2;

interface Child {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}
const children: Child[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startNode(cpu: string, script: string[], env: NodeJS.ProcessEnv): Child {
  // The server runs as `npm start` runs it, from its build (dist/…js, plain Node); the bench's tools under tsx.
  const nodeArgs = script[0].endsWith('.js') ? script : ['--import', 'tsx', ...script];
  const [cmd, args] = PIN ? ['taskset', ['-c', cpu, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const proc = spawn(cmd, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: Child = { proc, lines: [], exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))) };
  for (const s of [proc.stdout, proc.stderr]) {
    let buf = '';
    s?.setEncoding('utf8');
    s?.on('data', (chunk: string) => {
      buf += chunk;
      for (let i; (i = buf.indexOf('\n')) >= 0; buf = buf.slice(i + 1)) child.lines.push(buf.slice(0, i));
      if (child.lines.length > 2000) child.lines.splice(0, 1000);
    });
  }
  children.push(child);
  return child;
}

async function stop(child: Child): Promise<void> {
  try {
    process.kill(-child.proc.pid!, 'SIGTERM');
  } catch {
    return;
  }
  if (!(await Promise.race([child.exited.then(() => true), sleep(10_000).then(() => false)]))) {
    try {
      process.kill(-child.proc.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  children.splice(children.indexOf(child), 1);
}

async function load(port: number, p: string, headers: Record<string, string>): Promise<LoadResult> {
  const child = startNode('1', ['test/bench/load.ts', JSON.stringify({ port, path: p, headers, connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: 2 })], process.env);
  const code = await child.exited;
  children.splice(children.indexOf(child), 1);
  const line = [...child.lines].reverse().find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`load ${p} failed:\n${child.lines.slice(-20).join('\n')}`);
  const r = JSON.parse(line) as LoadResult;
  if (r.non2xx || r.errors) throw new Error(`load ${p}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r;
}

interface Measure {
  schools: number;
  kb: number;
  cached: LoadResult;
  uncached: LoadResult;
  yardstick: LoadResult;
}

async function measure(schools: number): Promise<Measure> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'preau-flat-data-'));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'preau-flat-'));
  try {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_ENV: 'production' };
    delete env.DATABASE_URL;
    const t0 = Date.now();
    const seeder = startNode('0', ['test/bench/synthetic-schools.ts', String(schools)], env);
    const code = await seeder.exited;
    children.splice(children.indexOf(seeder), 1);
    const info = [...seeder.lines].reverse().find((l) => l.startsWith('{'));
    if (code !== 0 || !info) throw new Error(`synthetic schools failed:\n${seeder.lines.slice(-30).join('\n')}`);
    console.log(`flatness: ${JSON.parse(info).schools} schools in the database (${((Date.now() - t0) / 1000).toFixed(0)} s to make them)`);
    // Measured as `npm start` runs it: from the build.
    const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`npm run build failed:\n${built.stderr}`);
    const server = startNode('0', ['dist/app/main.js', 'serve'], env);
    const host = `${TENANT}.localhost:${port}`;
    for (let ok = false, deadline = Date.now() + 120_000; !ok; ) {
      if (Date.now() > deadline) throw new Error(`server not healthy:\n${server.lines.slice(-30).join('\n')}`);
      ok = await request({ port, path: '/healthz', headers: { Host: host }, timeoutMs: 2000 }).then((r) => r.status === 200, () => false);
      if (!ok) await sleep(250);
    }
    const page = await request({ port, path: '/', headers: { Host: host } });
    if (page.status !== 200) throw new Error(`GET / answered ${page.status}`);
    const pagesFile = path.join(workDir, 'pages.json');
    fs.writeFileSync(pagesFile, JSON.stringify({ home: page.body }));
    const basePort = await freePort();
    const baseline = startNode('0', ['test/bench/baseline-server.ts', pagesFile], { ...process.env, PORT: String(basePort), NODE_ENV: 'production' });
    for (let deadline = Date.now() + 60_000; !baseline.lines.some((l) => l.startsWith('READY ')); await sleep(100)) {
      if (Date.now() > deadline) throw new Error('yardstick not ready');
    }
    const yardstick = await load(basePort, '/t/home', {});
    const uncached = await load(port, '/?sans-cache', { Host: host });
    const cached = await load(port, '/', { Host: host });
    await stop(baseline);
    await stop(server);
    return { schools, kb: Buffer.byteLength(page.body) / 1024, cached, uncached, yardstick };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

const f = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function main() {
  console.log(`flatness: PGlite, ${SECONDS} s per target, ${CONNECTIONS} connections, ${PIN ? 'servers on core 0, load on core 1' : 'not pinned'}`);
  const results: Measure[] = [];
  for (const n of COUNTS) results.push(await measure(n));
  console.log('');
  console.log('schools | page KB | target            |   req/s | p50 ms | p99 ms | vs yardstick');
  for (const m of results) {
    for (const [label, r] of [['yardstick', m.yardstick], ['/ uncached', m.uncached], ['/ cached', m.cached]] as const) {
      const vs = label === 'yardstick' ? '' : `${f((r.rps / m.yardstick.rps) * 100)} %`;
      console.log(`${String(m.schools).padStart(7)} | ${f(m.kb, 1).padStart(7)} | ${label.padEnd(17)} | ${f(r.rps).padStart(7)} | ${f(r.p50, 2).padStart(6)} | ${f(r.p99, 2).padStart(6)} | ${vs}`);
    }
  }
  if (results.length >= 2) {
    const [a, b] = [results[0], results[results.length - 1]];
    console.log('');
    for (const k of ['uncached', 'cached'] as const) {
      console.log(
        `${k}: ${b.schools} vs ${a.schools} schools — req/s ÷ ${f(a[k].rps / b[k].rps, 2)}, p50 × ${f(b[k].p50 / a[k].p50, 2)}, p99 × ${f(b[k].p99 / a[k].p99, 2)} (target ≤ 1.5×)`,
      );
    }
  }
  console.log('Targets (DESIGN.md): cached ≥ 500 % of the yardstick, uncached ≥ 50 %, p99 ≤ 10 ms at 10 connections.');
}

const cleanup = async () => {
  for (const c of [...children].reverse()) await stop(c);
};
process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));
main()
  .then(cleanup)
  .catch(async (err) => {
    console.error(err instanceof Error ? err.message : err);
    await cleanup();
    process.exit(1);
  });
