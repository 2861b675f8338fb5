import fs from 'node:fs';
import path from 'node:path';
import Router from '@koa/router';
import { TENANTS_DIR } from './sync.js';

const MIME: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

/** The school's theme: colours as CSS custom properties (a file, so the CSP needs no inline style) and logo. */
export const tenantAssetsRouter = new Router();

tenantAssetsRouter.get('/theme.css', (ctx) => {
  const { theme } = ctx.state.tenant;
  ctx.type = 'text/css; charset=utf-8';
  ctx.set('Cache-Control', 'public, max-age=300');
  ctx.body = `:root{--primary:${theme.primary ?? '#1d4e89'};--accent:${theme.accent ?? '#8a3b12'}}\n`;
});

tenantAssetsRouter.get('/theme/:asset', (ctx) => {
  const { slug, theme } = ctx.state.tenant;
  const file = ctx.params.asset === 'logo' ? theme.logo : ctx.params.asset === 'banner' ? theme.banner : undefined;
  if (!file) return; // 404 page
  const full = path.join(TENANTS_DIR, slug, path.basename(file));
  if (!fs.existsSync(full)) return;
  ctx.type = MIME[path.extname(full).toLowerCase()] ?? 'application/octet-stream';
  ctx.set('Cache-Control', 'public, max-age=3600');
  ctx.set('X-Content-Type-Options', 'nosniff');
  // An SVG opened on its own must not run anything.
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  ctx.body = fs.createReadStream(full);
});
