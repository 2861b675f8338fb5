import { afterEach, describe, expect, it } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { drainOutbox } from '../../app/modules/mailing/worker.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { addGuardianship, addToClass, buildClass, buildMember, buildTenant, rowsOf, uniq } from '../fixtures/factories.js';
import { useTestSmtp } from '../fixtures/smtp.js';
import { bulkMembers, receivedBy, setEmail, signedIn, toOf } from './mailing-support.js';

const relay = useTestSmtp();
afterEach(() => {
  resetClock();
  relay.smtp.refuse = false;
});

const BASE = '/publication/communication-ciblee';
const PARTIAL = { 'HX-Request': 'true', 'HX-Request-Type': 'partial' };
type Sender = Awaited<ReturnType<typeof signedIn>>;
type Form = Record<string, string | string[] | undefined>;

const post = (s: Sender, path: string, form: Form, headers: Record<string, string> = {}) => s.c.post(path, { _csrf: s._csrf, ...form } as Record<string, string>, headers);

/** The preview's figures, read from the fragment the page shows. */
async function preview(s: Sender, form: Form) {
  const res = await post(s, `${BASE}/apercu`, form, PARTIAL);
  expect(res.status).toBe(200);
  const m = /<strong>(\d+)<\/strong> courriels? seront envoyés? \((\d+) membres? atteints?(?:, dont <strong>(\d+)<\/strong> sans adresse)?/.exec(res.text);
  expect(m, res.text).not.toBeNull();
  return { addresses: Number(m![1]), members: Number(m![2]), without: Number(m![3] ?? 0) };
}

async function send(s: Sender, form: Form): Promise<string> {
  const res = await post(s, BASE, form);
  expect(res.status, res.text).toBe(303);
  return res.headers.location.split('/').pop()!;
}

/** A school with levels, classes, a group, teaching assignments, guardians; some members without address. */
async function school() {
  const t = await buildTenant();
  const admin = await signedIn(t, { profile: 'admin', email: `admin-${uniq('a')}@example.org` });
  const mk = async (profile: string, email: string | null, functions: string[] = []) => {
    const m = await buildMember(t, { profile, functions });
    if (email) await setEmail(t, m.membershipId, `${email}-${uniq('x')}@example.org`);
    return m.membershipId;
  };
  const level3 = newId();
  const level4 = newId();
  await ownerTenantTx(t, (trx) => trx('levels').insert([
    { tenant_id: t.id, id: level3, code: '3E', name: '3e' },
    { tenant_id: t.id, id: level4, code: '4E', name: '4e' },
  ]));
  const c3a = await buildClass(t, uniq('3A').slice(0, 8));
  const c3b = await buildClass(t, uniq('3B').slice(0, 8));
  const c4a = await buildClass(t, uniq('4A').slice(0, 8));
  await ownerTenantTx(t, async (trx) => {
    await trx('classes').where({ tenant_id: t.id }).whereIn('id', [c3a.id, c3b.id]).update({ level_id: level3 });
    await trx('classes').where({ tenant_id: t.id, id: c4a.id }).update({ level_id: level4 });
  });
  const group = newId();
  await ownerTenantTx(t, (trx) => trx('groups').insert({ tenant_id: t.id, id: group, code: uniq('LAT'), name: 'Latin' }));
  const s3a1 = await mk('student', 's3a1');
  const s3a2 = await mk('student', null);
  const s3b1 = await mk('student', 's3b1');
  const s4a1 = await mk('student', 's4a1');
  await addToClass(t, c3a.id, s3a1);
  await addToClass(t, c3a.id, s3a2);
  await addToClass(t, c3b.id, s3b1);
  await addToClass(t, c4a.id, s4a1);
  await ownerTenantTx(t, (trx) => trx('group_members').insert({ tenant_id: t.id, group_id: group, membership_id: s4a1 }));
  const g1 = await mk('guardian', 'g1');
  const g2 = await mk('guardian', 'g2');
  const g3 = await mk('guardian', null);
  await addGuardianship(t, g1, s3a1);
  await addGuardianship(t, g2, s3a2);
  await addGuardianship(t, g3, s4a1);
  const t1 = await mk('teacher', 't1');
  const t2 = await mk('teacher', 't2');
  await mk('teacher', null);
  const subject = newId();
  await ownerTenantTx(t, async (trx) => {
    await trx('subjects').insert({ tenant_id: t.id, id: subject, code: 'FR', name: 'Français' });
    await trx('teaching_assignments').insert([
      { tenant_id: t.id, id: newId(), teacher_id: t1, subject_id: subject, class_id: c3a.id },
      { tenant_id: t.id, id: newId(), teacher_id: t2, subject_id: subject, group_id: group },
    ]);
  });
  await mk('staff', 'head', ['head']);
  // A member who left the school is never reached.
  const gone = await mk('teacher', 'parti');
  await ownerTenantTx(t, (trx) => trx('memberships').where({ tenant_id: t.id, id: gone }).update({ left_at: new Date() }));
  return { t, admin, level3, c3a, c4a, group };
}

describe('targeted broadcasts', () => {
  it('the preview counts recipients and members without address, per audience and for combinations', async () => {
    const { admin, level3, c3a, c4a, group } = await school();
    expect(await preview(admin, { everyone: 'on' })).toEqual({ members: 12, addresses: 9, without: 3 });
    expect(await preview(admin, { profiles: 'teacher' })).toEqual({ members: 3, addresses: 2, without: 1 });
    expect(await preview(admin, { profiles: 'student' })).toEqual({ members: 4, addresses: 3, without: 1 });
    expect(await preview(admin, { profiles: 'guardian' })).toEqual({ members: 3, addresses: 2, without: 1 });
    expect(await preview(admin, { profiles: 'staff' })).toEqual({ members: 2, addresses: 2, without: 0 });
    // A level: its classes' students and their guardians.
    expect(await preview(admin, { level_ids: level3, scope_roles: ['student', 'guardian'] })).toEqual({ members: 5, addresses: 4, without: 1 });
    // A class and a group, their teachers only (4A has none; the group has one).
    expect(await preview(admin, { class_ids: c4a.id, group_ids: group, scope_roles: 'teacher' })).toEqual({ members: 1, addresses: 1, without: 0 });
    // A group's students and guardians.
    expect(await preview(admin, { group_ids: group, scope_roles: ['student', 'guardian'] })).toEqual({ members: 2, addresses: 1, without: 1 });
    // All teachers and the students of 3A.
    expect(await preview(admin, { profiles: 'teacher', class_ids: c3a.id, scope_roles: 'student' })).toEqual({ members: 5, addresses: 3, without: 2 });
  });

  it('refuses an empty audience, a missing subject, and another school’s class (422, form kept)', async () => {
    const { admin } = await school();
    const empty = await post(admin, `${BASE}/apercu`, {});
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Choisissez au moins un public.');
    const other = await buildTenant();
    const foreignClass = await buildClass(other);
    const foreign = await post(admin, BASE, { class_ids: foreignClass.id, scope_roles: 'student', subject: 'Sortie', body: 'Texte' });
    expect(foreign.status).toBe(422);
    expect(foreign.text).toContain('n’existe pas dans l’établissement');
    const noSubject = await post(admin, BASE, { profiles: 'teacher', subject: '', body: 'Texte gardé' });
    expect(noSubject.status).toBe(422);
    expect(noSubject.text).toContain('aria-invalid="true" aria-describedby="subject-error"');
    expect(noSubject.text).toContain('Texte gardé');
  });

  it('a 300-recipient broadcast is received exactly once each; progress is polled until the report', async () => {
    const t = await buildTenant();
    const admin = await signedIn(t, { profile: 'admin' });
    await bulkMembers(t, 305, { profile: 'student', withoutAddress: 5 });
    const id = await send(admin, { profiles: 'student', subject: 'Réunion de rentrée', body: 'Bonjour,\n\nla réunion a lieu jeudi.' });
    expect((await rowsOf(t, 'mail_outbox', { broadcast_id: id })).length).toBe(300);

    const during = await admin.c.get(`${BASE}/${id}`);
    expect(during.status).toBe(200);
    expect(during.text).toContain('hx-trigger="every 2s"');
    expect(during.text).toContain(`hx-get="${BASE}/${id}/progression"`);
    expect(during.text).toContain('Envoi en cours');

    const r = await drainOutbox({ transport: relay.transport, tenants: () => [t] });
    expect(r.sent).toBe(300);
    const mine = relay.smtp.received.filter((m) => m.subject === 'Réunion de rentrée' && toOf(m).endsWith('@example.org') && m.from?.value[0]?.address?.includes(t.slug));
    const counts = new Map<string, number>();
    for (const m of mine) counts.set(toOf(m), (counts.get(toOf(m)) ?? 0) + 1);
    expect(counts.size).toBe(300);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(mine[0]!.text).toContain('la réunion a lieu jeudi.');

    const done = await admin.c.get(`${BASE}/${id}/progression`, PARTIAL);
    expect(done.status).toBe(200);
    expect(done.text).not.toContain('hx-trigger');
    expect(done.text).toContain('Rapport d’envoi');
    expect(done.text).toMatch(/data-count="sent">300</);
    expect(done.text).toMatch(/data-count="dead">0</);
    expect(done.text).toMatch(/data-count="without">5</);
    const history = await admin.c.get(BASE);
    expect(history.text).toContain('Réunion de rentrée');
    expect((await rowsOf(t, 'audit_events', { action: 'mailing.broadcast_sent', subject_id: id }))).toHaveLength(1);
  });

  it('failed mails show in the report and in the administrators’ outbox view, where a retry (audited) sends them', async () => {
    const t = await buildTenant();
    const admin = await signedIn(t, { profile: 'admin' });
    await bulkMembers(t, 3, { profile: 'guardian' });
    const id = await send(admin, { profiles: 'guardian', subject: 'Conseil de classe', body: 'Texte' });
    relay.smtp.refuse = true;
    expect((await drainOutbox({ transport: relay.transport, tenants: () => [t], maxAttempts: 1 })).dead).toBe(3);
    const report = await admin.c.get(`${BASE}/${id}`);
    expect(report.text).toMatch(/data-count="dead">3</);
    expect(report.text).toContain('Rapport d’envoi');

    const view = await admin.c.get('/admin/courriels');
    expect(view.status).toBe(200);
    expect(view.text).toMatch(/data-count="dead">3</);
    expect(view.text).toContain('550');
    const [letter] = await rowsOf(t, 'mail_outbox', { broadcast_id: id });
    const retry = await post(admin, `/admin/courriels/${letter.id}/relance`, {});
    expect(retry.status).toBe(303);
    expect((await rowsOf(t, 'mail_outbox', { id: letter.id }))[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(await rowsOf(t, 'audit_events', { action: 'mailing.dead_letter_retried', subject_id: letter.id })).toHaveLength(1);
    relay.smtp.refuse = false;
    expect((await drainOutbox({ transport: relay.transport, tenants: () => [t] })).sent).toBe(1);
    expect(receivedBy(relay.smtp.received, letter.to_address)).toHaveLength(1);
    // A letter that is not dead cannot be retried.
    expect((await post(admin, `/admin/courriels/${letter.id}/relance`, {})).status).toBe(404);
  });

  it('sanitizes the body and can also show the message as a homepage notice', async () => {
    const t = await buildTenant();
    const admin = await signedIn(t, { profile: 'admin' });
    await bulkMembers(t, 2, { profile: 'teacher' });
    const id = await send(admin, { profiles: 'teacher', subject: 'Alerte météo', body: '<p>Fermeture <strong>demain</strong>.</p><script>alert(1)</script><img src=x onerror=alert(2)>', notice: 'on' });
    const [b] = await rowsOf(t, 'mail_broadcasts', { id });
    expect(b.body_html).toContain('<strong>demain</strong>');
    expect(b.body_html).not.toMatch(/script|onerror/);
    expect(b.notice_id).not.toBeNull();
    const [notice] = await rowsOf(t, 'notices', { id: b.notice_id });
    expect(notice.title).toBe('Alerte météo');
    const [row] = await rowsOf(t, 'mail_outbox', { broadcast_id: id });
    expect(row.html_body).not.toMatch(/script|onerror/);
  });

  it('only the head of school and administrators may use it; only administrators see the outbox', async () => {
    const t = await buildTenant();
    const teacher = await signedIn(t, { profile: 'teacher' });
    const guardian = await signedIn(t, { profile: 'guardian' });
    const head = await signedIn(t, { profile: 'staff', functions: ['head'] });
    for (const s of [teacher, guardian]) {
      expect((await s.c.get(BASE)).status).toBe(403);
      expect((await s.c.get(`${BASE}/nouvelle`)).status).toBe(403);
      expect((await post(s, `${BASE}/apercu`, { everyone: 'on' })).status).toBe(403);
      expect((await post(s, BASE, { everyone: 'on', subject: 'x', body: 'y' })).status).toBe(403);
      expect((await s.c.get('/admin/courriels')).status).toBe(403);
    }
    expect(await rowsOf(t, 'mail_broadcasts')).toHaveLength(0);
    expect((await head.c.get(`${BASE}/nouvelle`)).status).toBe(200);
    const cpe = await signedIn(t, { profile: 'staff', functions: ['cpe'] });
    expect((await cpe.c.get(BASE)).status).toBe(403);
    expect((await cpe.c.get('/admin/courriels')).status).toBe(403);
  });
});
