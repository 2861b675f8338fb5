import { beforeAll, describe, expect, it } from 'vitest';
import { memberForSession, type Member } from '../../app/auth/member.js';
import { sessionCreator } from '../../app/auth/session.js';
import { ownerTenantTx, ownerTx, tenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import { describeRecipients, expandRecipients, MAX_RECIPIENTS, searchRecipients } from '../../app/modules/messaging/recipients.js';
import { externalAccessSetter } from '../../app/modules/messaging/settings-store.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { addGuardianship, addToClass, buildClass, buildMember, buildTenant, uniq, type BuiltMember } from '../fixtures/factories.js';
import { buildRubric } from '../fixtures/publication-public.js';

/** The member as a request sees it (ctx.state.member), through a real session. */
async function memberOf(b: BuiltMember): Promise<Member> {
  const { session } = await tenantTx(b.tenant, () => sessionCreator({ accountId: b.accountId, membershipId: b.membershipId, profile: 'x' }));
  const m = await memberForSession(b.tenant, session.id);
  if (!m) throw new Error('no member');
  return m;
}

async function teach(tenant: Tenant, teacherId: string, target: { classId?: string; groupId?: string }) {
  await ownerTenantTx(tenant, async (trx) => {
    let subject = await trx('subjects').where({ tenant_id: tenant.id, code: 'FR' }).first();
    if (!subject) {
      subject = { tenant_id: tenant.id, id: newId(), code: 'FR', name: 'Français' };
      await trx('subjects').insert(subject);
    }
    await trx('teaching_assignments').insert({
      tenant_id: tenant.id, id: newId(), teacher_id: teacherId, subject_id: subject.id, class_id: target.classId ?? null, group_id: target.groupId ?? null,
    });
  });
}

async function buildGroup(tenant: Tenant, name: string, memberIds: string[]) {
  const id = newId();
  await ownerTenantTx(tenant, async (trx) => {
    await trx('groups').insert({ tenant_id: tenant.id, id, code: uniq('G').slice(0, 10), name });
    if (memberIds.length) await trx('group_members').insert(memberIds.map((m) => ({ tenant_id: tenant.id, group_id: id, membership_id: m })));
  });
  return { id, name };
}

/** Many students at once (accounts and memberships in two statements), added to a class. */
async function buildStudents(tenant: Tenant, classId: string, n: number): Promise<string[]> {
  const accounts = Array.from({ length: n }, (_, i) => ({ id: newId(), login: uniq(`eleve${i}`), password_hash: 'x' }));
  await ownerTx((trx) => trx.batchInsert('accounts', accounts, 500));
  const ids = accounts.map(() => newId());
  await ownerTenantTx(tenant, async (trx) => {
    await trx.batchInsert('memberships', ids.map((id, i) => ({ tenant_id: tenant.id, id, account_id: accounts[i].id, profile: 'student', first_name: 'Élève', last_name: `N${i}` })), 500);
    await trx.batchInsert('class_members', ids.map((id) => ({ tenant_id: tenant.id, class_id: classId, membership_id: id })), 500);
  });
  return ids;
}

type Name = 'studentA1' | 'studentA2' | 'studentB1' | 'guardianA' | 'guardianB' | 'teacherA' | 'teacherB' | 'cpe' | 'admin' | 'head';

interface World {
  school: Tenant;
  other: Tenant;
  b: Record<Name, BuiltMember>;
  m: Record<Name, Member>;
  mainTeacher: BuiltMember;
  c3A: { id: string; code: string };
  c3B: { id: string; code: string };
  otherSchoolMember: BuiltMember;
  otherSchoolClass: { id: string };
  latin: { id: string };
  list: { id: string };
  quietRubric: { id: string };
}

let w: World;

beforeAll(async () => {
  const school = await buildTenant();
  const other = await buildTenant();
  const c3A = await buildClass(school, '3A');
  const c3B = await buildClass(school, '3B');
  const mk = (profile: string, firstName: string, lastName: string, functions: string[] = []) => buildMember(school, { profile, firstName, lastName, functions });
  const b: Record<Name, BuiltMember> = {
    studentA1: await mk('student', 'Léa', 'Martin'),
    studentA2: await mk('student', 'Éloïse', 'Lefèvre'),
    studentB1: await mk('student', 'Éloïse', 'Bernard'),
    guardianA: await mk('guardian', 'Paul', 'Martin'),
    guardianB: await mk('guardian', 'Anne', 'Bernard'),
    teacherA: await mk('teacher', 'Jean', 'Professeur'),
    teacherB: await mk('teacher', 'Marie', 'Enseignante'),
    cpe: await mk('staff', 'Claire', 'Vie-Scolaire', ['cpe']),
    admin: await mk('admin', 'Alex', 'Gestion'),
    head: await mk('staff', 'Hélène', 'Principale', ['head']),
  };
  await addToClass(school, c3A.id, b.studentA1.membershipId);
  await addToClass(school, c3A.id, b.studentA2.membershipId);
  await addToClass(school, c3B.id, b.studentB1.membershipId);
  await addGuardianship(school, b.guardianA.membershipId, b.studentA1.membershipId);
  await addGuardianship(school, b.guardianB.membershipId, b.studentB1.membershipId);
  await teach(school, b.teacherA.membershipId, { classId: c3A.id });
  await teach(school, b.teacherB.membershipId, { classId: c3B.id });
  // 3A's main teacher, who teaches no lesson there: part of its teaching team too.
  const mainTeacher = await mk('teacher', 'Pierre', 'Principal');
  await ownerTenantTx(school, (trx) => trx('classes').where({ tenant_id: school.id, id: c3A.id }).update({ main_teacher_id: mainTeacher.membershipId }));
  // A group crossing classes: studentA1 and studentB1, taught by teacherB.
  const latin = await buildGroup(school, 'Latin', [b.studentA1.membershipId, b.studentB1.membershipId]);
  await teach(school, b.teacherB.membershipId, { groupId: latin.id });
  // A rubric whose list is on, for class 3A; another whose list is off.
  const list = await buildRubric(school, { name: 'Club théâtre', visibility: 'private', roles: [{ target_type: 'class', target_value: c3A.id, role: 'reader' }] });
  const quietRubric = await buildRubric(school, { name: 'Club échecs', visibility: 'private', roles: [{ target_type: 'school', target_value: '', role: 'reader' }] });
  await ownerTenantTx(school, (trx) => trx('rubrics').where({ tenant_id: school.id, id: list.id }).update({ mailing_list_enabled: true }));
  // Another school, with a member of the same name as one here and a class of the same code.
  const otherSchoolMember = await buildMember(other, { profile: 'student', firstName: 'Éloïse', lastName: 'Lefèvre' });
  const otherSchoolClass = await buildClass(other, '3A');
  await addToClass(other, otherSchoolClass.id, otherSchoolMember.membershipId);
  const m = {} as Record<Name, Member>;
  for (const k of Object.keys(b) as Name[]) m[k] = await memberOf(b[k]);
  w = { school, other, b, m, mainTeacher, c3A, c3B, otherSchoolMember, otherSchoolClass, latin, list, quietRubric };
});

const expand = (sender: Name, keys: string[]) => tenantTx(w.school, () => expandRecipients(w.m[sender], keys));
const search = (sender: Name, q: string) => tenantTx(w.school, () => searchRecipients(w.m[sender], q));

// Every profile pair: the sender, the recipient, whether it is allowed (issue 5's defaults).
const PEOPLE: [Name, Name | 'otherSchool', boolean][] = [
  // A student: students and teachers of their classes and groups, their guardians, the staff.
  ['studentA1', 'studentA2', true], // same class
  ['studentA1', 'studentB1', true], // other class, but the same group (Latin)
  ['studentA2', 'studentB1', false], // other class, no common group
  ['studentA1', 'teacherA', true], // teacher of their class
  ['studentA1', 'teacherB', true], // teacher of their group
  ['studentA2', 'teacherB', false], // teacher of another class
  ['studentA1', 'guardianA', true], // their guardian
  ['studentA1', 'guardianB', false], // another student's guardian
  ['studentA1', 'cpe', true],
  ['studentA1', 'admin', true],
  ['studentA1', 'head', true],
  ['studentA1', 'otherSchool', false],
  // A guardian: the teachers of their children, their children, the staff.
  ['guardianA', 'studentA1', true], // their child
  ['guardianA', 'studentA2', false], // their child's classmate
  ['guardianA', 'studentB1', false],
  ['guardianA', 'teacherA', true], // teacher of their child's class
  ['guardianA', 'teacherB', true], // teacher of their child's group
  ['guardianB', 'teacherA', false], // teacher of another class
  ['guardianA', 'guardianB', false],
  ['guardianA', 'cpe', true],
  ['guardianA', 'admin', true],
  ['guardianA', 'head', true],
  ['guardianA', 'otherSchool', false],
  // Teachers and staff: their classes' people, all staff, and anyone through the directory.
  ['teacherA', 'studentA1', true],
  ['teacherA', 'studentB1', true], // another class: through the directory
  ['teacherA', 'guardianA', true],
  ['teacherA', 'guardianB', true],
  ['teacherA', 'teacherB', true],
  ['teacherA', 'cpe', true],
  ['teacherA', 'admin', true],
  ['teacherA', 'otherSchool', false],
  ['cpe', 'studentB1', true],
  ['cpe', 'guardianB', true],
  ['cpe', 'teacherA', true],
  ['cpe', 'admin', true],
  ['cpe', 'otherSchool', false],
  ['admin', 'studentA1', true],
  ['admin', 'guardianB', true],
  ['admin', 'teacherB', true],
  ['admin', 'cpe', true],
  ['admin', 'otherSchool', false],
  ['head', 'guardianA', true],
  ['head', 'otherSchool', false],
];

describe('who may write to whom (one person)', () => {
  it.each(PEOPLE)('%s → %s: allowed %s', async (sender, recipient, allowed) => {
    const id = recipient === 'otherSchool' ? w.otherSchoolMember.membershipId : w.b[recipient].membershipId;
    const key = `m:${id}`;
    const res = await expand(sender, [key]);
    if (allowed) {
      expect(res).toEqual({ ok: true, memberIds: [id], externalAddresses: [] });
      // The picker offers exactly the allowed people.
      const found = await search(sender, recipient === 'otherSchool' ? 'x' : w.m[recipient as Name].lastName);
      expect(found.map((o) => o.key)).toContain(key);
    } else {
      // Forbidden here or a member of another school: the same answer, which never says the person exists.
      expect(res).toEqual({ ok: false, message: `Destinataire inconnu : ${key}` });
      const name = recipient === 'otherSchool' ? 'Lefèvre' : w.m[recipient as Name].lastName;
      expect((await search(sender, name)).map((o) => o.key)).not.toContain(key);
      expect(await tenantTx(w.school, () => describeRecipients(w.m[sender], [key]))).toEqual([]);
    }
  });
});

// Groups: [sender, key maker, allowed].
type KeyOf = (x: World) => string;
const GROUPS: [Name, string, boolean, KeyOf][] = [
  ['studentA1', 'Élèves de 3A', true, (x) => `g:students:${x.c3A.id}`],
  ['studentA1', 'Équipe pédagogique 3A', true, (x) => `g:team:${x.c3A.id}`],
  ['studentA1', 'Parents de 3A', false, (x) => `g:parents:${x.c3A.id}`],
  ['studentA1', 'Élèves de 3B', false, (x) => `g:students:${x.c3B.id}`],
  ['studentA1', 'Groupe Latin', true, (x) => `g:group:${x.latin.id}`],
  ['studentA2', 'Groupe Latin', false, (x) => `g:group:${x.latin.id}`],
  ['studentA1', 'Liste : Club théâtre', true, (x) => `g:rubric:${x.list.id}`],
  ['studentB1', 'Liste : Club théâtre', false, (x) => `g:rubric:${x.list.id}`],
  ['studentA1', 'list switched off', false, (x) => `g:rubric:${x.quietRubric.id}`],
  ['guardianA', 'Équipe pédagogique 3A', true, (x) => `g:team:${x.c3A.id}`],
  ['guardianA', 'Parents de 3A', false, (x) => `g:parents:${x.c3A.id}`],
  ['guardianA', 'Élèves de 3A', false, (x) => `g:students:${x.c3A.id}`],
  ['guardianA', 'Liste : Club théâtre', true, (x) => `g:rubric:${x.list.id}`],
  ['teacherA', 'Parents de 3A', true, (x) => `g:parents:${x.c3A.id}`],
  ['teacherA', 'Élèves de 3A', true, (x) => `g:students:${x.c3A.id}`],
  ['teacherA', 'Équipe pédagogique 3A', true, (x) => `g:team:${x.c3A.id}`],
  ['teacherA', 'Parents de 3B', false, (x) => `g:parents:${x.c3B.id}`],
  ['teacherB', 'Groupe Latin', true, (x) => `g:group:${x.latin.id}`],
  ['cpe', 'Parents de 3A', false, (x) => `g:parents:${x.c3A.id}`],
  ['head', 'Liste : Club théâtre', true, (x) => `g:rubric:${x.list.id}`], // a publication manager holds a role in every rubric
  ['teacherA', 'another school’s 3A', false, (x) => `g:students:${x.otherSchoolClass.id}`],
  ['admin', 'another school’s 3A', false, (x) => `g:parents:${x.otherSchoolClass.id}`],
];

describe('who may write to which group', () => {
  it.each(GROUPS)('%s → %s: allowed %s', async (sender, label, allowed, keyOf) => {
    const key = keyOf(w);
    const res = await expand(sender, [key]);
    if (allowed) {
      expect(res.ok).toBe(true);
      const [described] = await tenantTx(w.school, () => describeRecipients(w.m[sender], [key]));
      expect(described).toMatchObject({ key, label, kind: 'group' });
      expect((await search(sender, label)).map((o) => o.key)).toContain(key);
    } else {
      expect(res).toEqual({ ok: false, message: `Destinataire inconnu : ${key}` });
      expect((await search(sender, label.split(' ')[0])).map((o) => o.key)).not.toContain(key);
    }
  });

  it('expands groups to their members, without duplicates nor the sender', async () => {
    const { b } = w;
    const parents = await expand('teacherA', [`g:parents:${w.c3A.id}`, `m:${b.guardianA.membershipId}`, `m:${b.teacherA.membershipId}`]);
    expect(parents).toEqual({ ok: true, memberIds: [b.guardianA.membershipId], externalAddresses: [] });
    const students = await expand('studentA1', [`g:students:${w.c3A.id}`]);
    expect(students.ok && students.memberIds.sort()).toEqual([b.studentA2.membershipId].sort());
    const team = await expand('guardianA', [`g:team:${w.c3A.id}`]);
    expect(team.ok && team.memberIds.sort()).toEqual([b.teacherA.membershipId, w.mainTeacher.membershipId].sort());
    const ownTeam = await expand('teacherA', [`g:team:${w.c3A.id}`]);
    expect(ownTeam).toEqual({ ok: true, memberIds: [w.mainTeacher.membershipId], externalAddresses: [] });
    const latin = await expand('teacherB', [`g:group:${w.latin.id}`]);
    expect(latin.ok && latin.memberIds.sort()).toEqual([b.studentA1.membershipId, b.studentB1.membershipId].sort());
    // The list of a rubric open to class 3A: as the rights see a class, its students, teachers and guardians.
    const list = await expand('studentA2', [`g:rubric:${w.list.id}`]);
    expect(list.ok && list.memberIds.sort()).toEqual(
      [b.studentA1.membershipId, b.teacherA.membershipId, w.mainTeacher.membershipId, b.guardianA.membershipId].sort(),
    );
  });

  it('refuses malformed keys and members who left the school as unknown', async () => {
    expect(await expand('teacherA', ['m:nope'])).toEqual({ ok: false, message: 'Destinataire inconnu : m:nope' });
    expect(await expand('teacherA', ['g:everyone:1'])).toEqual({ ok: false, message: 'Destinataire inconnu : g:everyone:1' });
    const gone = await buildMember(w.school, { profile: 'student', firstName: 'Parti', lastName: 'Ailleurs' });
    await ownerTenantTx(w.school, (trx) => trx('memberships').where({ tenant_id: w.school.id, id: gone.membershipId }).update({ left_at: new Date() }));
    expect(await expand('teacherA', [`m:${gone.membershipId}`])).toEqual({ ok: false, message: `Destinataire inconnu : m:${gone.membershipId}` });
    expect(await expand('teacherA', [])).toEqual({ ok: false, message: 'Choisissez au moins un destinataire.' });
  });
});

describe('searchRecipients', () => {
  it('matches names without accents or case, and only what the sender may write to', async () => {
    const eloise = await search('studentA1', 'eloise LEFEVRE');
    expect(eloise).toEqual([{ key: `m:${w.b.studentA2.membershipId}`, label: 'Éloïse Lefèvre', detail: 'Élève · 3A', kind: 'person' }]);
    // Éloïse Bernard is in 3B and not in a group with studentA2: not offered to her.
    const forA2 = await search('studentA2', 'eloise');
    expect(forA2.map((o) => o.label)).toEqual([]);
    // A teacher finds both through the directory, never the namesake of the other school.
    const forTeacher = await search('teacherA', 'éloïse');
    expect(forTeacher.map((o) => o.key).sort()).toEqual([`m:${w.b.studentA2.membershipId}`, `m:${w.b.studentB1.membershipId}`].sort());
  });

  it('finds "Élèves de 3A" for "eleve", and offers groups only of the sender’s classes', async () => {
    const forStudent = await search('studentA1', 'eleve');
    expect(forStudent.map((o) => o.label)).toEqual(['Élèves de 3A']);
    const forTeacher = await search('teacherA', '3a');
    expect(forTeacher.map((o) => o.label)).toEqual(['Parents de 3A', 'Équipe pédagogique 3A', 'Élèves de 3A']);
    expect((await search('teacherA', 'parents')).map((o) => o.label)).toEqual(['Parents de 3A']);
    expect((await search('guardianA', 'equipe')).map((o) => o.label)).toEqual(['Équipe pédagogique 3A']);
    expect((await search('studentA1', 'liste')).map((o) => o.label)).toEqual(['Liste : Club théâtre']);
    expect(await search('studentA1', '   ')).toEqual([]);
    // Punctuation is no pattern nor query syntax.
    expect(await search('teacherA', '%')).toEqual([]);
    expect(await search('teacherA', "lef:* | !x & ('")).toEqual([]);
    // Word prefixes, in any order.
    expect((await search('teacherA', 'lef elo')).map((o) => o.label)).toEqual(['Éloïse Lefèvre']);
  });

  it('matches through the stored name column exactly what the name expression matched, renames included', async () => {
    const renamed = await buildMember(w.school, { profile: 'student', firstName: 'Zoé', lastName: 'Avant' });
    await ownerTenantTx(w.school, (trx) => trx('memberships').where({ tenant_id: w.school.id, id: renamed.membershipId }).update({ last_name: 'Écrivain-Après' }));
    const matches = (q: string) =>
      ownerTenantTx(w.school, async (trx) => {
        const byColumn = await trx.raw(`select id from memberships where tenant_id = ? and name_search @@ to_tsquery('preau_name', ?) order by id`, [w.school.id, q]);
        const byExpression = await trx.raw(
          `select id from memberships where tenant_id = ? and to_tsvector('preau_name', first_name || ' ' || last_name) @@ to_tsquery('preau_name', ?) order by id`,
          [w.school.id, q],
        );
        return { byColumn: byColumn.rows.map((r: any) => r.id), byExpression: byExpression.rows.map((r: any) => r.id) };
      });
    for (const q of ['elo:*', 'lef:* & elo:*', 'ecri:*', 'apres:*', 'avant:*', 'zoe:*', 'martin:*']) {
      const { byColumn, byExpression } = await matches(q);
      expect(byColumn, q).toEqual(byExpression);
    }
    expect((await matches('apres:*')).byColumn).toEqual([renamed.membershipId]);
    expect((await matches('avant:*')).byColumn).toEqual([]);
    expect((await search('teacherA', 'ecrivain apr')).map((o) => o.key)).toEqual([`m:${renamed.membershipId}`]);
  });

  it('gives nothing to a member without the messaging service', async () => {
    const m = { ...w.m.teacherA, rights: new Map() };
    expect(await tenantTx(w.school, () => searchRecipients(m, 'martin'))).toEqual([]);
    expect(await tenantTx(w.school, () => expandRecipients(m, [`m:${w.b.studentA1.membershipId}`]))).toMatchObject({ ok: false });
  });
});

describe('at most 150 recipients', () => {
  it('refuses 151 people with a message pointing to targeted broadcasts, accepts 150', async () => {
    const school = await buildTenant();
    const big = await buildClass(school, '2NDE1');
    const teacher = await buildMember(school, { profile: 'teacher' });
    await teach(school, teacher.membershipId, { classId: big.id });
    const ids = await buildStudents(school, big.id, MAX_RECIPIENTS + 1);
    const m = await memberOf(teacher);
    const whole = await tenantTx(school, () => expandRecipients(m, [`g:students:${big.id}`]));
    expect(whole.ok).toBe(false);
    expect(!whole.ok && whole.message).toContain('au plus 150 destinataires');
    expect(!whole.ok && whole.message).toContain('en compte 151');
    expect(!whole.ok && whole.message).toContain('communication ciblée');
    const keys150 = ids.slice(0, 150).map((id) => `m:${id}`);
    const ok = await tenantTx(school, () => expandRecipients(m, [...keys150, `m:${ids[0]}`, `m:${teacher.membershipId}`]));
    expect(ok.ok && ok.memberIds.length).toBe(150);
    const over = await tenantTx(school, () => expandRecipients(m, [...keys150, 'email:someone@example.org']));
    expect(over.ok).toBe(false); // external addresses count too (and are not open here anyway)
    const oneMore = await tenantTx(school, () => expandRecipients(m, [...keys150, `m:${ids[150]}`]));
    expect(!oneMore.ok && oneMore.message).toContain('en compte 151');
  });
});

describe('external e-mail addresses', () => {
  it('are refused until the school opens them to a profile, a level or a class', async () => {
    const key = 'email:Parent.Externe@Example.org';
    expect(await expand('teacherA', [key])).toEqual({ ok: false, message: 'Vous ne pouvez pas écrire à une adresse e-mail externe : parent.externe@example.org' });
    expect(await search('teacherA', 'parent.externe@example.org')).toEqual([]);
    const actor = w.m.admin;
    await tenantTx(w.school, () => externalAccessSetter({ access: { profiles: ['teacher'], levels: [], classes: [] }, actor }));
    expect(await expand('teacherA', [key])).toEqual({ ok: true, memberIds: [], externalAddresses: ['parent.externe@example.org'] });
    expect((await search('teacherA', 'parent.externe@example.org'))[0]).toMatchObject({ key: 'email:parent.externe@example.org', kind: 'person' });
    expect((await expand('studentA1', [key])).ok).toBe(false);
    // Opened to class 3A: its students (and the guardians of its students) may too, not 3B's.
    await tenantTx(w.school, () => externalAccessSetter({ access: { profiles: [], levels: [], classes: [w.c3A.id] }, actor }));
    expect((await expand('studentA1', [key])).ok).toBe(true);
    expect((await expand('studentB1', [key])).ok).toBe(false);
    expect((await expand('teacherB', [key])).ok).toBe(false);
    // Opened to a level: the classes of that level.
    const levelId = newId();
    await ownerTenantTx(w.school, async (trx) => {
      await trx('levels').insert({ tenant_id: w.school.id, id: levelId, code: '3E', name: 'Troisième' });
      await trx('classes').where({ tenant_id: w.school.id, id: w.c3B.id }).update({ level_id: levelId });
    });
    await tenantTx(w.school, () => externalAccessSetter({ access: { profiles: [], levels: [levelId], classes: [] }, actor }));
    expect((await expand('studentB1', [key])).ok).toBe(true);
    expect((await expand('studentA1', [key])).ok).toBe(false);
    expect(await expand('studentB1', ['email:not-an-address'])).toEqual({ ok: false, message: 'Adresse e-mail invalide : not-an-address' });
    // Another school's class cannot be opened from here.
    await expect(
      tenantTx(w.school, () => externalAccessSetter({ access: { profiles: [], levels: [], classes: [w.otherSchoolClass.id] }, actor })),
    ).rejects.toThrow('Classe inconnue.');
    await tenantTx(w.school, () => externalAccessSetter({ access: { profiles: [], levels: [], classes: [] }, actor }));
  });
});
