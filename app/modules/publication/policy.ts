import type { Member } from '../../auth/member.js';
import { can, ruleMatches, type AccessRule } from '../../rights/policy.js';

/**
 * Who may do what in a rubric. The head of school and the administrators (the `publication` service as
 * manager) manage every rubric; otherwise the rubric's own roles decide: manager (edits the rubric, publishes,
 * sends back), contributor (writes, submits), reader (reads a private rubric). Every check starts from the
 * member's own school: rubrics and roles of another school are never loaded for them in the first place.
 */
export type RubricRole = 'manager' | 'contributor' | 'reader';

export interface RubricRoleRule {
  target_type: 'school' | 'profile' | 'function' | 'class' | 'group' | 'membership';
  target_value: string;
  role: RubricRole;
}

export interface RubricForPolicy {
  visibility: 'public' | 'private';
  archived_at?: Date | string | null;
  roles: RubricRoleRule[];
}

// A rubric role targets what a rule of the rights matrix targets, or one named member.
function covers(rule: RubricRoleRule, m: Member): boolean {
  if (rule.target_type === 'membership') return m.membershipId === rule.target_value;
  return ruleMatches(rule as Pick<AccessRule, 'target_type' | 'target_value'>, m);
}

/** Whether the member manages all publication of the school (head of school, administrators by default). */
export function isPublicationManager(m: Member | undefined): boolean {
  return !!m && can(m.rights, 'publication', ['manager']);
}

/** The member's roles in a rubric (a publication manager is manager of every rubric). */
export function rubricRolesOf(m: Member | undefined, rubric: RubricForPolicy): Set<RubricRole> {
  const roles = new Set<RubricRole>();
  if (!m) return roles;
  if (isPublicationManager(m)) roles.add('manager');
  for (const rule of rubric.roles) if (covers(rule, m)) roles.add(rule.role);
  return roles;
}

/** A public rubric is open to everyone; a private one to those holding any role in it. */
export function canReadRubric(m: Member | undefined, rubric: RubricForPolicy): boolean {
  if (rubric.visibility === 'public') return true;
  return rubricRolesOf(m, rubric).size > 0;
}

/** Writing drafts and submitting them: contributors and managers, in a rubric that is not archived. */
export function canWriteIn(m: Member | undefined, rubric: RubricForPolicy): boolean {
  if (rubric.archived_at) return false;
  const roles = rubricRolesOf(m, rubric);
  return roles.has('contributor') || roles.has('manager');
}

/** Publishing, scheduling, sending back, archiving: the rubric's managers. */
export function canPublishIn(m: Member | undefined, rubric: RubricForPolicy): boolean {
  return !rubric.archived_at && rubricRolesOf(m, rubric).has('manager');
}

/** Editing the rubric itself (name, visibility, roles, position, archive): its managers. */
export function canManageRubric(m: Member | undefined, rubric: RubricForPolicy): boolean {
  return rubricRolesOf(m, rubric).has('manager');
}

/**
 * Editing an article: the rubric's managers always; its author while it is a draft or submitted (a
 * published article changes only through a manager).
 */
export function canEditArticle(
  m: Member | undefined,
  article: { author_id: string | null; status: string },
  rubric: RubricForPolicy,
): boolean {
  if (!m) return false;
  if (canPublishIn(m, rubric)) return true;
  return canWriteIn(m, rubric) && article.author_id === m.membershipId && (article.status === 'draft' || article.status === 'submitted');
}
