import { z } from 'zod';
import type { Knex } from 'knex';
import type { Member } from '../../auth/member.js';
import { currentTenant, db } from '../../db/index.js';
import { isUuid } from '../../lib/ids.js';
import { FUNCTION_NAMES, PROFILE_NAMES } from '../../rights/catalogue.js';
import { can } from '../../rights/policy.js';
import { rubricRolesOf, type RubricRoleRule } from '../publication/policy.js';
import { messagingSettings } from './settings-store.js';

/**
 * Who may write to whom in internal messaging (issue 5). Everything here runs in the current school's
 * transaction (row-level security): a member, class, group or rubric of another school is never found, so its
 * key is refused as unknown, exactly like a key that never existed.
 *
 * Keys: `m:<membershipId>`, `g:parents:<classId>`, `g:students:<classId>`, `g:team:<classId>` (the class's
 * teachers), `g:group:<groupId>`, `g:rubric:<rubricId>` (a rubric's mailing list), `email:<address>`.
 */
export interface RecipientOption {
  key: string;
  label: string;
  detail: string;
  kind: 'person' | 'group';
}

/**
 * What a sender may reach. The class audiences are relative to the sender's "own" classes and groups: those
 * they are in or teach, and for a guardian those of their children.
 */
export const AUDIENCES = [
  'class_students', // students of their classes and groups (and the groups "Élèves de 3A", "Groupe …")
  'class_teachers', // teachers of their classes and groups ("Équipe pédagogique 3A")
  'class_guardians', // guardians of the students of their classes and groups ("Parents de 3A")
  'own_guardians', // a student's own guardians
  'own_children', // a guardian's own children
  'staff', // every staff member of the school: profile staff or admin, or any function (head, CPE…)
  'rubric_lists', // the mailing lists of the rubrics they hold a role in
  'directory', // any member of the school, one by one (no group beyond their own classes)
] as const;
export type Audience = (typeof AUDIENCES)[number];

/** The audiences as the settings page names them (columns of « Qui peut écrire à qui »). */
export const AUDIENCE_NAMES: Readonly<Record<Audience, string>> = {
  class_students: 'Élèves de leurs classes',
  class_teachers: 'Enseignants de leurs classes',
  class_guardians: 'Parents de leurs classes',
  own_guardians: 'Leurs propres parents',
  own_children: 'Leurs propres enfants',
  staff: 'Personnels',
  rubric_lists: 'Listes de leurs rubriques',
  directory: 'Tout membre (annuaire)',
};

/**
 * The default rules of issue 5, as data: sender profile → audiences. A school may override them per profile
 * (messaging_settings.recipient_rules, edited at /admin/messagerie); a profile it did not change keeps these.
 */
export const WHO_MAY_WRITE_TO_WHOM: Readonly<Record<string, readonly Audience[]>> = {
  student: ['class_students', 'class_teachers', 'own_guardians', 'staff', 'rubric_lists'],
  guardian: ['class_teachers', 'own_children', 'staff', 'rubric_lists'],
  teacher: ['class_students', 'class_teachers', 'class_guardians', 'staff', 'rubric_lists', 'directory'],
  staff: ['class_students', 'class_teachers', 'class_guardians', 'staff', 'rubric_lists', 'directory'],
  admin: ['class_students', 'class_teachers', 'class_guardians', 'staff', 'rubric_lists', 'directory'],
};

/** The sender profiles the rules cover, in the order of the settings page, with their French row names. */
export const RULE_PROFILES: readonly { value: string; label: string }[] = [
  { value: 'student', label: 'Élèves' },
  { value: 'guardian', label: 'Parents' },
  { value: 'teacher', label: 'Enseignants' },
  { value: 'staff', label: 'Personnels' },
  { value: 'admin', label: 'Administrateurs' },
];

const profileEnum = z.enum(RULE_PROFILES.map((p) => p.value) as [string, ...string[]]);

/** A school's override as stored: `{ "<profile>": ["<audience>", …] }`, known profiles and audiences only. */
export const RecipientRulesSchema = z.partialRecord(profileEnum, z.array(z.enum(AUDIENCES)));
export type RecipientRules = Partial<Record<string, Audience[]>>;

/** The effective rules of a school: its override where it has one, the default elsewhere. */
export function effectiveRules(override: RecipientRules | null | undefined): Record<string, Audience[]> {
  const out: Record<string, Audience[]> = {};
  for (const { value } of RULE_PROFILES) out[value] = [...(override?.[value] ?? WHO_MAY_WRITE_TO_WHOM[value] ?? [])];
  return out;
}

