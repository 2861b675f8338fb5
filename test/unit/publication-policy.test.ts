(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import type { Member } from '../../app/auth/member.js';
import { canEditArticle, canManageRubric, canPublishIn, canReadRubric, canWriteIn, isPublicationManager, rubricRolesOf, type RubricForPolicy } from '../../app/modules/publication/policy.js';

const T = '00000000-0000-4000-8000-000000000001';
function member(over: Partial<Member> = {}, publication?: string): Member {
  return {
    tenantId: T, membershipId: 'me', profile: 'teacher', functions: [], classIds: ['c1'], groupIds: ['g1'], subjectIds: [],
    accountId: 'acc', login: 'x', firstName: 'A', lastName: 'B', displayName: 'A B', children: [],
    rights: new Map(publication ? [['publication', new Set([publication])]] : []),
    session: {} as Member['session'],
    ...over,
  };
}
const rubric = (roles: RubricForPolicy['roles'], over: Partial<RubricForPolicy> = {}): RubricForPolicy => ({ visibility: 'public', archived_at: null, roles, ...over });

describe('publication policy', () => {
  const contributor = member({ membershipId: 'c' }, 'contributor');
  const manager = member({ membershipId: 'm' }, 'contributor');
  const reader = member({ membershipId: 'r' }, 'contributor');
  const head = member({ membershipId: 'h', profile: 'staff', functions: ['head'] }, 'manager');
  const roles: RubricForPolicy['roles'] = [
    { target_type: 'membership', target_value: 'c', role: 'contributor' },
    { target_type: 'membership', target_value: 'm', role: 'manager' },
    { target_type: 'membership', target_value: 'r', role: 'reader' },
  ];
  const r = rubric(roles);

  it('each role × action in a rubric', () => {
    expect([canWriteIn(contributor, r), canPublishIn(contributor, r), canManageRubric(contributor, r)]).toEqual([true, false, false]);
    expect([canWriteIn(manager, r), canPublishIn(manager, r), canManageRubric(manager, r)]).toEqual([true, true, true]);
    expect([canWriteIn(reader, r), canPublishIn(reader, r), canManageRubric(reader, r)]).toEqual([false, false, false]);
    expect([canWriteIn(head, r), canPublishIn(head, r), canManageRubric(head, r)]).toEqual([true, true, true]);
    expect(isPublicationManager(head)).toBe(true);
    expect(isPublicationManager(contributor)).toBe(false);
    expect([...rubricRolesOf(head, r)]).toEqual(['manager']);
    expect(canWriteIn(undefined, r)).toBe(false);
  });

  it('articles: the author edits a draft or a submitted one, not a published one; managers always', () => {
    for (const status of ['draft', 'submitted']) expect(canEditArticle(contributor, { author_id: 'c', status }, r)).toBe(true);
    expect(canEditArticle(contributor, { author_id: 'c', status: 'published' }, r)).toBe(false);
    expect(canEditArticle(contributor, { author_id: 'someone', status: 'draft' }, r)).toBe(false);
    expect(canEditArticle(manager, { author_id: 'someone', status: 'published' }, r)).toBe(true);
    expect(canEditArticle(reader, { author_id: 'r', status: 'draft' }, r)).toBe(false);
    expect(canEditArticle(undefined, { author_id: null, status: 'draft' }, r)).toBe(false);
  });

  it('private rubrics are read by those holding a role (class, group, profile, function, named member) only', () => {
    const priv = (rule: RubricForPolicy['roles'][number]) => rubric([rule], { visibility: 'private' });
    expect(canReadRubric(undefined, rubric([]))).toBe(true);
    expect(canReadRubric(undefined, priv({ target_type: 'school', target_value: '', role: 'reader' }))).toBe(false);
    expect(canReadRubric(member(), priv({ target_type: 'class', target_value: 'c1', role: 'reader' }))).toBe(true);
    expect(canReadRubric(member(), priv({ target_type: 'class', target_value: 'c2', role: 'reader' }))).toBe(false);
    expect(canReadRubric(member(), priv({ target_type: 'group', target_value: 'g1', role: 'reader' }))).toBe(true);
    expect(canReadRubric(member(), priv({ target_type: 'profile', target_value: 'teacher', role: 'reader' }))).toBe(true);
    expect(canReadRubric(member(), priv({ target_type: 'function', target_value: 'cpe', role: 'reader' }))).toBe(false);
    expect(canReadRubric(member({ membershipId: 'x' }), priv({ target_type: 'membership', target_value: 'x', role: 'reader' }))).toBe(true);
    expect(canReadRubric(head, priv({ target_type: 'membership', target_value: 'nobody', role: 'reader' }))).toBe(true);
  });

  it('an archived rubric takes no writing and no publishing, but its managers still manage it', () => {
    const archived = rubric(roles, { archived_at: new Date() });
    expect(canWriteIn(contributor, archived)).toBe(false);
    expect(canWriteIn(manager, archived)).toBe(false);
    expect(canPublishIn(manager, archived)).toBe(false);
    expect(canManageRubric(manager, archived)).toBe(true);
    expect(canEditArticle(contributor, { author_id: 'c', status: 'draft' }, archived)).toBe(false);
  });
});
