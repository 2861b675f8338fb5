/**
 * `npm run bench` (DESIGN.md, Performance; foundation issue, item 12).
 *
 * Starts the real server (PostgreSQL when DATABASE_URL is set, PGlite under a fresh DATA_DIR otherwise),
 * signs in as the demo teacher, fetches the pages once, starts the yardstick (bare Koa + nunjucks rendering
 * the same bytes from memory, test/bench/baseline-server.ts) and drives each page and its yardstick with
 * autocannon (test/bench/load.ts) in the same run. Servers are pinned to core 0, the load generator to
 * core 1 (taskset, when there are two cores). Loopback only, bounded time.
 *
 * Environment:
 *   BENCH_SECONDS      measured seconds per target (default 10; a 2 s warm-up is added, not counted)
 *   BENCH_CONNECTIONS  autocannon connections (default 10)
 *   BENCH_ROUNDS       rounds of (yardstick, page) pairs, medians reported (default 1; more on a noisy machine)
 *   BENCH_ONLY         measure only the page with this path or name (e.g. /espace, article)
 *   BENCH_DATA_DIR     use this DATA_DIR (kept) instead of a fresh temporary one (removed)
 *   BENCH_EXTRA=1      also measure, for information, the cheaper yardstick variants (literal page with
 *                      only {{ title }}, Koa sending the bytes as a fixed string, and a bare node:http server
 *                      sending them as one Buffer: the ceiling of any Node server on this core) and, on
 *                      PostgreSQL, the yardstick of each page read from the database after one `select 1`
 *                      round trip (two for signed-in pages): the least such a page can cost here; the ratio
 *                      column compares them with the plain yardstick
 *   BENCH_ARTICLES     first give demo-college this many synthetic live articles (default 10000: the issue's search
 *                      target is over 10,000 articles; 0 for none; test/bench/synthetic-articles.ts,
 *                      run before the server starts)
 *   BENCH_MESSAGES     received messages given to the demo teacher's inbox before measuring /messagerie
 *                      (test/bench/synthetic-messages.ts; default 5000, 0 to skip)
 *   DATABASE_URL       passed to the server (then DEMO=on so that the demo accounts exist)
 *
 * Adding a page: append to PAGES below (path, whether it needs the session, target class).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, request, setCookie, type SimpleResponse } from './http.js';
import type { LoadArgs, LoadResult } from './load.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TENANT = 'demo-college';
const LOGIN = 'prof.maths';
const PASSWORD = 'demo';

type TargetClass = 'public' | 'cached' | 'private' | 'search';
interface Page {
  /** Short name, also the yardstick route. */
  name: string;
  path: string;
  signedIn: boolean;
  target: TargetClass;
  /** The path is read at start from another page: the first link matching `pattern` in `page`. */
  pathFrom?: { page: string; pattern: RegExp; suffix?: string };
  /** Extra request headers (an htmx request for a fragment). */
  headers?: Record<string, string>;
  /** Shown after the path in the report. */
  note?: string;
}

