import type { Knex } from 'knex';
import { z } from 'zod';
import { db, currentTenant } from '../db/index.js';
import { newId } from '../lib/ids.js';
import { recordAudit } from '../lib/audit.js';
import { SERVICES, SERVICES_BY_KEY } from './catalogue.js';
import { AccessRule } from './access-rule.js';

type Target = [AccessRule['target_type'], string];
const school: Target = ['school', ''];
const fn = (f: string): Target => ['function', f];
const profile = (p: string): Target => ['profile', p];

/** The usual matrix of a French secondary school, given to every school that has no rule yet. */
export const DEFAULT_SCHOOL_RULES: Record<string, [Target, string][]> = {
  messaging: [[school, 'user']],
  lesson_log: [[fn('head'), 'manager'], [profile('teacher'), 'teacher'], [fn('cpe'), 'reader'], [profile('student'), 'reader'], [profile('guardian'), 'reader']],
  homework: [[fn('head'), 'manager'], [profile('teacher'), 'teacher'], [profile('student'), 'student'], [profile('guardian'), 'guardian']],
  timetable: [[fn('head'), 'manager'], [school, 'user']],
  roll_call: [[fn('head'), 'manager'], [fn('cpe'), 'manager'], [fn('supervisor'), 'manager'], [profile('teacher'), 'teacher']],
  absences: [[fn('head'), 'manager'], [fn('cpe'), 'manager'], [fn('supervisor'), 'manager'], [profile('teacher'), 'read'], [profile('student'), 'student'], [profile('guardian'), 'guardian']],
  grades: [[fn('head'), 'manager'], [fn('cpe'), 'read'], [profile('teacher'), 'teacher'], [profile('student'), 'student'], [profile('guardian'), 'guardian']],
  punishments: [[fn('head'), 'manager'], [fn('cpe'), 'manager'], [fn('supervisor'), 'manager'], [profile('teacher'), 'teacher'], [profile('student'), 'read_own'], [profile('guardian'), 'read_own']],
  directory: [[profile('admin'), 'manager'], [school, 'user']],
  publication: [[fn('head'), 'manager'], [profile('admin'), 'manager'], [profile('teacher'), 'contributor']],
  mailing: [[fn('head'), 'manager'], [profile('admin'), 'manager']],
  mobile: [[school, 'user']],
  admin: [[profile('admin'), 'manager'], [fn('head'), 'manager']],
};

/** Institution portals publish news; their staff write, their admins administer. */
export const DEFAULT_INSTITUTION_RULES: Record<string, [Target, string][]> = {
  messaging: [[school, 'user']],
  directory: [[school, 'user']],
  publication: [[profile('admin'), 'manager'], [profile('staff'), 'contributor']],
  mailing: [[profile('admin'), 'manager']],
  admin: [[profile('admin'), 'manager']],
};

/** Gives a school its default matrix if it has no rule at all (a new school); returns the rules inserted. */
export async function defaultRulesInstaller(trx: Knex.Transaction, tenantId: string, institution: boolean): Promise<number> {
  const [{ n }] = await trx('access_rules').where('tenant_id', tenantId).count({ n: '*' });
  if (Number(n) > 0) return 0;
  const defaults = institution ? DEFAULT_INSTITUTION_RULES : DEFAULT_SCHOOL_RULES;
  const rows = Object.entries(defaults).flatMap(([service_key, rules]) =>
    rules.map(([[target_type, target_value], role]) => ({ tenant_id: tenantId, id: newId(), service_key, target_type, target_value, role })),
  );
  await trx('access_rules').insert(rows);
  return rows.length;
}

/** Every rule of the current school. */
export async function listRules(): Promise<AccessRule[]> {
  return AccessRule.scoped().orderBy(['service_key', 'target_type', 'target_value', 'role']);
}

export const RuleCreateSchema = z
  .object({
    target_type: z.enum(['school', 'profile', 'function', 'class', 'group', 'subject'], { message: 'Choisissez à qui s’applique la règle.' }),
    target_value: z.string().trim().max(100).default(''),
    role: z.string().trim().min(1, 'Choisissez un rôle.'),
  })
  .superRefine((v, ctx) => {
    if (v.target_type !== 'school' && !v.target_value) {
      ctx.addIssue({ code: 'custom', path: ['target_value'], message: 'Précisez la cible de la règle.' });
    }
  });

export class RuleError extends Error {
  constructor(public field: string, message: string) {
    super(message);
  }
}

/** Adds a rule to a service of the current school, checking that its target exists here; audited. */
export async function ruleAdder(input: {
  serviceKey: string;
  rule: z.infer<typeof RuleCreateSchema>;
  actor: { accountId: string; membershipId: string };
  ip?: string;
}): Promise<string> {
  const service = SERVICES_BY_KEY.get(input.serviceKey);
  if (!service) throw new RuleError('service', 'Service inconnu.');
  const { target_type, role } = input.rule;
  const target_value = target_type === 'school' ? '' : input.rule.target_value;
  if (!service.roles.includes(role)) throw new RuleError('role', 'Ce rôle n’existe pas pour ce service.');
  const tenantId = currentTenant().id;
  const table = { class: 'classes', group: 'groups', subject: 'subjects' }[target_type as string];
  if (table) {
    const found = await db()(table).where({ tenant_id: tenantId, id: target_value }).first('id');
    if (!found) throw new RuleError('target_value', 'Cette cible n’existe pas dans l’établissement.');
  }
  if (target_type === 'profile' && !['student', 'guardian', 'teacher', 'staff', 'admin'].includes(target_value)) {
    throw new RuleError('target_value', 'Profil inconnu.');
  }
  if (target_type === 'function' && !['head', 'cpe', 'supervisor', 'librarian', 'nurse', 'social_worker', 'psychologist'].includes(target_value)) {
    throw new RuleError('target_value', 'Fonction inconnue.');
  }
  const exists = await AccessRule.scoped().findOne({ service_key: service.key, target_type, target_value, role });
  if (exists) throw new RuleError('role', 'Cette règle existe déjà.');
  const id = newId();
  await AccessRule.query(db()).insert({ tenant_id: tenantId, id, service_key: service.key, target_type, target_value, role });
  await recordAudit({
    action: 'rights.rule_added',
    actorAccountId: input.actor.accountId,
    actorMembershipId: input.actor.membershipId,
    subjectType: 'access_rule',
    subjectId: id,
    details: { service: service.key, target_type, target_value, role },
    ip: input.ip,
  });
  return id;
}

/** Removes a rule of the current school; false when no such rule exists here. Audited. */
export async function ruleRemover(input: {
  serviceKey: string;
  ruleId: string;
  actor: { accountId: string; membershipId: string };
  ip?: string;
}): Promise<boolean> {
  const rule = await AccessRule.scoped().findOne({ id: input.ruleId, service_key: input.serviceKey });
  if (!rule) return false;
  await AccessRule.scoped().where({ id: rule.id }).delete();
  await recordAudit({
    action: 'rights.rule_removed',
    actorAccountId: input.actor.accountId,
    actorMembershipId: input.actor.membershipId,
    subjectType: 'access_rule',
    subjectId: input.ruleId,
    details: { service: rule.service_key, target_type: rule.target_type, target_value: rule.target_value, role: rule.role },
    ip: input.ip,
  });
  return true;
}

export { SERVICES };
