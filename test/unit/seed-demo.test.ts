(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, loginStem, planDemo, type TenantPlan } from '../../app/db/seed-demo.js';

// The plan with ids replaced by what they stand for, so two runs can be compared.
function shape(plans: TenantPlan[]) {
  return plans.map((p) => {
    const who = new Map(p.people.map((x) => [x.membershipId, x.login]));
    const cls = new Map(p.classes.map((c) => [c.id, c.code]));
    const grp = new Map(p.groups.map((g) => [g.id, g.code]));
    const sub = new Map(p.subjects.map((s) => [s.id, s.code]));
    return {
      slug: p.slug,
      people: p.people.map((x) => [x.login, x.profile, x.functions.join('+'), x.firstName, x.lastName, x.email]),
      classes: p.classes.map((c) => [c.code, c.name, c.main_teacher_id && who.get(c.main_teacher_id)]),
      classMembers: p.classMembers.map((m) => [cls.get(m.class_id), who.get(m.membership_id)]),
      groupMembers: p.groupMembers.map((m) => [grp.get(m.group_id), who.get(m.membership_id)]),
      assignments: p.assignments.map((a) => [who.get(a.teacher_id), sub.get(a.subject_id), a.class_id ? cls.get(a.class_id) : grp.get(a.group_id!)]),
      guardianships: p.guardianships.map((g) => [who.get(g.guardian_id), who.get(g.student_id)]),
    };
  });
}

describe('demo plan', () => {
  const plans = planDemo();
  const bySlug = Object.fromEntries(plans.map((p) => [p.slug, p]));
  const college = bySlug['demo-college'];
  const member = (p: TenantPlan, login: string) => p.people.find((x) => x.login === login)!;
  const classOf = (p: TenantPlan, login: string) =>
    p.classMembers.filter((m) => m.membership_id === member(p, login).membershipId).map((m) => p.classes.find((c) => c.id === m.class_id)!.code);

  it('is the same on every run (names and structure)', () => {
    expect(shape(planDemo())).toEqual(shape(plans));
  });

  it('gives every named account to its tenant, and every login once across tenants', () => {
    for (const [slug, logins] of Object.entries(DEMO_ACCOUNTS)) {
      for (const login of logins) expect(bySlug[slug].people.map((x) => x.login)).toContain(login);
    }
    const all = plans.flatMap((p) => p.people.map((x) => x.login.toLowerCase()));
    expect(new Set(all).size).toBe(all.length);
    for (const l of all) expect(l).toMatch(/^[a-z0-9][a-z0-9.-]*$/);
  });

  it('steps around logins already taken', () => {
    const generated = college.people.find((x) => x.profile === 'student' && !x.login.includes('3a'))!.login;
    const again = planDemo([generated]);
    const logins = again.flatMap((p) => p.people.map((x) => x.login));
    expect(logins).not.toContain(generated);
    expect(logins).toContain(`${generated}2`);
  });

  it('builds the collège: 12 classes of about 25, a main teacher and a teacher per subject each', () => {
    expect(college.levels.map((l) => [l.code, l.position])).toEqual([['6e', 1], ['5e', 2], ['4e', 3], ['3e', 4]]);
    expect(college.classes.map((c) => c.code)).toEqual(['6A', '6B', '6C', '5A', '5B', '5C', '4A', '4B', '4C', '3A', '3B', '3C']);
    const students = college.people.filter((x) => x.profile === 'student');
    expect(students.length).toBeGreaterThanOrEqual(288);
    expect(students.length).toBeLessThanOrEqual(312);
    expect(college.people.filter((x) => x.profile === 'teacher').length).toBe(30);
    const subjects = new Map(college.subjects.map((s) => [s.code, s.id]));
    for (const c of college.classes) {
      expect(c.main_teacher_id).toBeTruthy();
      for (const code of ['MATHS', 'FRANC', 'HIGEO', 'ANG', 'SVT', 'PHYCH', 'TECHN', 'ARPL', 'EDMUS', 'EPS']) {
        expect(college.assignments.some((a) => a.class_id === c.id && a.subject_id === subjects.get(code))).toBe(true);
      }
    }
    for (const s of students) {
      const n = college.guardianships.filter((g) => g.student_id === s.membershipId).length;
      expect(n === 1 || n === 2).toBe(true);
    }
  });

  it('places the named people as DESIGN.md says', () => {
    expect(classOf(college, 'eleve.3a')).toEqual(['3A']);
    const kids = college.guardianships.filter((g) => g.guardian_id === member(college, 'parent.3a').membershipId);
    expect(kids.map((k) => college.people.find((x) => x.membershipId === k.student_id)!.login)).toContain('eleve.3a');
    expect(kids).toHaveLength(2);
    const threeA = college.classes.find((c) => c.code === '3A')!;
    expect(threeA.main_teacher_id).toBe(member(college, 'prof.maths').membershipId);
    for (const login of ['prof.maths', 'prof.francais']) {
      expect(college.assignments.some((a) => a.class_id === threeA.id && a.teacher_id === member(college, login).membershipId)).toBe(true);
    }
    expect(member(college, 'direction')).toMatchObject({ profile: 'staff', functions: ['head'], firstName: 'Claire', lastName: 'Martin' });
    expect(member(college, 'cpe')).toMatchObject({ profile: 'staff', functions: ['cpe'] });
    expect(member(college, 'admin').profile).toBe('admin');
    const lycee = bySlug['demo-lycee'];
    expect(classOf(lycee, 'lycee.eleve')).toEqual(['2A']);
    expect(lycee.guardianships.some((g) => g.guardian_id === member(lycee, 'lycee.parent').membershipId && g.student_id === member(lycee, 'lycee.eleve').membershipId)).toBe(true);
    expect(member(bySlug['academie-demo'], 'academie.editeur').profile).toBe('staff');
    expect(member(bySlug['region-demo'], 'region.admin').profile).toBe('admin');
  });

  it('makes logins from names without accents or spaces', () => {
    expect(loginStem('Élodie', 'Le Gall')).toBe('elodie.le-gall');
    expect(loginStem('Jean-François', 'D’Œillet')).toBe('jean-francois.doeillet');
  });
});