/** The pages measured; later issues add theirs here. */
const ARTICLE_LINK = /href="(\/articles\/[0-9a-f-]{36}\/[a-z0-9-]+)"/;
// A query string other than ?page=N skips the visitors' page cache (app/http/page-cache.ts): `?sans-cache`
// measures the same route rendering from the database.
const PAGES: Page[] = [
  { name: 'home', path: '/', signedIn: false, target: 'cached' },
  { name: 'home-uncached', path: '/?sans-cache', signedIn: false, target: 'public' },
  { name: 'connexion', path: '/connexion', signedIn: false, target: 'public' },
  { name: 'espace', path: '/espace', signedIn: true, target: 'private' },
  // Publication (public site): a rubric, its newest article (cached for visitors, and from the database),
  // and a French search.
  { name: 'rubrique', path: '/rubriques/vie-du-college', signedIn: false, target: 'public' },
  { name: 'rubrique-uncached', path: '/rubriques/vie-du-college?sans-cache', signedIn: false, target: 'public' },
  { name: 'article', path: '/articles/…', signedIn: false, target: 'public', pathFrom: { page: '/rubriques/vie-du-college', pattern: ARTICLE_LINK } },
  { name: 'article-uncached', path: '/articles/…', signedIn: false, target: 'public', pathFrom: { page: '/rubriques/vie-du-college', pattern: ARTICLE_LINK, suffix: '?sans-cache' } },
  { name: 'recherche', path: '/recherche?q=eleves%20college', signedIn: false, target: 'search' },
  // Messaging: the inbox of a member with BENCH_MESSAGES (default 5,000) received messages, and the
  // recipient search: the picker's page without JavaScript, and the results fragment its active search asks
  // for at each keystroke.
  { name: 'messagerie', path: '/messagerie', signedIn: true, target: 'private' },
  { name: 'destinataires', path: '/messagerie/destinataires?q=mar', signedIn: true, target: 'private' },
  {
    name: 'destinataires-htmx',
    path: '/messagerie/destinataires?q=mar',
    signedIn: true,
    target: 'private',
    headers: { 'HX-Request': 'true', 'HX-Request-Type': 'partial' },
    note: 'htmx',
  },
];

/** DESIGN.md targets: share of the yardstick's requests/s, and p99 at 10 connections. */
const TARGETS: Record<TargetClass, { ratio: number; p99: number }> = {
  public: { ratio: 0.5, p99: 10 },
  // The visitors' homepage served from the per-school byte cache.
  cached: { ratio: 5, p99: 10 },
  private: { ratio: 0.3, p99: 20 },
  // The publication issue's search target: p99 only, over BENCH_ARTICLES (10,000) articles in one school.
  search: { ratio: 0, p99: 30 },
};

const STARTUP_TIMEOUT_MS = 120_000;
const WARMUP_SECONDS = 2;

function intEnv(name: string, dflt: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw == null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`bench: ${name} must be an integer between ${min} and ${max} (got ${raw})`);
    process.exit(1);
  }
  return n;
}

const SECONDS = intEnv('BENCH_SECONDS', 10, 1, 300);
const CONNECTIONS = intEnv('BENCH_CONNECTIONS', 10, 1, 1000);
const ROUNDS = intEnv('BENCH_ROUNDS', 1, 1, 10);
const EXTRA = process.env.BENCH_EXTRA === '1';
const ARTICLES = intEnv('BENCH_ARTICLES', 10_000, 0, 200_000);
const MESSAGES = intEnv('BENCH_MESSAGES', 5000, 0, 100_000);

class BenchError extends Error {}

// ---------------------------------------------------------------------------------------------------------
// Child processes: each in its own process group, pinned with taskset when possible.

const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
const PIN = hasTaskset && cores >= 2;
const SERVER_CPU = '0';
const LOAD_CPU = '1';

interface Child {
  name: string;
  proc: ChildProcess;
  lines: string[];
  /** Lines seen in all (`lines` keeps the last MAX_LINES). */
  seen: number;
  exited: Promise<number | null>;
  exitCode?: number | null;
}

const children: Child[] = [];
const MAX_LINES = 5_000;

/** `npm run build`: the server is measured as `npm start` runs it. */
function buildServer(): void {
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new BenchError(`npm run build failed:\n${built.stderr}`);
}