/**
 * The override to store for a full matrix: only the profiles that differ from the default, audiences in their
 * canonical order; null when nothing differs (back to the defaults).
 */
export function overrideOf(matrix: Record<string, readonly Audience[]>): RecipientRules | null {
  const out: RecipientRules = {};
  for (const { value } of RULE_PROFILES) {
    const chosen = AUDIENCES.filter((a) => (matrix[value] ?? []).includes(a));
    const def = AUDIENCES.filter((a) => (WHO_MAY_WRITE_TO_WHOM[value] ?? []).includes(a));
    if (chosen.join() !== def.join()) out[value] = chosen;
  }
  return Object.keys(out).length ? out : null;
}

/** At most this many people per message, groups expanded: beyond, it is a broadcast (communication ciblée). */
export const MAX_RECIPIENTS = 150;

const KEY_SHAPES = {
  m: /^m:([0-9a-f-]{36})$/i,
  group: /^g:(parents|students|team|group|rubric):([0-9a-f-]{36})$/i,
  email: /^email:(.+)$/i,
};
const emailSchema = z.string().trim().toLowerCase().email().max(254);

interface Scope {
  audiences: Set<Audience>;
  classIds: string[];
  groupIds: string[];
}

/**
 * What the sender's profile may reach under the school's rules (its override, else the default): nothing
 * without the messaging right. The settings are read once per transaction (messagingSettings).
 */
async function audiencesOf(sender: Member): Promise<Set<Audience>> {
  if (!can(sender.rights, 'messaging')) return new Set();
  const override = (await messagingSettings()).recipientRules?.[sender.profile];
  return new Set(override ?? WHO_MAY_WRITE_TO_WHOM[sender.profile] ?? []);
}

/** The sender's audiences and their own classes and groups (a guardian's: their children's). */
async function scopeOf(sender: Member): Promise<Scope> {
  const audiences = await audiencesOf(sender);
  if (sender.profile !== 'guardian') {
    return { audiences, classIds: sender.classIds, groupIds: sender.groupIds };
  }
  const t = currentTenant().id;
  const { rows } = await db().raw(
    `select
       array(select cm.class_id from guardianships g join class_members cm on cm.tenant_id = g.tenant_id and cm.membership_id = g.student_id
             where g.tenant_id = ? and g.guardian_id = ?)::text[] as class_ids,
       array(select gm.group_id from guardianships g join group_members gm on gm.tenant_id = g.tenant_id and gm.membership_id = g.student_id
             where g.tenant_id = ? and g.guardian_id = ?)::text[] as group_ids`,
    [t, sender.membershipId, t, sender.membershipId],
  );
  return { audiences, classIds: rows[0].class_ids ?? [], groupIds: rows[0].group_ids ?? [] };
}

interface Sql {
  sql: string;
  bindings: Knex.RawBinding[];
}

/** Students of the given classes and groups. */
function studentsOf(classIds: string[], groupIds: string[]): Sql {
  return {
    sql: `select cm.membership_id from class_members cm join memberships s on s.tenant_id = cm.tenant_id and s.id = cm.membership_id
            where cm.tenant_id = ? and cm.class_id = any(?::uuid[]) and s.profile = 'student'
          union select gm.membership_id from group_members gm join memberships s on s.tenant_id = gm.tenant_id and s.id = gm.membership_id
            where gm.tenant_id = ? and gm.group_id = any(?::uuid[]) and s.profile = 'student'`,
    bindings: [currentTenant().id, classIds, currentTenant().id, groupIds],
  };
}

/** Teachers of the given classes and groups (their assignments, and a class's main teacher). */
function teachersOf(classIds: string[], groupIds: string[]): Sql {
  const t = currentTenant().id;
  return {
    sql: `select ta.teacher_id from teaching_assignments ta where ta.tenant_id = ? and (ta.class_id = any(?::uuid[]) or ta.group_id = any(?::uuid[]))
          union select c.main_teacher_id from classes c where c.tenant_id = ? and c.id = any(?::uuid[]) and c.main_teacher_id is not null`,
    bindings: [t, classIds, groupIds, t, classIds],
  };
}

function guardiansOf(students: Sql): Sql {
  return {
    sql: `select g.guardian_id from guardianships g where g.tenant_id = ? and g.student_id in (${students.sql})`,
    bindings: [currentTenant().id, ...students.bindings],
  };
}

