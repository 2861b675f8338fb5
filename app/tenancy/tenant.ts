import { z } from 'zod';

export const TENANT_KINDS = ['college', 'lycee', 'lycee_agricole', 'erea', 'academie', 'region', 'departement', 'draaf'] as const;
export const INSTITUTION_KINDS = new Set(['academie', 'region', 'departement', 'draaf']);

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'couleur attendue au format #rrggbb');
const fileName = z.string().regex(/^[A-Za-z0-9._-]+$/, 'nom de fichier simple attendu');

/** tenants/<slug>/tenant.yaml */
export const TenantFileSchema = z.object({
  slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, 'slug en minuscules, chiffres et tirets'),
  name: z.string().min(2).max(200),
  uai: z.string().regex(/^[0-9]{7}[A-Z]$/, 'code UAI attendu (7 chiffres et une lettre)').optional(),
  kind: z.enum(TENANT_KINDS),
  hostnames: z.array(z.string().regex(/^[a-z0-9.-]+$/)).default([]),
  parents: z.array(z.string()).default([]),
  contact: z
    .object({
      address: z.string().optional(),
      phone: z.string().optional(),
      email: z.string().email().optional(),
    })
    .default({}),
  theme: z
    .object({
      primary: colour.default('#1d4e89'),
      accent: colour.default('#8a3b12'),
      logo: fileName.optional(),
      banner: fileName.optional(),
    })
    .default({ primary: '#1d4e89', accent: '#8a3b12' }),
});

export type TenantFile = z.infer<typeof TenantFileSchema>;

/** A tenant as the server holds it in memory. */
export interface Tenant {
  id: string;
  slug: string;
  name: string;
  uai: string | null;
  kind: (typeof TENANT_KINDS)[number];
  hostnames: string[];
  parents: string[];
  contact: TenantFile['contact'];
  theme: TenantFile['theme'];
}

export function isInstitution(t: Pick<Tenant, 'kind'>): boolean {
  return INSTITUTION_KINDS.has(t.kind);
}
