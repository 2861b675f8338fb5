import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from '../paths.js';
import YAML from 'yaml';
import { ownerTx } from '../db/index.js';
import { TenantFileSchema, type TenantFile } from './tenant.js';

export const TENANTS_DIR = path.join(ROOT, 'tenants');

export class TenantFileError extends Error {}

/** Reads and validates every tenants/<slug>/tenant.yaml; a bad file names itself and its fields. */
export function readTenantFiles(dir = TENANTS_DIR): TenantFile[] {
  if (!fs.existsSync(dir)) return [];
  const files: TenantFile[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = path.join(dir, entry.name, 'tenant.yaml');
    if (!fs.existsSync(file)) continue;
    const parsed = TenantFileSchema.safeParse(YAML.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' ; ');
      throw new TenantFileError(`${path.relative(process.cwd(), file)} — ${why}`);
    }
    if (parsed.data.slug !== entry.name) {
      throw new TenantFileError(`${file}: le slug « ${parsed.data.slug} » doit être le nom du dossier « ${entry.name} »`);
    }
    for (const asset of [parsed.data.theme.logo, parsed.data.theme.banner]) {
      if (asset && !fs.existsSync(path.join(dir, entry.name, asset))) {
        throw new TenantFileError(`${file}: fichier de thème introuvable « ${asset} »`);
      }
    }
    files.push(parsed.data);
  }
  const slugs = new Set(files.map((f) => f.slug));
  for (const f of files) {
    for (const p of f.parents) {
      if (!slugs.has(p)) throw new TenantFileError(`tenants/${f.slug}/tenant.yaml: parent inconnu « ${p} »`);
    }
  }
  return files;
}

/** Upserts the tenant files (by slug, ids kept); returns how many were inserted and updated. */
export async function syncTenants(dir = TENANTS_DIR): Promise<{ inserted: number; updated: number }> {
  const files = readTenantFiles(dir);
  let inserted = 0;
  let updated = 0;
  await ownerTx(async (trx) => {
    for (const f of files) {
      const row = {
        slug: f.slug,
        name: f.name,
        uai: f.uai ?? null,
        kind: f.kind,
        hostnames: f.hostnames,
        parents: f.parents,
        contact: JSON.stringify(f.contact),
        theme: JSON.stringify(f.theme),
        updated_at: trx.fn.now(),
      };
      const existing = await trx('tenants').where('slug', f.slug).first('id');
      if (existing) {
        await trx('tenants').where('id', existing.id).update(row);
        updated++;
      } else {
        await trx('tenants').insert({ id: crypto.randomUUID(), ...row });
        inserted++;
      }
    }
  });
  return { inserted, updated };
}