const STAFF_SQL = `select id from memberships where tenant_id = ? and (profile in ('staff', 'admin') or cardinality(functions) > 0)`;

/**
 * The membership ids a sender may write to one by one, as one SQL set (null: the whole school, through the
 * directory). Never includes the sender themself; the caller filters out members who left.
 */
function allowedPeople(sender: Member, scope: Scope): Sql | null {
  const a = scope.audiences;
  if (a.has('directory')) return null;
  const t = currentTenant().id;
  const parts: Sql[] = [];
  if (a.has('class_students')) parts.push(studentsOf(scope.classIds, scope.groupIds));
  if (a.has('class_teachers')) parts.push(teachersOf(scope.classIds, scope.groupIds));
  if (a.has('class_guardians')) parts.push(guardiansOf(studentsOf(scope.classIds, scope.groupIds)));
  if (a.has('own_guardians')) parts.push({ sql: `select guardian_id from guardianships where tenant_id = ? and student_id = ?`, bindings: [t, sender.membershipId] });
  if (a.has('own_children')) parts.push({ sql: `select student_id from guardianships where tenant_id = ? and guardian_id = ?`, bindings: [t, sender.membershipId] });
  if (a.has('staff')) parts.push({ sql: STAFF_SQL, bindings: [t] });
  if (!parts.length) return { sql: `select null::uuid where false`, bindings: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(' union '), bindings: parts.flatMap((p) => p.bindings) };
}

/** A people filter for `memberships m`: allowed, still in the school, not the sender. */
function peopleFilter(sender: Member, allowed: Sql | null): Sql {
  const base = `m.tenant_id = ? and m.left_at is null and m.id <> ?`;
  const bindings: Knex.RawBinding[] = [currentTenant().id, sender.membershipId];
  if (!allowed) return { sql: base, bindings };
  return { sql: `${base} and m.id in (${allowed.sql})`, bindings: [...bindings, ...allowed.bindings] };
}

/** Lower case without accents, for matching labels ("eleve" finds "Élèves de 3A"). */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}

function personDetail(r: { profile: string; functions: string[]; classes: string | null }): string {
  const parts = [PROFILE_NAMES[r.profile] ?? r.profile];
  for (const f of r.functions ?? []) if (FUNCTION_NAMES[f]) parts.push(FUNCTION_NAMES[f]);
  if (r.classes) parts.push(r.classes);
  return parts.join(' · ');
}

const PERSON_COLUMNS = `m.id, m.first_name, m.last_name, m.profile, m.functions,
  (select string_agg(c.code, ', ' order by c.code) from class_members cm join classes c on c.tenant_id = cm.tenant_id and c.id = cm.class_id
    where cm.tenant_id = m.tenant_id and cm.membership_id = m.id) as classes`;

function personOption(r: any): RecipientOption {
  return { key: `m:${r.id}`, label: `${r.first_name} ${r.last_name}`, detail: personDetail(r), kind: 'person' };
}

interface GroupChoice extends RecipientOption {
  /** The members of the group, as SQL. */
  members: () => Sql;
}

/** The members of a rubric's list: every member a role of the rubric covers (same targets as the rights matrix). */
function rubricMembers(roles: RubricRoleRule[]): Sql {
  const t = currentTenant().id;
  const parts: Sql[] = [];
  for (const r of roles) {
    switch (r.target_type) {
      case 'school':
        parts.push({ sql: `select id from memberships where tenant_id = ?`, bindings: [t] });
        break;
      case 'profile':
        parts.push({ sql: `select id from memberships where tenant_id = ? and profile = ?`, bindings: [t, r.target_value] });
        break;
      case 'function':
        parts.push({ sql: `select id from memberships where tenant_id = ? and ? = any(functions)`, bindings: [t, r.target_value] });
        break;
      case 'membership':
        if (isUuid(r.target_value)) parts.push({ sql: `select ?::uuid`, bindings: [r.target_value] });
        break;
      case 'class':
        // As the rights see a class: its members, its teachers, and its students' guardians.
        if (isUuid(r.target_value)) {
          parts.push({ sql: `select membership_id from class_members where tenant_id = ? and class_id = ?`, bindings: [t, r.target_value] });
          parts.push(teachersOf([r.target_value], []));
          parts.push(guardiansOf(studentsOf([r.target_value], [])));
        }
        break;
      case 'group':
        if (isUuid(r.target_value)) {
          parts.push({ sql: `select membership_id from group_members where tenant_id = ? and group_id = ?`, bindings: [t, r.target_value] });
          parts.push(teachersOf([], [r.target_value]));
        }
        break;
    }
  }
  if (!parts.length) return { sql: `select null::uuid where false`, bindings: [] };
  return { sql: parts.map((p) => `(${p.sql})`).join(' union '), bindings: parts.flatMap((p) => p.bindings) };
}

