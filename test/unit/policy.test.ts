(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import { authorize, can, rightsOf, ruleMatches, servicesFor, type AccessRule, type Actor } from '../../app/rights/policy.js';
import { DEFAULT_SCHOOL_RULES } from '../../app/rights/rules.js';
import { SERVICES_BY_KEY } from '../../app/rights/catalogue.js';

const actor = (over: Partial<Actor> = {}): Actor => ({
  tenantId: 't1', membershipId: 'm1', profile: 'teacher', functions: [], classIds: [], groupIds: [], subjectIds: [], ...over,
});
const rule = (service_key: string, target_type: AccessRule['target_type'], target_value: string, role: string): AccessRule => ({ service_key, target_type, target_value, role });

const defaults: AccessRule[] = Object.entries(DEFAULT_SCHOOL_RULES).flatMap(([service_key, rules]) =>
  rules.map(([[target_type, target_value], role]) => ({ service_key, target_type, target_value, role })),
);

describe('rule targets', () => {
  const cases: [AccessRule, Partial<Actor>, boolean][] = [
    [rule('grades', 'school', '', 'read'), {}, true],
    [rule('grades', 'profile', 'student', 'student'), { profile: 'student' }, true],
    [rule('grades', 'profile', 'student', 'student'), { profile: 'guardian' }, false],
    [rule('grades', 'function', 'cpe', 'read'), { profile: 'staff', functions: ['cpe'] }, true],
    [rule('grades', 'function', 'cpe', 'read'), { profile: 'staff', functions: ['nurse'] }, false],
    [rule('grades', 'class', 'c3a', 'read'), { classIds: ['c3a'] }, true],
    [rule('grades', 'class', 'c3a', 'read'), { classIds: ['c3b'] }, false],
    [rule('grades', 'group', 'latin', 'read'), { groupIds: ['latin'] }, true],
    [rule('grades', 'subject', 'maths', 'read'), { subjectIds: ['maths'] }, true],
    [rule('grades', 'subject', 'maths', 'read'), { subjectIds: [] }, false],
  ];
  it.each(cases)('%o covers %o: %s', (r, a, expected) => {
    expect(ruleMatches(r, actor(a))).toBe(expected);
  });
});

describe('the default matrix', () => {
  const rolesOf = (a: Partial<Actor>, service: string) => [...(rightsOf(actor(a), defaults).get(service) ?? [])].sort();
  it('grades: head manager, CPE read, teacher teacher, student student, guardian guardian', () => {
    expect(rolesOf({ profile: 'staff', functions: ['head'] }, 'grades')).toEqual(['manager']);
    expect(rolesOf({ profile: 'staff', functions: ['cpe'] }, 'grades')).toEqual(['read']);
    expect(rolesOf({ profile: 'teacher' }, 'grades')).toEqual(['teacher']);
    expect(rolesOf({ profile: 'student' }, 'grades')).toEqual(['student']);
    expect(rolesOf({ profile: 'guardian' }, 'grades')).toEqual(['guardian']);
    expect(rolesOf({ profile: 'staff', functions: ['nurse'] }, 'grades')).toEqual([]);
  });
  it('punishments: head, CPE and supervisors manage; students and guardians read their own', () => {
    for (const f of ['head', 'cpe', 'supervisor']) expect(rolesOf({ profile: 'staff', functions: [f] }, 'punishments')).toEqual(['manager']);
    expect(rolesOf({ profile: 'student' }, 'punishments')).toEqual(['read_own']);
    expect(rolesOf({ profile: 'guardian' }, 'punishments')).toEqual(['read_own']);
  });
  it('every default rule names a role its service offers', () => {
    for (const r of defaults) expect(SERVICES_BY_KEY.get(r.service_key)?.roles, `${r.service_key}/${r.role}`).toContain(r.role);
  });
  it('a student sees no administration, roll call nor publication', () => {
    const rights = rightsOf(actor({ profile: 'student' }), defaults);
    expect(servicesFor(rights).map((s) => s.key)).not.toEqual(expect.arrayContaining(['admin']));
    expect(can(rights, 'admin')).toBe(false);
    expect(can(rights, 'roll_call')).toBe(false);
    expect(can(rights, 'messaging')).toBe(true);
  });
});

describe('can and authorize', () => {
  const rights = rightsOf(actor({ profile: 'teacher' }), [rule('grades', 'profile', 'teacher', 'teacher')]);
  it('can checks the service and, when given, the roles', () => {
    expect(can(rights, 'grades')).toBe(true);
    expect(can(rights, 'grades', ['teacher'])).toBe(true);
    expect(can(rights, 'grades', ['manager'])).toBe(false);
    expect(can(rights, 'admin')).toBe(false);
  });
  it('authorize throws a 403 HttpError', () => {
    expect(() => authorize(rights, 'admin', ['manager'])).toThrow(expect.objectContaining({ status: 403 }));
    expect(() => authorize(rights, 'grades', ['teacher'])).not.toThrow();
  });
  it('rules of another school never count', () => {
    const foreign = rightsOf(actor(), [{ ...rule('admin', 'school', '', 'manager'), tenant_id: 'other' } as AccessRule]);
    expect(can(foreign, 'admin')).toBe(false);
  });
});
