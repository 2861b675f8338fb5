import { z } from 'zod';
import { currentTenant, db } from '../../db/index.js';
import { fieldList } from '../../http/body.js';

/**
 * The audience of a targeted broadcast: a union of whole profiles (everyone, teachers, students, guardians,
 * staff) and of levels, classes and groups, where for the latter the sender picks who is reached: their
 * students, the students' guardians, their teachers. Resolved in one SQL statement to the school's current
 * members (left ones excluded); one recipient per distinct address.
 */
export const AUDIENCE_PROFILES = { teacher: 'Tous les enseignants', student: 'Tous les élèves', guardian: 'Tous les parents', staff: 'Tous les personnels' } as const;
export const SCOPE_ROLES = { student: 'leurs élèves', guardian: 'les parents de leurs élèves', teacher: 'leurs enseignants' } as const;

const list = <T extends z.ZodTypeAny>(item: T) => z.preprocess(fieldList, z.array(item).max(500));
const uuidList = list(z.string().uuid('identifiant invalide'));

export const AudienceSchema = z
  .object({
    everyone: z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()),
    profiles: list(z.enum(['teacher', 'student', 'guardian', 'staff'])),
    level_ids: uuidList,
    class_ids: uuidList,
    group_ids: uuidList,
    scope_roles: list(z.enum(['student', 'guardian', 'teacher'])),
  })
  .superRefine((a, ctx) => {
    const scoped = a.level_ids.length + a.class_ids.length + a.group_ids.length > 0;
    if (!a.everyone && !a.profiles.length && !scoped) ctx.addIssue({ code: 'custom', path: ['audience'], message: 'Choisissez au moins un public.' });
    if (scoped && !a.scope_roles.length) ctx.addIssue({ code: 'custom', path: ['scope_roles'], message: 'Choisissez qui atteindre dans les niveaux, classes ou groupes choisis.' });
  });

export type Audience = z.infer<typeof AudienceSchema>;

export class AudienceError extends Error {
  constructor(public field: string, message: string) {
    super(message);
  }
}

export interface AudienceChoices {
  levels: { id: string; name: string }[];
  classes: { id: string; code: string; name: string }[];
  groups: { id: string; code: string; name: string }[];
}

export async function audienceChoices(): Promise<AudienceChoices> {
  const tenant_id = currentTenant().id;
  const levels = await db()('levels').where({ tenant_id }).orderBy(['position', 'code']).select('id', 'name');
  const classes = await db()('classes').where({ tenant_id }).orderBy('code').select('id', 'code', 'name');
  const groups = await db()('groups').where({ tenant_id }).orderBy('code').select('id', 'code', 'name');
  return { levels, classes, groups };
}

/** Refuses ids that are not this school's levels, classes or groups (another school's are unknown here). */
export async function checkAudience(a: Audience): Promise<void> {
  const tenant_id = currentTenant().id;
  for (const [field, table, ids] of [
    ['level_ids', 'levels', a.level_ids],
    ['class_ids', 'classes', a.class_ids],
    ['group_ids', 'groups', a.group_ids],
  ] as const) {
    if (!ids.length) continue;
    const found = await db()(table).where({ tenant_id }).whereIn('id', [...new Set(ids)]).count<{ n: string }[]>('* as n');
    if (Number(found[0]!.n) !== new Set(ids).size) throw new AudienceError(field, 'Un élément choisi n’existe pas dans l’établissement.');
  }
}

/** A readable French description of the audience, for the history and the report. */
export function audienceLabel(a: Audience, choices: AudienceChoices): string {
  if (a.everyone) return 'Tout l’établissement';
  const parts: string[] = a.profiles.map((p) => AUDIENCE_PROFILES[p]);
  const named = [
    ...a.level_ids.map((id) => `niveau ${choices.levels.find((l) => l.id === id)?.name ?? '?'}`),
    ...a.class_ids.map((id) => `classe ${choices.classes.find((c) => c.id === id)?.code ?? '?'}`),
    ...a.group_ids.map((id) => `groupe ${choices.groups.find((g) => g.id === id)?.name ?? '?'}`),
  ];
  if (named.length) parts.push(`${named.join(', ')} (${a.scope_roles.map((r) => SCOPE_ROLES[r]).join(', ')})`);
  return parts.join(' ; ');
}

// The members of an audience, as one statement: $1 tenant, then the arrays and switches.
const MEMBERS_SQL = `
with scoped_classes as (
  select c.id from classes c where c.tenant_id = :t and (c.id = any(:classIds::uuid[]) or c.level_id = any(:levelIds::uuid[]))
), scoped_students as (
  select cm.membership_id as id from class_members cm join memberships m on m.tenant_id = cm.tenant_id and m.id = cm.membership_id
   where cm.tenant_id = :t and cm.class_id in (select id from scoped_classes) and m.profile = 'student'
  union
  select gm.membership_id from group_members gm join memberships m on m.tenant_id = gm.tenant_id and m.id = gm.membership_id
   where gm.tenant_id = :t and gm.group_id = any(:groupIds::uuid[]) and m.profile = 'student'
), targets as (
  select m.id from memberships m where m.tenant_id = :t and (:everyone::boolean or m.profile = any(:profiles::text[])
                                                              or (m.profile = 'admin' and 'staff' = any(:profiles::text[])))
  union
  select id from scoped_students where :withStudents::boolean
  union
  select g.guardian_id from guardianships g where g.tenant_id = :t and :withGuardians::boolean and g.student_id in (select id from scoped_students)
  union
  select ta.teacher_id from teaching_assignments ta where ta.tenant_id = :t and :withTeachers::boolean
     and (ta.class_id in (select id from scoped_classes) or ta.group_id = any(:groupIds::uuid[]))
)
select m.id, nullif(trim(m.email), '') as email from memberships m
 where m.tenant_id = :t and m.left_at is null and m.id in (select id from targets)`;

function bindings(a: Audience) {
  const scoped = a.level_ids.length + a.class_ids.length + a.group_ids.length > 0;
  return {
    t: currentTenant().id,
    classIds: a.class_ids,
    levelIds: a.level_ids,
    groupIds: a.group_ids,
    everyone: a.everyone,
    profiles: a.profiles,
    withStudents: scoped && a.scope_roles.includes('student'),
    withGuardians: scoped && a.scope_roles.includes('guardian'),
    withTeachers: scoped && a.scope_roles.includes('teacher'),
  };
}

export interface ResolvedAudience {
  /** Members reached. */
  members: number;
  /** Distinct addresses (lower-cased): one mail each. */
  addresses: string[];
  /** Members without an address. */
  withoutAddress: number;
}

export async function resolveAudience(a: Audience): Promise<ResolvedAudience> {
  const { rows } = await db().raw(MEMBERS_SQL, bindings(a));
  const addresses = new Set<string>();
  let withoutAddress = 0;
  for (const r of rows as { id: string; email: string | null }[]) {
    if (r.email) addresses.add(r.email.toLowerCase());
    else withoutAddress++;
  }
  return { members: rows.length, addresses: [...addresses], withoutAddress };
}