interface GroupSources {
  classes: { id: string; code: string }[];
  groups: { id: string; name: string }[];
  rubrics: { id: string; name: string; visibility: 'public' | 'private'; roles: RubricRoleRule[] }[];
}

/**
 * What the groups are made of, in one round trip: the sender's classes and groups (code, name), and the rubrics
 * with their mailing list switched on and their roles (all of them, or only `rubricIds`; none when `rubricIds`
 * is empty or the sender may not write to rubric lists).
 */
async function groupSources(scope: Scope, classIds: string[], groupIds: string[], rubricIds?: string[]): Promise<GroupSources> {
  const t = currentTenant().id;
  const rubrics = scope.audiences.has('rubric_lists') && (!rubricIds || rubricIds.length > 0);
  if (!classIds.length && !groupIds.length && !rubrics) return { classes: [], groups: [], rubrics: [] };
  const { rows } = await db().raw(
    `select
       coalesce((select json_agg(json_build_object('id', c.id, 'code', c.code) order by c.code)
                 from classes c where c.tenant_id = ? and c.id = any(?::uuid[])), '[]'::json) as classes,
       coalesce((select json_agg(json_build_object('id', g.id, 'name', g.name) order by g.name)
                 from groups g where g.tenant_id = ? and g.id = any(?::uuid[])), '[]'::json) as groups,
       coalesce((select json_agg(json_build_object('id', r.id, 'name', r.name, 'visibility', r.visibility,
                   'roles', coalesce((select json_agg(json_build_object('target_type', rr.target_type, 'target_value', rr.target_value, 'role', rr.role))
                                      from rubric_roles rr where rr.tenant_id = r.tenant_id and rr.rubric_id = r.id), '[]'::json))
                   order by r.name)
                 from rubrics r
                 where ? and r.tenant_id = ? and r.mailing_list_enabled and r.archived_at is null
                   and (?::uuid[] is null or r.id = any(?::uuid[]))), '[]'::json) as rubrics`,
    [t, classIds, t, groupIds, rubrics, t, rubricIds ?? null, rubricIds ?? null],
  );
  return rows[0];
}

/**
 * Every group the sender may write to (their classes' parents, students and teaching team, their groups, their
 * rubrics' lists: those they hold a role in), or only those among `onlyKeys`.
 */
async function groupChoices(sender: Member, scope: Scope, onlyKeys?: Set<string>): Promise<GroupChoice[]> {
  const t = currentTenant().id;
  const a = scope.audiences;
  const want = (key: string) => !onlyKeys || onlyKeys.has(key);
  const out: GroupChoice[] = [];
  const anyClassGroup = a.has('class_students') || a.has('class_teachers') || a.has('class_guardians');
  const classIds = anyClassGroup ? [...new Set(scope.classIds)] : [];
  const groupIds = a.has('class_students') ? [...new Set(scope.groupIds)] : [];
  const rubricIds = onlyKeys ? [...onlyKeys].filter((k) => k.startsWith('g:rubric:')).map((k) => k.slice(9)).filter(isUuid) : undefined;
  const sources = await groupSources(scope, classIds, groupIds, rubricIds);
  for (const c of sources.classes) {
    const k = (kind: string) => `g:${kind}:${c.id}`;
    if (a.has('class_guardians') && want(k('parents'))) {
      out.push({ key: k('parents'), label: `Parents de ${c.code}`, detail: `Les responsables des élèves de ${c.code}`, kind: 'group', members: () => guardiansOf(studentsOf([c.id], [])) });
    }
    if (a.has('class_teachers') && want(k('team'))) {
      out.push({ key: k('team'), label: `Équipe pédagogique ${c.code}`, detail: `Les enseignants de ${c.code}`, kind: 'group', members: () => teachersOf([c.id], []) });
    }
    if (a.has('class_students') && want(k('students'))) {
      out.push({ key: k('students'), label: `Élèves de ${c.code}`, detail: `Tous les élèves de ${c.code}`, kind: 'group', members: () => studentsOf([c.id], []) });
    }
  }
  for (const g of sources.groups) {
    if (!want(`g:group:${g.id}`)) continue;
    out.push({
      key: `g:group:${g.id}`,
      label: `Groupe ${g.name}`,
      detail: `Les élèves et les enseignants du groupe ${g.name}`,
      kind: 'group',
      members: () => ({
        sql: `(select membership_id from group_members where tenant_id = ? and group_id = ?) union (${teachersOf([], [g.id]).sql})`,
        bindings: [t, g.id, ...teachersOf([], [g.id]).bindings],
      }),
    });
  }
  for (const r of sources.rubrics) {
    // The sender's roles in the rubric, as the publication policy computes them.
    if (rubricRolesOf(sender, { visibility: r.visibility, roles: r.roles }).size === 0) continue;
    out.push({ key: `g:rubric:${r.id}`, label: `Liste : ${r.name}`, detail: `Les membres de la rubrique ${r.name}`, kind: 'group', members: () => rubricMembers(r.roles) });
  }
  return out;
}

