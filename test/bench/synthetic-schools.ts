/**
 * `node --import tsx test/bench/synthetic-schools.ts <schools>`: brings the database to <schools> schools
 * (institutions not counted) for the homepage's flatness measure (test/bench/homepage-flatness.ts). The extra
 * schools go through the tenants sync (app/tenancy/sync.ts, the code that loads tenants/<slug>/tenant.yaml):
 * a temporary copy of tenants/ plus one directory per extra school, each depending on the demo académie and
 * région like demo-college; each gets a public rubric with ARTICLES live articles (written as the owner).
 * Run BEFORE the server (PGlite admits one process); migrates and seeds the demo itself when needed.
 * Idempotent. Prints one JSON line.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { config } from '../../app/config.js';
import { openAndUse, prepare } from '../../app/boot.js';
import { ownerTenantTx, systemDb } from '../../app/db/index.js';
import { demoIsSeeded, seedDemo } from '../../app/db/seed-demo.js';
import { newId } from '../../app/lib/ids.js';
import { syncTenants, TENANTS_DIR } from '../../app/tenancy/sync.js';
import { INSTITUTION_KINDS } from '../../app/tenancy/tenant.js';

const ARTICLES = 12;
const DAY = 24 * 3600 * 1000;

async function main(): Promise<void> {
  const total = Number(process.argv[2]);
  if (!Number.isInteger(total) || total < 1 || total > 20_000) throw new Error('usage: synthetic-schools.ts <schools between 1 and 20000>');
  const cfg = config();
  const database = await openAndUse(cfg);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preau-bench-tenants-'));
  try {
    await prepare(database, cfg);
    if (cfg.demo && !(await demoIsSeeded())) await seedDemo();
    const institutions = INSTITUTION_KINDS;
    const existing: { slug: string; kind: string }[] = await systemDb()('tenants').select('slug', 'kind');
    const schools = existing.filter((t) => !institutions.has(t.kind)).length;
    const missing = Math.max(0, total - schools);
    fs.cpSync(TENANTS_DIR, dir, { recursive: true });
    const started = Date.now();
    const made: string[] = [];
    for (let i = 1, n = 0; n < missing; i++) {
      const slug = `bench-ecole-${String(i).padStart(5, '0')}`;
      if (existing.some((t) => t.slug === slug)) continue;
      fs.mkdirSync(path.join(dir, slug));
      fs.writeFileSync(
        path.join(dir, slug, 'tenant.yaml'),
        `slug: ${slug}\nname: École de banc d’essai n° ${i}\nkind: college\nhostnames: []\nparents: [academie-demo, region-demo]\n` +
          `contact:\n  address: ${i} rue de l’École, 57000 Metz\n  phone: 03 87 00 00 00\n  email: ecole${i}@ac-demo.fr\ntheme:\n  primary: "#1d4f91"\n  accent: "#8a3b12"\n`,
      );
      made.push(slug);
      n++;
    }
    const synced = await syncTenants(dir);
    const at = Date.now();
    for (const slug of made) {
      const tenant = await systemDb()('tenants').where({ slug }).first('id', 'slug');
      await ownerTenantTx(tenant, async (trx) => {
        const rubricId = newId();
        await trx('rubrics').insert({ tenant_id: tenant.id, id: rubricId, slug: 'vie-de-l-ecole', name: 'Vie de l’école', description: '', position: 1, visibility: 'public' });
        const rows = Array.from({ length: ARTICLES }, (_, k) => {
          const publishAt = new Date(at - (k + 1) * DAY);
          return {
            tenant_id: tenant.id, id: newId(), rubric_id: rubricId, title: `Nouvelle ${k + 1} de ${slug}`, slug: `nouvelle-${k + 1}`, summary: 'Un résumé court.',
            body_html: '<p>Texte.</p>', body_text: 'Texte.', status: 'published', publish_at: publishAt, published_at: publishAt, created_at: publishAt, updated_at: publishAt,
          };
        });
        await trx('articles').insert(rows);
      });
    }
    await ownerTenantTx((await systemDb()('tenants').where({ slug: 'demo-college' }).first('id', 'slug'))!, (trx) => trx.raw('analyze'));
    const count = (await systemDb()('tenants').whereNotIn('kind', [...institutions]).count('* as n'))[0].n;
    console.log(JSON.stringify({ schools: Number(count), inserted: synced.inserted, seconds: (Date.now() - started) / 1000 }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await database.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
