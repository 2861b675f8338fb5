import { describe, expect, it } from 'vitest';
import { memberForSession, type Member } from '../../app/auth/member.js';
import { sessionCreator } from '../../app/auth/session.js';
import { ownerTenantTx, tenantTx } from '../../app/db/index.js';
import { expandRecipients, RecipientRulesSchema, searchRecipients, WHO_MAY_WRITE_TO_WHOM } from '../../app/modules/messaging/recipients.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant, rowsOf, uniq, type BuiltMember } from '../fixtures/factories.js';
import { person, post, type Person } from './messaging-support.js';

/** Who may write to whom, per school (issue 5): the « Qui peut écrire à qui » matrix of /admin/messagerie. */

async function memberOf(b: BuiltMember): Promise<Member> {
  const { session } = await tenantTx(b.tenant, () => sessionCreator({ accountId: b.accountId, membershipId: b.membershipId, profile: 'x' }));
  const m = await memberForSession(b.tenant, session.id);
  if (!m) throw new Error('no member');
  return m;
}

/** The whole default matrix as form values, minus the given pairs. */
function defaultPairs(...without: string[]): string[] {
  return Object.entries(WHO_MAY_WRITE_TO_WHOM)
    .flatMap(([profile, audiences]) => audiences.map((a) => `${profile}:${a}`))
    .filter((p) => !without.includes(p));
}

interface School {
  tenant: Tenant;
  student: Member;
  nurse: BuiltMember;
  nurseName: string;
}

/** A school with a student and a staff member (a nurse) whose last name is unique. */
async function school(): Promise<School> {
  const tenant = await buildTenant();
  const student = await memberOf(await buildMember(tenant, { profile: 'student' }));
  const nurseName = uniq('Infirmiere').replace(/[^A-Za-z0-9]/g, '');
  const nurse = await buildMember(tenant, { profile: 'staff', functions: ['nurse'], lastName: nurseName });
  return { tenant, student, nurse, nurseName };
}

const expand = (s: School) => tenantTx(s.tenant, () => expandRecipients(s.student, [`m:${s.nurse.membershipId}`]));
const search = (s: School) => tenantTx(s.tenant, () => searchRecipients(s.student, s.nurseName));

