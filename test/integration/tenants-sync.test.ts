import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemDb } from '../../app/db/index.js';
import { readTenantFiles, syncTenants, TENANTS_DIR } from '../../app/tenancy/sync.js';
import { uniq } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';

function folderWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preau-tenants-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.join(dir, path.dirname(name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('tenants/ sync', () => {
  it('the demo folder is valid: two schools under two institution portals', () => {
    const files = readTenantFiles(TENANTS_DIR);
    expect(files.map((f) => f.slug).sort()).toEqual(['academie-demo', 'demo-college', 'demo-lycee', 'region-demo']);
    expect(files.find((f) => f.slug === 'demo-college')!.parents).toEqual(['academie-demo', 'region-demo']);
  });

  it('upserts by slug, keeps ids, and the school answers on its slug and on its own hostnames', async () => {
    const slug = uniq('sync');
    const dir = folderWith({
      [`${slug}/tenant.yaml`]: `slug: ${slug}\nname: Lycée Synchronisé\nkind: lycee\nhostnames: [www.${slug}.example]\n`,
    });
    expect(await syncTenants(dir)).toEqual({ inserted: 1, updated: 0 });
    const before = await systemDb()('tenants').where({ slug }).first();
    fs.writeFileSync(path.join(dir, slug, 'tenant.yaml'), `slug: ${slug}\nname: Lycée Renommé\nkind: lycee\nhostnames: [www.${slug}.example]\n`);
    expect(await syncTenants(dir)).toEqual({ inserted: 0, updated: 1 });
    const after = await systemDb()('tenants').where({ slug }).first();
    expect(after.id).toBe(before.id);
    expect(after.name).toBe('Lycée Renommé');
    expect((await new Client(`www.${slug}.example`).get('/')).text).toContain('Lycée Renommé');
  });

  it('refuses a bad file with a message that names the file and the field', () => {
    const dir = folderWith({ 'bad-school/tenant.yaml': 'slug: bad-school\nname: X Y\nkind: universite\n' });
    expect(() => readTenantFiles(dir)).toThrow(/bad-school\/tenant\.yaml — kind:/);
    const wrongParent = folderWith({ 'a-school/tenant.yaml': 'slug: a-school\nname: École A\nkind: college\nparents: [nowhere]\n' });
    expect(() => readTenantFiles(wrongParent)).toThrow(/parent inconnu « nowhere »/);
    const missingLogo = folderWith({ 'b-school/tenant.yaml': 'slug: b-school\nname: École B\nkind: college\ntheme: { logo: logo.png }\n' });
    expect(() => readTenantFiles(missingLogo)).toThrow(/fichier de thème introuvable/);
  });
});
