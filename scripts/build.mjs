// `npm run build` (and `npm start` before serving): the TypeScript of app/ and migrations/ transpiled file by
// file into dist/, same tree, no bundling. The server then runs on plain Node: no TypeScript loader thread
// and no source kept twice (about 40 MB less resident memory than under tsx). Type checking stays with
// `npm run typecheck`; this only strips types, in well under a second.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist');
const sources = ['app', 'migrations'].flatMap((dir) =>
  fs
    .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(root, dir, f)),
);

// Each build goes to a folder of its own, then dist becomes a symbolic link to it in one rename: a file removed
// from the sources does not live on, and a process started at any moment (several servers, each through npm
// start) finds dist whole, never half written nor missing.
const suffix = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
const fresh = `${outdir}.build-${suffix}`;
await build({
  entryPoints: sources,
  outdir: fresh,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
const link = `${outdir}.link-${suffix}`;
fs.symlinkSync(path.basename(fresh), link, 'dir');
// A dist folder from before builds were linked cannot be replaced by a link in one step: it goes first, once.
if (fs.lstatSync(outdir, { throwIfNoEntry: false })?.isDirectory()) fs.rmSync(outdir, { recursive: true, force: true });
fs.renameSync(link, outdir);

// Older builds go once they are an hour old. A server started from one resolves its modules by their real
// path, and may still import from it while it starts (the demo seed): the hour leaves it time.
const current = path.basename(fs.realpathSync(outdir));
const hourAgo = Date.now() - 3600_000;
for (const name of fs.readdirSync(root)) {
  if (!name.startsWith('dist.build-') || name === current) continue;
  const stat = fs.statSync(path.join(root, name), { throwIfNoEntry: false });
  if (stat && stat.mtimeMs < hourAgo) fs.rmSync(path.join(root, name), { recursive: true, force: true });
}
