import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { createApp } from '../../app/server.js';
import type { Tenant } from '../../app/tenancy/tenant.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Whether browser tests can run. In CI a missing chromium is a failure, never a skip; on a developer's
 * machine the tests skip and say how to install it.
 */
export const chromiumAvailable = fs.existsSync(CHROMIUM);
if (!chromiumAvailable) {
  if (process.env.CI) throw new Error(`chromium introuvable (${CHROMIUM}) : les tests navigateur ne peuvent pas être ignorés en CI`);
  console.warn(`Tests navigateur ignorés : chromium introuvable (${CHROMIUM}). Installez-le : apt-get install chromium`);
}

/** A real server on a free loopback port and one chromium, for the test file. */
export function useBrowser() {
  const state = {} as { browser: Browser; server: http.Server; port: number };
  beforeAll(async () => {
    if (!chromiumAvailable) return;
    state.server = createApp().listen(0, '127.0.0.1');
    await new Promise((r) => state.server.once('listening', r));
    state.port = (state.server.address() as AddressInfo).port;
    state.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await state.browser?.close();
    await new Promise((r) => (state.server ? state.server.close(r) : r(null)));
  });
  return {
    /** The school's base URL: chromium resolves *.localhost to loopback by itself. */
    url: (tenant: Pick<Tenant, 'slug'>, path = '/') => `http://${tenant.slug}.localhost:${state.port}${path}`,
    /** A new browser context and page that records CSP violations, page errors and foreign requests. */
    async newPage(opts: { width?: number } = {}): Promise<{ page: Page; context: BrowserContext; problems: string[] }> {
      const context = await state.browser.newContext({ viewport: { width: opts.width ?? 1280, height: 800 }, locale: 'fr-FR' });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
      });
      // Error answers the test did not ask for (a missing script, style or icon).
      page.on('response', (r) => {
        if (r.status() >= 400 && r.request().resourceType() !== 'document') problems.push(`${r.status()} ${r.url()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      page.on('request', (r) => {
        const host = new URL(r.url()).hostname;
        if (!host.endsWith('.localhost') && host !== '127.0.0.1') problems.push(`third-party request: ${r.url()}`);
      });
      return { page, context, problems };
    },
  };
}

/** Runs axe-core (WCAG 2.1 A and AA) on the page as it is now and expects no violation. */
export async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
  const hasAxe = await page.evaluate(() => typeof (window as any).axe !== 'undefined');
  // Evaluated through the DevTools protocol, so the page's CSP (no inline script) does not block it.
  if (!hasAxe) await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    (window as any).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const violations = (result.violations as any[]).map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n: any) => n.target.join(' ')).join(', ')}`);
  expect(violations, `axe on ${label}`).toEqual([]);
}
