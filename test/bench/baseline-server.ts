/**
 * The yardstick of `npm run bench` (DESIGN.md, Performance): a bare Koa server that renders, on every
 * request, a nunjucks template held in memory whose output is byte for byte a page fetched from the app.
 * No database, no session, no middleware: Koa plus one nunjucks render of a page of that size.
 *
 * Usage: PORT=<port> tsx test/bench/baseline-server.ts <pages.json>
 *   pages.json: { "<name>": "<html>", ... }
 * Routes, for each page name:
 *   /t/<name>  the yardstick: every text node of the page is a variable from an in-memory context,
 *              autoescaped (what rendering the page "from memory" costs);
 *   /r/<name>  the page as one literal with only {{ title }} substituted (a cheaper render);
 *   /s/<name>  the bytes as a fixed string, no template (Koa's ceiling, for information);
 *   /d1/<name>, /d2/<name>  (when DATABASE_URL is set) the yardstick after one, or two sequential, `select 1`
 *              round trips to PostgreSQL: the least any page that reads the database pays on this machine
 *              (a signed-in page makes two: the session, then its data).
 * and, on a second port (`barePort` in the READY line), a bare node:http server without Koa:
 *   /<name>    the bytes as one Buffer (the ceiling of any Node server answering from memory on this core).
 * Prints one line `READY <json>` on stdout once both are listening.
 */
import fs from 'node:fs';
import http from 'node:http';
import Koa from 'koa';
import nunjucks from 'nunjucks';
import pg from 'pg';
import { LOOPBACK } from './http.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '\\': '&#92;' };
const nunjucksEscape = (s: string) => s.replace(/[&"'<>\\]/g, (c) => ESCAPES[c]);
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", '#92': '\\' };
const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|#x27|#92);/g, (_m, e: string) => ENTITIES[e]);

/** Literal text inside a template: nunjucks' own delimiters are written out as strings. */
const literal = (s: string) => s.replace(/\{[{%#]/g, (m) => `{{ "${m}" }}`);

interface Built {
  template: nunjucks.Template;
  context: Record<string, unknown>;
  variables: number;
}

const env = new nunjucks.Environment([], { autoescape: true });

/** The page as a template whose text nodes come from the context. */
function textNodesTemplate(name: string, html: string): Built {
  const parts = html.split(/(<[^>]*>)/);
  const t: string[] = [];
  let src = '';
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i % 2 === 1 || part.trim() === '') {
      src += literal(part);
      continue;
    }
    const decoded = unescapeHtml(part);
    if (nunjucksEscape(decoded) === part) {
      t.push(decoded);
      src += `{{ t[${t.length - 1}] }}`;
    } else {
      t.push(part);
      src += `{{ t[${t.length - 1}] | safe }}`;
    }
  }
  return { template: new nunjucks.Template(src, env, `${name}.t`, true), context: { t }, variables: t.length };
}

/** The page as one literal with its <title> as the only variable. */
function titleOnlyTemplate(name: string, html: string): Built {
  const m = /(<title>)([^<]*)(<\/title>)/.exec(html);
  if (!m || nunjucksEscape(unescapeHtml(m[2])) !== m[2]) {
    return { template: new nunjucks.Template(literal(html), env, `${name}.r`, true), context: {}, variables: 0 };
  }
  const before = html.slice(0, m.index + m[1].length);
  const after = html.slice(m.index + m[1].length + m[2].length);
  const src = `${literal(before)}{{ title }}${literal(after)}`;
  return { template: new nunjucks.Template(src, env, `${name}.r`, true), context: { title: unescapeHtml(m[2]) }, variables: 1 };
}

const pages = JSON.parse(fs.readFileSync(process.argv[2] ?? '', 'utf8')) as Record<string, string>;
const byRoute = new Map<string, Built | string>();
const report: Record<string, { bytes: number; variables: number; identical: boolean }> = {};
for (const [name, html] of Object.entries(pages)) {
  const t = textNodesTemplate(name, html);
  const r = titleOnlyTemplate(name, html);
  byRoute.set(`/t/${name}`, t);
  byRoute.set(`/r/${name}`, r);
  byRoute.set(`/s/${name}`, html);
  report[name] = {
    bytes: Buffer.byteLength(html),
    variables: t.variables,
    identical: t.template.render(t.context) === html && r.template.render(r.context) === html,
  };
}

// The same pool size as the app's default, so the database sees the same concurrency.
const pool = process.env.DATABASE_URL ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 }) : null;

const app = new Koa();
app.use(async (ctx, next) => {
  const m = /^\/d([12])(\/t\/.+)$/.exec(ctx.path);
  if (!m || !pool) return next();
  for (let i = 0; i < Number(m[1]); i++) await pool.query('select 1');
  ctx.path = m[2];
  return next();
});
app.use((ctx) => {
  const target = byRoute.get(ctx.path);
  if (target === undefined) {
    ctx.status = 404;
    return;
  }
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = typeof target === 'string' ? target : target.template.render(target.context);
});

const bytes = new Map(Object.entries(pages).map(([name, html]) => [`/${name}`, Buffer.from(html)]));
const bare = http.createServer((req, res) => {
  const body = bytes.get(req.url ?? '');
  if (!body) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': body.length }).end(body);
});

const server = app.listen(Number(process.env.PORT ?? 0), LOOPBACK, () => {
  bare.listen(0, LOOPBACK, () => {
    const { port } = server.address() as { port: number };
    const { port: barePort } = bare.address() as { port: number };
    process.stdout.write(`READY ${JSON.stringify({ port, barePort, pages: report })}\n`);
  });
});
const stop = () => {
  bare.close();
  void pool?.end();
  server.close(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