/** Whether the school opened external e-mail addresses to the sender (their profile, a level or a class of theirs). */
async function mayWriteExternally(sender: Member, scope: Scope): Promise<boolean> {
  if (!scope.audiences.size) return false;
  const s = await messagingSettings();
  if (s.externalProfiles.includes(sender.profile)) return true;
  if (scope.classIds.some((c) => s.externalClassIds.includes(c))) return true;
  if (!s.externalLevelIds.length || !scope.classIds.length) return false;
  const hit = await db()('classes')
    .where('tenant_id', currentTenant().id)
    .whereIn('id', scope.classIds)
    .whereIn('level_id', s.externalLevelIds)
    .first('id');
  return Boolean(hit);
}

/**
 * The people and groups the sender may write to whose name matches q (every word as a prefix of a word of a
 * person's name, or inside a group's label; accent- and case-insensitive):
 * groups first, then people by name; an e-mail address when the school opened external addresses to them.
 */
export async function searchRecipients(sender: Member, q: string, limit = 20): Promise<RecipientOption[]> {
  const words = fold(q).split(/\s+/).filter(Boolean).slice(0, 5);
  if (!words.length) return [];
  const scope = await scopeOf(sender);
  if (!scope.audiences.size) return [];
  const out: RecipientOption[] = [];
  const email = emailSchema.safeParse(q);
  if (email.success && (await mayWriteExternally(sender, scope))) {
    out.push({ key: `email:${email.data}`, label: email.data, detail: 'Adresse e-mail externe', kind: 'person' });
  }
  for (const g of await groupChoices(sender, scope)) {
    const label = fold(g.label);
    if (words.every((w) => label.includes(w))) out.push({ key: g.key, label: g.label, detail: g.detail, kind: g.kind });
  }
  const room = limit - out.length;
  // Word prefixes on the name (stored column of migration 20261123107000, the same to_tsvector as the index of
  // 20261123101100 but computed once per write, not per member at each search): letters and digits only reach
  // to_tsquery.
  const prefixes = words.flatMap((w) => w.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 8);
  if (room > 0 && prefixes.length) {
    const filter = peopleFilter(sender, allowedPeople(sender, scope));
    const { rows } = await db().raw(
      `select ${PERSON_COLUMNS} from memberships m
       where m.name_search @@ to_tsquery('preau_name', ?) and ${filter.sql}
       order by m.last_name, m.first_name, m.id limit ?`,
      [prefixes.map((p) => `${p}:*`).join(' & '), ...filter.bindings, room],
    );
    out.push(...rows.map(personOption));
  }
  return out.slice(0, limit);
}

type Resolved =
  | { key: string; ok: true; option: RecipientOption; members?: Sql; external?: string; memberId?: string }
  | { key: string; ok: false; message: string };

