import { currentTenant, db } from '../../db/index.js';
import type { RubricForPolicy, RubricRoleRule } from './policy.js';

export interface Rubric extends RubricForPolicy {
  id: string;
  parent_id: string | null;
  slug: string;
  name: string;
  description: string;
  position: number;
  visibility: 'public' | 'private';
  archived_at: Date | null;
  roles: RubricRoleRule[];
}

// A rubric and its roles in one query, always through the current school.
const WITH_ROLES = `
select r.*, coalesce((select json_agg(json_build_object('target_type', rr.target_type, 'target_value', rr.target_value,
                                                         'role', rr.role))
                      from rubric_roles rr where rr.tenant_id = r.tenant_id and rr.rubric_id = r.id), '[]'::json) as roles
from rubrics r where r.tenant_id = ?`;

/** The rubric of this slug in the current school, with its roles; undefined when there is none. */
export async function rubricBySlug(slug: string): Promise<Rubric | undefined> {
  const { rows } = await db().raw(`${WITH_ROLES} and r.slug = ?`, [currentTenant().id, slug]);
  return rows[0];
}

/** The rubric of this id in the current school, with its roles; undefined when there is none. */
export async function rubricById(id: string): Promise<Rubric | undefined> {
  const { rows } = await db().raw(`${WITH_ROLES} and r.id = ?`, [currentTenant().id, id]);
  return rows[0];
}

/** Every rubric of the current school with its roles, in tree order (parents before children, by position). */
export async function allRubrics(): Promise<Rubric[]> {
  const { rows } = await db().raw(`${WITH_ROLES} order by r.position, r.name`, [currentTenant().id]);
  const byParent = new Map<string | null, Rubric[]>();
  for (const r of rows as Rubric[]) {
    const list = byParent.get(r.parent_id) ?? [];
    list.push(r);
    byParent.set(r.parent_id, list);
  }
  const ordered: Rubric[] = [];
  const walk = (parent: string | null) => {
    for (const r of byParent.get(parent) ?? []) {
      ordered.push(r);
      walk(r.id);
    }
  };
  walk(null);
  return ordered;
}

/**
 * The SQL condition of an article visible to visitors at a time: published, not in the trash, its
 * publication time reached and its expiry not. `a` is the articles alias.
 */
export const LIVE_ARTICLE = `a.status = 'published' and a.deleted_at is null and a.publish_at <= ? and (a.expire_at is null or a.expire_at > ?)`;
