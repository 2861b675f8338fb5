import { beforeAll, describe, expect, it } from 'vitest';
import { installDefaultRules } from '../../app/boot.js';
import { config } from '../../app/config.js';
import { DEMO_PASSWORD, demoIsSeeded, seedDemo } from '../../app/db/seed-demo.js';
import { SERVICES } from '../../app/rights/catalogue.js';
import { loadTenants } from '../../app/tenancy/registry.js';
import { syncTenants } from '../../app/tenancy/sync.js';
import { Client } from '../fixtures/http.js';

// The signed-in navigation and the dashboard link only to pages that exist: for each demo profile of
// demo-college, every link of « Mes services » (the navigation and the dashboard's cards) is followed.

const COLLEGE = { slug: 'demo-college' };
const PROFILES = ['eleve.3a', 'parent.3a', 'prof.maths', 'direction', 'admin'];

beforeAll(async () => {
  // One database per run on PostgreSQL: another file may have loaded the demo already.
  if (await demoIsSeeded()) return;
  await syncTenants();
  await installDefaultRules(await loadTenants(config().publicBaseDomain));
  await seedDemo();
}, 300_000);

async function signedIn(login: string): Promise<Client> {
  const c = Client.for(COLLEGE);
  const res = await c.signIn(login, DEMO_PASSWORD);
  expect(res.status, `connexion de ${login}`).toBe(303);
  return c;
}

/** The hrefs inside the first element that `open` starts, up to the first `close` after it. */
function hrefsIn(html: string, open: string, close: string): string[] {
  const start = html.indexOf(open);
  expect(start, `${open} absent de la page`).toBeGreaterThanOrEqual(0);
  const end = html.indexOf(close, start);
  return [...html.slice(start, end).matchAll(/href="([^"]+)"/g)].map((m) => m[1].replaceAll('&amp;', '&'));
}

describe('the links of « Mes services »', () => {
  it.each(PROFILES)('for %s, every link of the navigation and of the dashboard answers a page (no 404)', async (login) => {
    const c = await signedIn(login);
    const espace = await c.get('/espace');
    expect(espace.status).toBe(200);
    const nav = hrefsIn(espace.text, '<nav class="services-nav"', '</nav>');
    const cards = hrefsIn(espace.text, '<section aria-labelledby="services-title">', '</section>');
    expect(nav).toContain('/espace');
    expect(nav).toContain('/preferences/sessions');
    // The dashboard's cards are the navigation's services, nothing more.
    for (const href of cards) expect(nav).toContain(href);
    const answers: Record<string, number> = {};
    for (const href of new Set([...nav, ...cards])) answers[href] = (await c.get(href)).status;
    // No dead link (404), and no link to a page the member may not open either.
    const broken = Object.entries(answers).filter(([, status]) => status >= 400);
    expect(broken, JSON.stringify(answers)).toEqual([]);
    // Every profile may open at least the messaging of the demo.
    expect(nav).toContain('/messagerie');
  });

  it('shows a student and a parent none of the services still to come', async () => {
    for (const login of ['eleve.3a', 'parent.3a']) {
      const page = (await (await signedIn(login)).get('/espace')).text;
      for (const s of SERVICES.filter((x) => !x.available)) {
        expect(page, `${login} : ${s.name}`).not.toContain(`href="${s.path}"`);
        expect(page).not.toContain(`>${s.name}<`);
      }
    }
  });
});

describe('the catalogue’s `available`', () => {
  it('is true exactly for the services whose address the application answers', async () => {
    const c = await signedIn('admin');
    const seen = [];
    for (const s of SERVICES) seen.push({ key: s.key, available: s.available, answered: (await c.get(s.path)).status !== 404 });
    expect(seen).toEqual(SERVICES.map((s) => ({ key: s.key, available: s.available, answered: s.available })));
  });
});

describe('/admin/services', () => {
  it('still lists every service, marks those still to come « Bientôt disponible » and links none of them', async () => {
    const page = await (await signedIn('admin')).get('/admin/services');
    expect(page.status).toBe(200);
    for (const s of SERVICES) {
      const start = page.text.indexOf(`<section class="service-rules" id="service-${s.key}"`);
      expect(start, s.key).toBeGreaterThanOrEqual(0);
      const block = page.text.slice(start, page.text.indexOf('</section>', start));
      expect(block).toContain(s.name);
      if (s.available) {
        expect(block).toContain(`href="${s.path}"`);
        expect(block).not.toContain('Bientôt disponible');
      } else {
        expect(block).toContain('Bientôt disponible');
        expect(block).not.toContain(`href="${s.path}"`);
        expect(page.text).toContain(`${s.name} (bientôt disponible)</a>`);
      }
    }
    expect(page.text).not.toMatch(new RegExp(`href="(${SERVICES.filter((s) => !s.available).map((s) => s.path).join('|')})"`));
  });
});