/** Checks each key against the rules; people and groups of another school, or forbidden ones, are unknown. */
async function resolveKeys(sender: Member, keys: string[]): Promise<Resolved[]> {
  const unique = [...new Set(keys.map((k) => String(k).trim()).filter(Boolean))];
  const unknown = (key: string, label = key): Resolved => ({ key, ok: false, message: `Destinataire inconnu : ${label}` });
  const scope = await scopeOf(sender);
  const personIds = unique.map((k) => KEY_SHAPES.m.exec(k)?.[1]?.toLowerCase()).filter((id): id is string => !!id && isUuid(id));
  const people = new Map<string, any>();
  if (personIds.length && scope.audiences.size) {
    const filter = peopleFilter(sender, allowedPeople(sender, scope));
    const { rows } = await db().raw(`select ${PERSON_COLUMNS} from memberships m where ${filter.sql} and m.id = any(?::uuid[])`, [...filter.bindings, personIds]);
    for (const r of rows) people.set(r.id, r);
  }
  const groupKeys = unique.filter((k) => KEY_SHAPES.group.test(k)).map((k) => k.toLowerCase());
  const groups = new Map<string, GroupChoice>();
  if (groupKeys.length && scope.audiences.size) {
    for (const g of await groupChoices(sender, scope, new Set(groupKeys))) groups.set(g.key, g);
  }
  const external = unique.some((k) => KEY_SHAPES.email.test(k)) ? await mayWriteExternally(sender, scope) : false;
  return unique.map((key): Resolved => {
    const m = KEY_SHAPES.m.exec(key);
    if (m) {
      const id = m[1].toLowerCase();
      // Writing to oneself is not an error: the sender is simply not a recipient.
      if (id === sender.membershipId) return { key, ok: true, option: { key, label: sender.displayName, detail: '', kind: 'person' } };
      const r = people.get(id);
      return r ? { key, ok: true, option: personOption(r), memberId: id } : unknown(key);
    }
    if (KEY_SHAPES.group.test(key)) {
      const g = groups.get(key.toLowerCase());
      return g ? { key, ok: true, option: { key: g.key, label: g.label, detail: g.detail, kind: g.kind }, members: g.members() } : unknown(key);
    }
    const e = KEY_SHAPES.email.exec(key);
    if (e) {
      const address = emailSchema.safeParse(e[1]);
      if (!address.success) return { key, ok: false, message: `Adresse e-mail invalide : ${e[1]}` };
      if (!external) return { key, ok: false, message: `Vous ne pouvez pas écrire à une adresse e-mail externe : ${address.data}` };
      return { key, ok: true, option: { key: `email:${address.data}`, label: address.data, detail: 'Adresse e-mail externe', kind: 'person' }, external: address.data };
    }
    return unknown(key);
  });
}

/**
 * The server-side check of a message's recipients on send: every key re-checked against the rules, groups
 * expanded, duplicates and the sender removed; refused beyond MAX_RECIPIENTS people.
 */
export async function expandRecipients(
  sender: Member,
  keys: string[],
): Promise<{ ok: true; memberIds: string[]; externalAddresses: string[] } | { ok: false; message: string }> {
  const resolved = await resolveKeys(sender, keys);
  const refused = resolved.find((r) => !r.ok);
  if (refused && !refused.ok) return { ok: false, message: refused.message };
  const ids = new Set<string>();
  const externals = new Set<string>();
  const sets: Sql[] = [];
  for (const r of resolved) {
    if (!r.ok) continue;
    if (r.memberId) ids.add(r.memberId);
    if (r.external) externals.add(r.external);
    if (r.members) sets.push(r.members);
  }
  if (sets.length) {
    const union = { sql: sets.map((s) => `(${s.sql})`).join(' union '), bindings: sets.flatMap((s) => s.bindings) };
    const { rows } = await db().raw(
      `select m.id from memberships m where m.tenant_id = ? and m.left_at is null and m.id in (${union.sql})`,
      [currentTenant().id, ...union.bindings],
    );
    for (const r of rows) ids.add(r.id);
  }
  ids.delete(sender.membershipId);
  const total = ids.size + externals.size;
  if (total === 0) return { ok: false, message: 'Choisissez au moins un destinataire.' };
  if (total > MAX_RECIPIENTS) {
    return {
      ok: false,
      message:
        `Un message peut avoir au plus ${MAX_RECIPIENTS} destinataires ; celui-ci en compte ${total} une fois les groupes développés. ` +
        'Pour écrire à un public plus large, utilisez la communication ciblée (Publication › Communication ciblée).',
    };
  }
  return { ok: true, memberIds: [...ids], externalAddresses: [...externals] };
}

/** Labels of the keys the sender may still write to, in the given order (others are left out). */
export async function describeRecipients(sender: Member, keys: string[]): Promise<RecipientOption[]> {
  const resolved = await resolveKeys(sender, keys);
  return resolved.flatMap((r) => (r.ok && r.key !== `m:${sender.membershipId}` ? [r.option] : []));
}