describe('who may write to whom, per school', () => {
  it('by default lets a student write to the staff; an administrator unticks Élèves → Personnels for their school only, audited; reset restores', async () => {
    const a = await school();
    const b = await school();
    const admin: Person = await person(a.tenant, { profile: 'admin' });

    // The default.
    expect(await expand(a)).toEqual({ ok: true, memberIds: [a.nurse.membershipId], externalAddresses: [] });
    expect((await search(a)).map((r) => r.key)).toEqual([`m:${a.nurse.membershipId}`]);

    // The page shows the matrix, ticked as the defaults, each box with an accessible name.
    const page = await admin.c.get('/admin/messagerie');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Qui peut écrire à qui');
    expect(page.text).toMatch(/<caption>[^<]+<\/caption>/);
    expect(page.text).toMatch(/<input type="checkbox" name="rules" value="student:staff" aria-label="Élèves → Personnels" checked>/);
    expect(page.text).toMatch(/<input type="checkbox" name="rules" value="student:directory" aria-label="Élèves → Tout membre \(annuaire\)">/);
    expect(page.text).toContain('Les règles par défaut s’appliquent.');

    // Untick Élèves → Personnels (a plain POST of the ticked boxes).
    const res = await post(admin, '/admin/messagerie/destinataires-autorises', { rules: defaultPairs('student:staff') });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/messagerie?enregistre=1');
    const [row] = await rowsOf(a.tenant, 'messaging_settings');
    const stored = typeof row.recipient_rules === 'string' ? JSON.parse(row.recipient_rules) : row.recipient_rules;
    // Only the changed profile is stored.
    expect(stored).toEqual({ student: ['class_students', 'class_teachers', 'own_guardians', 'rubric_lists'] });

    // The student of that school may no longer reach the nurse: refused as unknown, and not offered.
    expect(await expand(a)).toEqual({ ok: false, message: `Destinataire inconnu : m:${a.nurse.membershipId}` });
    expect(await search(a)).toEqual([]);
    // The other school keeps the default.
    expect(await expand(b)).toEqual({ ok: true, memberIds: [b.nurse.membershipId], externalAddresses: [] });
    expect((await search(b)).map((r) => r.key)).toEqual([`m:${b.nurse.membershipId}`]);
    expect(await rowsOf(b.tenant, 'messaging_settings')).toEqual([]);

    // The page shows the school's rules.
    const after = await admin.c.get('/admin/messagerie?enregistre=1');
    expect(after.text).toMatch(/value="student:staff" aria-label="Élèves → Personnels">/);
    expect(after.text).toContain('L’établissement a modifié les règles par défaut.');

    // Back to the defaults.
    const reset = await post(admin, '/admin/messagerie/destinataires-autorises/defaut');
    expect(reset.status).toBe(303);
    expect((await rowsOf(a.tenant, 'messaging_settings'))[0].recipient_rules).toBeNull();
    expect(await expand(a)).toEqual({ ok: true, memberIds: [a.nurse.membershipId], externalAddresses: [] });
    expect((await search(a)).map((r) => r.key)).toEqual([`m:${a.nurse.membershipId}`]);
    // A second reset changes nothing and records nothing.
    expect((await post(admin, '/admin/messagerie/destinataires-autorises/defaut')).status).toBe(303);

    const audit = await rowsOf(a.tenant, 'audit_events', { subject_type: 'messaging_settings' });
    expect(audit.map((e) => e.action).sort()).toEqual(['messaging.recipient_rules_changed', 'messaging.recipient_rules_reset']);
    expect(audit.every((e) => e.actor_membership_id === admin.m.membershipId)).toBe(true);
    const changed = audit.find((e) => e.action === 'messaging.recipient_rules_changed');
    const details = typeof changed.details === 'string' ? JSON.parse(changed.details) : changed.details;
    expect(details).toEqual({ before: null, after: stored });
    expect(await rowsOf(b.tenant, 'audit_events', { subject_type: 'messaging_settings' })).toEqual([]);
  });

  it('can also open an audience the default does not give (Élèves → Tout membre)', async () => {
    const a = await school();
    const admin = await person(a.tenant, { profile: 'admin' });
    const teacher = await buildMember(a.tenant, { profile: 'teacher', lastName: a.nurseName });
    expect(await tenantTx(a.tenant, () => expandRecipients(a.student, [`m:${teacher.membershipId}`]))).toMatchObject({ ok: false });
    expect((await post(admin, '/admin/messagerie/destinataires-autorises', { rules: defaultPairs().concat('student:directory') })).status).toBe(303);
    expect(await tenantTx(a.tenant, () => expandRecipients(a.student, [`m:${teacher.membershipId}`]))).toEqual({ ok: true, memberIds: [teacher.membershipId], externalAddresses: [] });
    expect((await search(a)).map((r) => r.key).sort()).toEqual([`m:${a.nurse.membershipId}`, `m:${teacher.membershipId}`].sort());
  });

  it('is for administrators only: a teacher gets 403 and nothing changes', async () => {
    const a = await school();
    const teacher = await person(a.tenant, { profile: 'teacher' });
    expect((await post(teacher, '/admin/messagerie/destinataires-autorises', { rules: defaultPairs('student:staff') })).status).toBe(403);
    expect((await post(teacher, '/admin/messagerie/destinataires-autorises/defaut')).status).toBe(403);
    expect(await rowsOf(a.tenant, 'messaging_settings')).toEqual([]);
    expect((await expand(a)).ok).toBe(true);
  });

  it('refuses an unknown audience or profile with 422 and a message, saving nothing', async () => {
    const a = await school();
    const admin = await person(a.tenant, { profile: 'admin' });
    for (const bad of ['student:everyone', 'visitor:staff', 'student']) {
      const res = await post(admin, '/admin/messagerie/destinataires-autorises', { rules: defaultPairs('student:staff').concat(bad) });
      expect(res.status).toBe(422);
      expect(res.text).toContain('Règle inconnue');
      expect(res.text).toContain('aria-invalid="true"');
      // The submitted matrix is shown again (Élèves → Personnels still unticked).
      expect(res.text).toMatch(/value="student:staff" aria-label="Élèves → Personnels" aria-invalid="true"/);
    }
    expect(await rowsOf(a.tenant, 'messaging_settings')).toEqual([]);
    expect(await rowsOf(a.tenant, 'audit_events', { subject_type: 'messaging_settings' })).toEqual([]);
    expect((await expand(a)).ok).toBe(true);
  });

  it('stores known profiles and audiences only, and ignores a stored override that is not valid', async () => {
    expect(RecipientRulesSchema.safeParse({ student: ['staff'] }).success).toBe(true);
    expect(RecipientRulesSchema.safeParse({ student: ['everyone'] }).success).toBe(false);
    expect(RecipientRulesSchema.safeParse({ visitor: ['staff'] }).success).toBe(false);
    const a = await school();
    // Written behind the application's back: the school falls back to the default rules.
    await ownerTenantTx(a.tenant, (trx) =>
      trx('messaging_settings').insert({ tenant_id: a.tenant.id, updated_at: new Date(), recipient_rules: JSON.stringify({ student: ['everyone'] }) }),
    );
    expect((await expand(a)).ok).toBe(true);
  });
});
