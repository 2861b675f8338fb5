import { HttpError } from '../http/errors.js';
import { SERVICES, type ServiceDef } from './catalogue.js';

/** One line of a school's rights matrix. */
export interface AccessRule {
  service_key: string;
  target_type: 'school' | 'profile' | 'function' | 'class' | 'group' | 'subject';
  target_value: string;
  role: string;
}

/** What the rights need to know about a signed-in member. */
export interface Actor {
  tenantId: string;
  membershipId: string;
  profile: string;
  functions: string[];
  /** Classes the member is in, teaches, or (for a guardian) whose students they guard. */
  classIds: string[];
  groupIds: string[];
  subjectIds: string[];
}

/** Whether a rule's target covers the member. */
export function ruleMatches(rule: Pick<AccessRule, 'target_type' | 'target_value'>, actor: Actor): boolean {
  switch (rule.target_type) {
    case 'school':
      return true;
    case 'profile':
      return actor.profile === rule.target_value;
    case 'function':
      return actor.functions.includes(rule.target_value);
    case 'class':
      return actor.classIds.includes(rule.target_value);
    case 'group':
      return actor.groupIds.includes(rule.target_value);
    case 'subject':
      return actor.subjectIds.includes(rule.target_value);
    default:
      return false;
  }
}

/** service key → roles the member holds, from the school's rules (rules of another school never count). */
export function rightsOf(actor: Actor, rules: (AccessRule & { tenant_id?: string })[]): Map<string, Set<string>> {
  const rights = new Map<string, Set<string>>();
  for (const rule of rules) {
    if (rule.tenant_id && rule.tenant_id !== actor.tenantId) continue;
    if (!ruleMatches(rule, actor)) continue;
    let roles = rights.get(rule.service_key);
    if (!roles) rights.set(rule.service_key, (roles = new Set()));
    roles.add(rule.role);
  }
  return rights;
}

/** Whether the member may use the service, optionally as one of the given roles. */
export function can(rights: Map<string, Set<string>>, serviceKey: string, roles?: string[]): boolean {
  const held = rights.get(serviceKey);
  if (!held || held.size === 0) return false;
  return !roles || roles.some((r) => held.has(r));
}

/** Throws 403 unless the member may use the service (as one of the roles). */
export function authorize(rights: Map<string, Set<string>>, serviceKey: string, roles?: string[]): void {
  if (!can(rights, serviceKey, roles)) throw new HttpError(403, 'forbidden');
}

/**
 * The services a member may open and that have a page today (the catalogue's `available`; the rights matrix
 * lists the others), in catalogue order: what the navigation and the dashboard show.
 */
export function servicesFor(rights: Map<string, Set<string>>): (ServiceDef & { roles: string[] })[] {
  return SERVICES.filter((s) => s.available && can(rights, s.key)).map((s) => ({ ...s, roles: [...rights.get(s.key)!] }));
}
