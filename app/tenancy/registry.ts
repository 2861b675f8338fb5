import { systemDb } from '../db/index.js';
import type { Tenant } from './tenant.js';

/**
 * Host → tenant, from memory. A miss asks the database once (a school provisioned by another process), and
 * unknown hosts are remembered briefly so a flood of junk hosts costs no query each.
 */
const byHost = new Map<string, Tenant>();
const bySlug = new Map<string, Tenant>();
const unknownUntil = new Map<string, number>();
const UNKNOWN_TTL_MS = 10_000;

export function rowToTenant(r: Record<string, any>): Tenant {
  return {
    id: r.id,
    slug: r.slug,
    name: r.name,
    uai: r.uai ?? null,
    kind: r.kind,
    hostnames: r.hostnames ?? [],
    parents: r.parents ?? [],
    contact: r.contact ?? {},
    theme: r.theme ?? {},
  };
}

function remember(t: Tenant, baseDomain: string) {
  bySlug.set(t.slug, t);
  byHost.set(`${t.slug}.${baseDomain}`, t);
  for (const h of t.hostnames) byHost.set(h, t);
}

/** Loads every tenant into memory (at start and after a sync). */
export async function loadTenants(baseDomain: string): Promise<Tenant[]> {
  const rows = await systemDb()('tenants').select('*').orderBy('slug');
  byHost.clear();
  bySlug.clear();
  unknownUntil.clear();
  const tenants = rows.map(rowToTenant);
  for (const t of tenants) remember(t, baseDomain);
  return tenants;
}

/** Normalises a Host header: lower case, no port, no trailing dot. */
export function hostOf(header: string | undefined): string {
  if (!header) return '';
  let h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h; // IPv6 literal: never a tenant
  h = h.replace(/:\d+$/, '').replace(/\.$/, '');
  return h;
}

export async function tenantForHost(host: string, baseDomain: string): Promise<Tenant | undefined> {
  const hit = byHost.get(host);
  if (hit) return hit;
  const until = unknownUntil.get(host);
  if (until && until > Date.now()) return undefined;
  if (!/^[a-z0-9.-]{1,253}$/.test(host)) return undefined;
  const suffix = `.${baseDomain}`;
  const slug = host.endsWith(suffix) ? host.slice(0, -suffix.length) : null;
  const row = await systemDb()('tenants')
    .where((q) => {
      if (slug) q.where('slug', slug);
      q.orWhereRaw('? = any(hostnames)', [host]);
    })
    .first();
  if (!row) {
    if (unknownUntil.size > 10_000) unknownUntil.clear();
    unknownUntil.set(host, Date.now() + UNKNOWN_TTL_MS);
    return undefined;
  }
  const t = rowToTenant(row);
  remember(t, baseDomain);
  return t;
}

export function tenantBySlug(slug: string): Tenant | undefined {
  return bySlug.get(slug);
}

export function knownTenants(): Tenant[] {
  return [...bySlug.values()];
}

/** The school of this id: from memory, else from the database (provisioned by another process). */
export async function tenantById(id: string): Promise<Tenant | undefined> {
  for (const t of bySlug.values()) if (t.id === id) return t;
  const row = await systemDb()('tenants').where({ id }).first();
  return row ? rowToTenant(row) : undefined;
}