/** Starts `node <script.js>` or `node --import tsx <script.ts>` (pinned to `cpu`), in its own process group. */
function startNode(name: string, cpu: string, script: string[], env: NodeJS.ProcessEnv): Child {
  // The server runs as `npm start` runs it, from its build (dist/…js, plain Node); the bench's tools under tsx.
  const nodeArgs = script[0].endsWith('.js') ? script : ['--import', 'tsx', ...script];
  const [cmd, args] = PIN ? ['taskset', ['-c', cpu, process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const proc = spawn(cmd, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: Child = { name, proc, lines: [], seen: 0, exited: Promise.resolve(null) };
  child.exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      child.exitCode = code ?? (signal ? -1 : null);
      resolve(child.exitCode);
    });
    proc.on('error', (err) => {
      child.lines.push(`[spawn error] ${err.message}`);
      child.exitCode = -1;
      resolve(-1);
    });
  });
  for (const stream of [proc.stdout, proc.stderr]) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        child.lines.push(buf.slice(0, i));
        child.seen++;
        buf = buf.slice(i + 1);
        if (child.lines.length > MAX_LINES) child.lines.splice(0, child.lines.length - MAX_LINES);
      }
    });
    stream?.on('end', () => {
      if (buf) child.lines.push(buf);
      buf = '';
    });
  }
  children.push(child);
  return child;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM to the child's process group, SIGKILL after `graceMs`. */
async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== undefined || child.proc.pid == null) return;
  const pid = child.proc.pid;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const done = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    signal('SIGKILL');
    await Promise.race([child.exited, sleep(2_000)]);
  }
}

function tail(child: Child, n = 30): string {
  return child.lines.slice(-n).map((l) => `    ${l}`).join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// The app

function hostHeader(port: number) {
  return `${TENANT}.localhost:${port}`;
}

async function waitHealthy(server: Child, port: number): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== undefined) {
      const text = server.lines.join('\n');
      const hint = /seed-demo/.test(text) ? '\n  (app/db/seed-demo.ts seems to be missing: the demo seed is needed)' : '';
      throw new BenchError(`the server exited (code ${server.exitCode}) before answering /healthz:\n${tail(server)}${hint}`);
    }
    try {
      const res = await request({ port, path: '/healthz', headers: { Host: hostHeader(port) }, timeoutMs: 2_000 });
      if (res.status === 200) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  throw new BenchError(`the server did not answer /healthz within ${STARTUP_TIMEOUT_MS / 1000} s:\n${tail(server)}`);
}

function csrfField(html: string): string | undefined {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
}

/** Signs in through the real form; returns the Cookie header of a signed-in browser. */
async function signIn(port: number): Promise<string> {
  const host = hostHeader(port);
  const form = await request({ port, path: '/connexion', headers: { Host: host } });
  if (form.status !== 200) throw new BenchError(`GET /connexion answered ${form.status}`);
  const csrfCookie = setCookie(form, 'preau_csrf');
  const token = csrfField(form.body);
  if (!csrfCookie || !token) throw new BenchError('GET /connexion gave no preau_csrf cookie or no _csrf field');
  const body = new URLSearchParams({ login: LOGIN, password: PASSWORD, _csrf: token }).toString();
  const res = await request({
    port,
    path: '/connexion',
    method: 'POST',
    headers: {
      Host: host,
      Origin: `http://${host}`,
      Cookie: `preau_csrf=${csrfCookie}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body,
  });
  const session = setCookie(res, 'preau_session');
  if (res.status !== 303 || !session) {
    const msg = /class="[^"]*error[^"]*"[^>]*>([^<]+)/.exec(res.body)?.[1]?.trim();
    throw new BenchError(`sign-in as ${LOGIN} failed: ${res.status}${msg ? ` (${msg})` : ''}${session ? '' : ', no preau_session cookie'}`);
  }
  return `preau_csrf=${csrfCookie}; preau_session=${session}`;
}

// ---------------------------------------------------------------------------------------------------------
// Load

async function load(label: string, args: LoadArgs): Promise<LoadResult> {
  const child = startNode(`load ${label}`, LOAD_CPU, ['test/bench/load.ts', JSON.stringify(args)], process.env);
  const limitMs = (args.warmupSeconds + args.seconds + 60) * 1000;
  const code = await Promise.race([child.exited, sleep(limitMs).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    await stopChild(child, 2_000);
    throw new BenchError(`load generator for ${label} did not finish within ${limitMs / 1000} s`);
  }
  // stdout/stderr may still be flushing after 'exit'.
  await sleep(50);
  const line = [...child.lines].reverse().find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new BenchError(`load generator for ${label} failed (code ${code}):\n${tail(child)}`);
  children.splice(children.indexOf(child), 1);
  return JSON.parse(line) as LoadResult;
}

// ---------------------------------------------------------------------------------------------------------
// Report

interface Row {
  label: string;
  kb: number;
  r: LoadResult;
  yardstick?: LoadResult;
  target?: TargetClass;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Several rounds of one target: medians of the rates and latencies, sums of the counts. */
function combine(rs: LoadResult[]): LoadResult {
  if (rs.length === 1) return rs[0];
  const statusCodes: Record<string, number> = {};
  for (const r of rs) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const sum = (f: (r: LoadResult) => number) => rs.reduce((acc, r) => acc + f(r), 0);
  const med = (f: (r: LoadResult) => number) => median(rs.map(f));
  return {
    rps: med((r) => r.rps),
    ok: sum((r) => r.ok),
    responses: sum((r) => r.responses),
    non2xx: sum((r) => r.non2xx),
    statusCodes,
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    p50: med((r) => r.p50),
    p99: med((r) => r.p99),
    max: Math.max(...rs.map((r) => r.max)),
    bytesPerResponse: med((r) => r.bytesPerResponse),
    elapsedSeconds: sum((r) => r.elapsedSeconds),
  };
}

const fmt = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

function printTable(rows: Row[]) {
  const header = ['page', 'KB', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'yardstick req/s', 'ratio', 'target', 'met'];
  const body = rows.map((row) => {
    const { r, yardstick, target } = row;
    const ratio = yardstick ? r.rps / yardstick.rps : NaN;
    const t = target ? TARGETS[target] : undefined;
    const invalid = r.non2xx > 0 || r.errors > 0;
    const met = !t || !yardstick ? '' : invalid ? 'INVALID' : ratio >= t.ratio && r.p99 <= t.p99 ? 'yes' : 'NO';
    return [
      row.label,
      fmt(row.kb, 1),
      fmt(r.rps, 0),
      fmt(r.p50, 2),
      fmt(r.p99, 2),
      String(r.non2xx + r.errors),
      yardstick ? fmt(yardstick.rps, 0) : '',
      yardstick ? `${fmt(ratio * 100, 0)} %` : '',
      t ? `≥ ${t.ratio * 100} %, p99 ≤ ${t.p99} ms` : '',
      met,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i >= 8 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const b of body) console.log(line(b));
}

function readStatus(pid: number | undefined, field: string): string {
  if (pid == null) return '?';
  try {
    const m = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? `${(Number(m[1]) / 1024).toFixed(0)} MB` : '?';
  } catch {
    return '?';
  }
}

function describeDatabase(url: string | undefined): string {
  if (!url) return 'PGlite (embedded)';
  try {
    const u = new URL(url);
    return `PostgreSQL (${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname})`;
  } catch {
    return 'PostgreSQL';
  }
}

/** Warnings and errors the server logged while being measured (LOG_LEVEL=warn: every line is one). */
function serverProblems(lines: string[]): string[] {
  return lines.filter((l) => {
    if (!l.trim()) return false;
    if (l.startsWith('{')) {
      try {
        return (JSON.parse(l) as { level?: number }).level! >= 40;
      } catch {
        return true;
      }
    }
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const ownDataDir = !process.env.BENCH_DATA_DIR;
  const dataDir = process.env.BENCH_DATA_DIR ? path.resolve(process.env.BENCH_DATA_DIR) : fs.mkdtempSync(path.join(os.tmpdir(), 'preau-bench-data-'));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'preau-bench-'));
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const pages = process.env.BENCH_ONLY ? PAGES.filter((p) => p.path === process.env.BENCH_ONLY || p.name === process.env.BENCH_ONLY) : PAGES;

  const targetsCount = pages.length * 2 * ROUNDS + (EXTRA ? 2 : 0);
  const budgetMs = STARTUP_TIMEOUT_MS * ((ARTICLES > 0 ? 6 : 1) + (MESSAGES > 0 ? 3 : 0)) + 60_000 + targetsCount * (WARMUP_SECONDS + SECONDS + 20) * 1000;
  let finished = false;
  const cleanup = async () => {
    for (const c of [...children].reverse()) await stopChild(c);
    fs.rmSync(workDir, { recursive: true, force: true });
    if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  const watchdog = setTimeout(() => {
    if (finished) return;
    console.error(`bench: over its time budget (${Math.round(budgetMs / 1000)} s), stopping`);
    void cleanup().finally(() => process.exit(1));
  }, budgetMs);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      console.error(`bench: ${sig}, stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    console.log(
      `bench: ${describeDatabase(databaseUrl)}, ${SECONDS} s per target after ${WARMUP_SECONDS} s of warm-up, ${CONNECTIONS} connections, ` +
        (PIN ? `servers on core ${SERVER_CPU}, load on core ${LOAD_CPU}` : `not pinned (${hasTaskset ? `${cores} core(s)` : 'no taskset'})`),
    );

    // 1. The app.
    const port = await freePort();
    const serverEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
    };
    if (databaseUrl) serverEnv.DEMO = 'on';
    else delete serverEnv.DATABASE_URL;
    if (ARTICLES > 0) {
      // Before the server: the embedded database admits one process at a time.
      const t0 = Date.now();
      const seeder = startNode('synthetic articles', SERVER_CPU, ['test/bench/synthetic-articles.ts', String(ARTICLES)], serverEnv);
      const code = await Promise.race([seeder.exited, sleep(STARTUP_TIMEOUT_MS * 5).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        await stopChild(seeder, 2_000);
        throw new BenchError(`inserting ${ARTICLES} synthetic articles took over ${(STARTUP_TIMEOUT_MS * 5) / 1000} s`);
      }
      await sleep(50);
      const line = [...seeder.lines].reverse().find((l) => l.startsWith('{'));
      if (code !== 0 || !line) throw new BenchError(`inserting ${ARTICLES} synthetic articles failed (code ${code}):\n${tail(seeder)}`);
      children.splice(children.indexOf(seeder), 1);
      const info = JSON.parse(line) as { written: number; liveArticles: number; matchingElevesCollege: number };
      console.log(
        `bench: ${info.written} synthetic article(s) written in ${((Date.now() - t0) / 1000).toFixed(1)} s; demo-college has ` +
          `${info.liveArticles} published articles, ${info.matchingElevesCollege} matching « eleves college »`,
      );
    }
    if (MESSAGES > 0 && pages.some((p) => p.name === 'messagerie')) {
      // The demo teacher's inbox gets its messages before the server starts (one process per PGlite).
      const t0 = Date.now();
      const seeder = startNode('synthetic messages', SERVER_CPU, ['test/bench/synthetic-messages.ts', String(MESSAGES)], serverEnv);
      const code = await Promise.race([seeder.exited, sleep(STARTUP_TIMEOUT_MS * 3).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        await stopChild(seeder, 2_000);
        throw new BenchError(`inserting ${MESSAGES} synthetic messages took over ${(STARTUP_TIMEOUT_MS * 3) / 1000} s`);
      }
      await sleep(50);
      const line = [...seeder.lines].reverse().find((l) => l.startsWith('{'));
      if (code !== 0 || !line) throw new BenchError(`inserting ${MESSAGES} synthetic messages failed (code ${code}):\n${tail(seeder)}`);
      children.splice(children.indexOf(seeder), 1);
      const info = JSON.parse(line) as { written: number; inbox: number };
      console.log(`bench: ${info.written} synthetic message(s) written in ${((Date.now() - t0) / 1000).toFixed(1)} s; the demo teacher's inbox holds ${info.inbox}`);
    }
    buildServer();
    const started = Date.now();
    const server = startNode('server', SERVER_CPU, ['dist/app/main.js', 'serve'], serverEnv);
    await waitHealthy(server, port);
    console.log(`bench: server pid ${server.proc.pid} ready on 127.0.0.1:${port} in ${((Date.now() - started) / 1000).toFixed(1)} s (DATA_DIR ${dataDir})`);
    const bootLines = server.seen;

    // 2. Sign in, 3. fetch each page once.
    const cookie = await signIn(port);
    const host = hostHeader(port);
    const html: Record<string, string> = {};
    for (const p of pages) {
      if (p.pathFrom) {
        const from = await request({ port, path: p.pathFrom.page, headers: { Host: host } });
        const found = p.pathFrom.pattern.exec(from.body)?.[1];
        if (!found) throw new BenchError(`no link for ${p.name} in ${p.pathFrom.page} (status ${from.status})`);
        p.path = found + (p.pathFrom.suffix ?? '');
      }
      const headers: Record<string, string> = { Host: host, ...p.headers };
      if (p.signedIn) headers.Cookie = cookie;
      const res: SimpleResponse = await request({ port, path: p.path, headers });
      if (res.status !== 200) throw new BenchError(`GET ${p.path} answered ${res.status}${res.headers.location ? ` → ${res.headers.location}` : ''}`);
      html[p.name] = res.body;
    }

    // 4. The yardstick, on the same core as the app.
    const pagesFile = path.join(workDir, 'pages.json');
    fs.writeFileSync(pagesFile, JSON.stringify(html));
    const basePort = await freePort();
    const baseline = startNode('yardstick', SERVER_CPU, ['test/bench/baseline-server.ts', pagesFile], { ...process.env, PORT: String(basePort), NODE_ENV: 'production' });
    const readyDeadline = Date.now() + 60_000;
    let ready: { barePort: number; pages: Record<string, { bytes: number; variables: number; identical: boolean }> } | undefined;
    while (!ready && Date.now() < readyDeadline) {
      if (baseline.exitCode !== undefined) throw new BenchError(`the yardstick server exited (code ${baseline.exitCode}):\n${tail(baseline)}`);
      const line = baseline.lines.find((l) => l.startsWith('READY '));
      if (line) ready = JSON.parse(line.slice(6));
      else await sleep(100);
    }
    if (!ready) throw new BenchError(`the yardstick server did not start:\n${tail(baseline)}`);
    for (const [name, info] of Object.entries(ready.pages)) {
      if (!info.identical) console.log(`bench: warning: the yardstick's render of ${name} differs from the app's bytes`);
    }

    // 5. Drive each page and its yardstick, alternately (BENCH_ROUNDS times; medians are reported).
    const common = { connections: CONNECTIONS, seconds: SECONDS, warmupSeconds: WARMUP_SECONDS };
    const runs = new Map<string, { app: LoadResult[]; yardstick: LoadResult[] }>(pages.map((p) => [p.name, { app: [], yardstick: [] }]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const p of pages) {
        process.stdout.write(`bench: ${ROUNDS > 1 ? `round ${round}/${ROUNDS} ` : ''}${p.path} …`);
        const yardstick = await load(`yardstick ${p.name}`, { ...common, port: basePort, path: `/t/${p.name}`, headers: {} });
        const headers: Record<string, string> = { Host: host, ...p.headers };
        if (p.signedIn) headers.Cookie = cookie;
        const r = await load(p.path, { ...common, port, path: p.path, headers });
        process.stdout.write(` ${fmt(r.rps, 0)} req/s, yardstick ${fmt(yardstick.rps, 0)} (${fmt((r.rps / yardstick.rps) * 100, 0)} %)\n`);
        runs.get(p.name)!.app.push(r);
        runs.get(p.name)!.yardstick.push(yardstick);
      }
    }
    const rows: Row[] = [];
    for (const p of pages) {
      const kb = Buffer.byteLength(html[p.name]) / 1024;
      const { app, yardstick } = runs.get(p.name)!;
      const y = combine(yardstick);
      rows.push({ label: `yardstick (${p.name}, ${ready.pages[p.name].variables} vars)`, kb, r: y });
      const notes = [p.signedIn ? 'signed in' : '', p.note ?? ''].filter(Boolean).join(', ');
      rows.push({ label: `${p.path}${notes ? ` (${notes})` : ''}`, kb, r: combine(app), yardstick: y, target: p.target });
    }
    // The homepage's variants (when BENCH_ONLY kept the homepage).
    if (EXTRA && html.home) {
      const kb = Buffer.byteLength(html.home) / 1024;
      const literal = await load('yardstick literal', { ...common, port: basePort, path: '/r/home', headers: {} });
      rows.push({ label: 'info: literal page + {{ title }}', kb, r: literal });
      const fixed = await load('fixed string', { ...common, port: basePort, path: '/s/home', headers: {} });
      rows.push({ label: 'info: Koa fixed string', kb, r: fixed });
      const bare = await load('bare node:http', { ...common, port: ready.barePort, path: '/home', headers: {} });
      rows.push({ label: 'info: bare node:http, one Buffer', kb, r: bare });
    }
    if (EXTRA) {
      // The floor a database adds: the yardstick of each page read from PostgreSQL after as many `select 1`
      // round trips as it needs at the least (one for a visitor's page, two signed in: the session, then the data).
      if (databaseUrl) {
        for (const p of pages) {
          const fromDatabase = p.signedIn || p.name.endsWith('-uncached') || p.target === 'search';
          if (!fromDatabase) continue;
          const pkb = Buffer.byteLength(html[p.name]) / 1024;
          const y = combine(runs.get(p.name)!.yardstick);
          for (const trips of p.signedIn ? [1, 2] : [1]) {
            const r = await load(`yardstick ${p.name} + ${trips} select 1`, { ...common, port: basePort, path: `/d${trips}/t/${p.name}`, headers: {} });
            rows.push({ label: `info: yardstick ${p.name} + ${trips} × select 1`, kb: pkb, r, yardstick: y });
          }
        }
      }
    }

    // 6. Report.
    console.log('');
    console.log(
      `Database: ${describeDatabase(databaseUrl)}; pinned: ${PIN ? `servers on core ${SERVER_CPU}, load on core ${LOAD_CPU}` : 'no'}; ` +
        `${CONNECTIONS} connections, ${SECONDS} s per target${ROUNDS > 1 ? `, median of ${ROUNDS} rounds` : ''}`,
    );
    console.log('');
    printTable(rows);
    if (databaseUrl && PIN) console.log('(PostgreSQL itself is not pinned: it shares the cores with the app and the load generator.)');
    console.log('');
    console.log(`Server RSS after the run: ${readStatus(server.proc.pid, 'VmRSS')} (peak ${readStatus(server.proc.pid, 'VmHWM')}); target < 250 MB per process`);
    const invalid = rows.filter((r) => r.r.non2xx > 0 || r.r.errors > 0);
    for (const row of invalid) {
      console.log(`WARNING: ${row.label}: ${row.r.non2xx} non-2xx (${JSON.stringify(row.r.statusCodes)}), ${row.r.errors} errors, ${row.r.timeouts} timeouts — this figure is not a measurement of the page`);
    }
    const problems = serverProblems(server.lines.slice(Math.max(0, server.lines.length - (server.seen - bootLines))));
    if (problems.length) {
      console.log(`Server log: ${problems.length} warning/error line(s) during the run, first ones:`);
      for (const l of problems.slice(0, 5)) console.log(`  ${l.length > 400 ? `${l.slice(0, 400)}…` : l}`);
    } else {
      console.log('Server log: no warning or error during the run.');
    }
    return 0;
  } catch (err) {
    if (err instanceof BenchError) console.error(`\nbench: ${err.message}`);
    else console.error('\nbench:', err);
    return 1;
  } finally {
    finished = true;
    clearTimeout(watchdog);
    await cleanup();
  }
}

main().then((code) => process.exit(code));
