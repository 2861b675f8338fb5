import { afterEach, describe, expect, it } from 'vitest';
import { memberForSession, type Member } from '../../app/auth/member.js';
import { sessionCreator } from '../../app/auth/session.js';
import { currentDatabase, ownerTenantTx, tenantTx } from '../../app/db/index.js';
import { advanceClock, now, resetClock } from '../../app/lib/clock.js';
import { newId } from '../../app/lib/ids.js';
import { MESSAGES_PER_HOUR, RECIPIENTS_PER_HOUR, sendingRefusal } from '../../app/modules/messaging/limits.js';
import { messagingSettings, sendingSwitcher } from '../../app/modules/messaging/settings-store.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { addToClass, buildClass, buildMember, buildTenant, rowsOf, type BuiltMember } from '../fixtures/factories.js';
import { Client, csrfFrom } from '../fixtures/http.js';

afterEach(() => resetClock());

async function memberOf(b: BuiltMember): Promise<Member> {
  const { session } = await tenantTx(b.tenant, () => sessionCreator({ accountId: b.accountId, membershipId: b.membershipId, profile: 'x' }));
  const m = await memberForSession(b.tenant, session.id);
  if (!m) throw new Error('no member');
  return m;
}

/** A message as the mailbox writes it once sent (sent_at now(), or null for a draft). */
async function sent(tenant: Tenant, senderId: string, recipientCount: number, draft = false) {
  const at = now();
  await ownerTenantTx(tenant, (trx) =>
    trx('messages').insert({
      tenant_id: tenant.id, id: newId(), sender_id: senderId, thread_id: newId(), subject: 'Bonjour',
      recipient_count: recipientCount, sent_at: draft ? null : at, created_at: at, updated_at: at,
    }),
  );
}

const refusal = (tenant: Tenant, m: Member, n: number) => tenantTx(tenant, () => sendingRefusal(m, n));

describe('hourly sending limits', () => {
  it('stops a student at 10 messages an hour, drafts not counted, and lets them send again an hour later', async () => {
    const school = await buildTenant();
    const b = await buildMember(school, { profile: 'student' });
    const m = await memberOf(b);
    for (let i = 0; i < MESSAGES_PER_HOUR.student - 1; i++) await sent(school, b.membershipId, 1);
    await sent(school, b.membershipId, 1, true);
    expect(await refusal(school, m, 1)).toBeNull(); // the 10th
    await sent(school, b.membershipId, 1);
    advanceClock(20 * 60_000);
    const msg = await refusal(school, m, 1);
    expect(msg).toBe('Vous avez envoyé 10 messages depuis une heure, la limite est de 10. Réessayez dans 40 minutes.');
    advanceClock(40 * 60_000 + 1000);
    expect(await refusal(school, m, 1)).toBeNull();
  });

  it('counts recipients per hour: stricter for students than for teachers', async () => {
    const school = await buildTenant();
    const student = await buildMember(school, { profile: 'student' });
    const teacher = await buildMember(school, { profile: 'teacher' });
    const ms = await memberOf(student);
    const mt = await memberOf(teacher);
    await sent(school, student.membershipId, 50);
    expect(await refusal(school, ms, RECIPIENTS_PER_HOUR.student - 50)).toBeNull();
    expect(await refusal(school, ms, RECIPIENTS_PER_HOUR.student - 49)).toMatch(/^Vous avez écrit à 50 destinataires depuis une heure, la limite est de 60 \(il vous en reste 10 ; ce message en compte 11\)/);
    // The same volume is ordinary for a teacher.
    await sent(school, teacher.membershipId, 50);
    expect(await refusal(school, mt, 30)).toBeNull();
    await sent(school, teacher.membershipId, 540);
    expect(await refusal(school, mt, 10)).toBeNull();
    expect(await refusal(school, mt, 11)).toContain('la limite est de 600');
    // Another member's messages do not count against them, nor another school's.
    const other = await buildTenant();
    const there = await buildMember(other, { profile: 'teacher', accountId: teacher.accountId });
    await sent(other, there.membershipId, 599);
    expect(await refusal(school, mt, 10)).toBeNull();
    advanceClock(61 * 60_000);
    expect(await refusal(school, mt, 600)).toBeNull();
  });
});

describe('the school switch', () => {
  it('suspends sending for everyone (audited) and resumes it', async () => {
    const school = await buildTenant();
    const admin = await buildMember(school, { profile: 'admin' });
    const teacher = await buildMember(school, { profile: 'teacher' });
    const ma = await memberOf(admin);
    const mt = await memberOf(teacher);
    expect(await tenantTx(school, () => sendingSwitcher({ suspend: true, actor: ma }))).toBe(true);
    expect(await tenantTx(school, () => sendingSwitcher({ suspend: true, actor: ma }))).toBe(false);
    const msg = 'L’envoi de messages est suspendu par l’établissement. Vous pouvez toujours lire vos messages.';
    expect(await refusal(school, mt, 1)).toBe(msg);
    expect(await refusal(school, ma, 1)).toBe(msg);
    // Another school keeps sending.
    const other = await buildTenant();
    const elsewhere = await memberOf(await buildMember(other, { profile: 'teacher' }));
    expect(await refusal(other, elsewhere, 1)).toBeNull();
    await tenantTx(school, () => sendingSwitcher({ suspend: false, actor: ma }));
    expect(await refusal(school, mt, 1)).toBeNull();
    const audit = await rowsOf(school, 'audit_events', { subject_type: 'messaging_settings' });
    expect(audit.map((a) => a.action).sort()).toEqual(['messaging.sending_resumed', 'messaging.sending_suspended']);
    expect(audit.every((a) => a.actor_membership_id === admin.membershipId)).toBe(true);
  });
});

async function signedIn(school: Tenant, profile: string, functions: string[] = []) {
  const m = await buildMember(school, { profile, functions });
  const c = Client.for(school);
  await c.signIn(m.login, m.password);
  const page = await c.get('/espace');
  return { m, c, _csrf: csrfFrom(page.text) };
}

describe('/admin/messagerie', () => {
  it('is for administrators and the head only', async () => {
    const school = await buildTenant();
    const visitor = await Client.for(school).get('/admin/messagerie');
    expect(visitor.status).toBe(303);
    const teacher = await signedIn(school, 'teacher');
    expect((await teacher.c.get('/admin/messagerie')).status).toBe(403);
    expect((await teacher.c.post('/admin/messagerie/envoi', { _csrf: teacher._csrf, suspend: '1' })).status).toBe(403);
    expect(await rowsOf(school, 'messaging_settings')).toEqual([]);
    const head = await signedIn(school, 'staff', ['head']);
    expect((await head.c.get('/admin/messagerie')).status).toBe(200);
  });

  it('suspends and resumes sending without JavaScript, audited, and shows it', async () => {
    const school = await buildTenant();
    const { m, c, _csrf } = await signedIn(school, 'admin');
    const page = await c.get('/admin/messagerie');
    expect(page.text).toContain('L’envoi de messages est ouvert');
    const res = await c.post('/admin/messagerie/envoi', { _csrf, suspend: '1' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/messagerie?enregistre=1');
    const [row] = await rowsOf(school, 'messaging_settings');
    expect(row.sending_suspended_at).not.toBeNull();
    expect(row.sending_suspended_by).toBe(m.membershipId);
    const after = await c.get('/admin/messagerie?enregistre=1');
    expect(after.text).toContain('L’envoi de messages est suspendu</strong>');
    expect(after.text).toContain('Rétablir l’envoi des messages');
    // A would-be sender sees it on the picker page.
    const teacher = await signedIn(school, 'teacher');
    expect((await teacher.c.get('/messagerie/destinataires')).text).toContain('L’envoi de messages est suspendu par l’établissement');
    expect((await c.post('/admin/messagerie/envoi', { _csrf, suspend: 'x' })).status).toBe(422);
    await c.post('/admin/messagerie/envoi', { _csrf, suspend: '0' });
    expect((await rowsOf(school, 'messaging_settings'))[0].sending_suspended_at).toBeNull();
    const audit = await rowsOf(school, 'audit_events', { subject_type: 'messaging_settings' });
    expect(audit).toHaveLength(2);
  });

  it('opens external addresses to profiles and classes of the school only', async () => {
    const school = await buildTenant();
    const other = await buildTenant();
    const cls = await buildClass(school, '4B');
    const foreign = await buildClass(other, '4B');
    const { c, _csrf } = await signedIn(school, 'admin');
    const ok = await c.post('/admin/messagerie/adresses-externes', { _csrf, profiles: 'teacher', classes: cls.id });
    expect(ok.status).toBe(303);
    const [row] = await rowsOf(school, 'messaging_settings');
    expect(row.external_profiles).toEqual(['teacher']);
    expect(row.external_class_ids).toEqual([cls.id]);
    const page = await c.get('/admin/messagerie');
    expect(page.text).toMatch(/value="teacher" checked/);
    expect(page.text).toMatch(new RegExp(`value="${cls.id}" checked`));
    const bad = await c.post('/admin/messagerie/adresses-externes', { _csrf, classes: foreign.id });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Classe inconnue.');
    expect(bad.text).toContain('aria-invalid="true"');
    expect((await c.post('/admin/messagerie/adresses-externes', { _csrf, profiles: 'pirate' })).status).toBe(422);
    expect((await rowsOf(school, 'messaging_settings'))[0].external_class_ids).toEqual([cls.id]);
    const audit = await rowsOf(school, 'audit_events', { action: 'messaging.external_access_changed' });
    expect(audit).toHaveLength(1);
    expect(audit[0].details.after).toEqual({ profiles: ['teacher'], levels: [], classes: [cls.id] });
  });
});

describe('GET /messagerie/destinataires', () => {
  it('answers htmx with the options fragment, and a page with checkboxes without JavaScript', async () => {
    const school = await buildTenant();
    const cls = await buildClass(school, '3A');
    const { m, c } = await signedIn(school, 'student');
    await addToClass(school, cls.id, m.membershipId);
    const mate = await buildMember(school, { profile: 'student', firstName: 'Éloïse', lastName: 'Lefèvre' });
    await addToClass(school, cls.id, mate.membershipId);
    const stranger = await buildMember(school, { profile: 'student', firstName: 'Éloïse', lastName: 'Autre' });
    const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial', 'HX-Target': 'ul#picker-listbox' };
    const frag = await c.get('/messagerie/destinataires?q=eloise', htmx);
    expect(frag.status).toBe(200);
    expect(frag.text).not.toContain('<html');
    expect(frag.text).toContain(`data-key="m:${mate.membershipId}"`);
    expect(frag.text).toContain('role="option"');
    expect(frag.text).not.toContain(stranger.membershipId);
    const none = await c.get('/messagerie/destinataires?q=zzz', htmx);
    expect(none.text).toContain('Aucun destinataire trouvé pour « zzz »');
    const page = await c.get(`/messagerie/destinataires?q=eleves&recipients=m:${mate.membershipId}&recipients=m:${stranger.membershipId}&retour=/messagerie/nouveau`);
    expect(page.status).toBe(200);
    expect(page.text).toContain(`name="recipients" value="m:${mate.membershipId}" checked`);
    expect(page.text).not.toContain(stranger.membershipId); // a forbidden key is dropped, never described
    expect(page.text).toContain(`name="recipients" value="g:students:${cls.id}"`);
    expect(page.text).toContain('formaction="/messagerie/nouveau"');
    const evil = await c.get('/messagerie/destinataires?retour=https://evil.example/');
    expect(evil.text).toContain('formaction="/messagerie/nouveau"');
    expect((await Client.for(school).get('/messagerie/destinataires?q=a')).status).toBe(303);
  });
});

describe('messaging settings within one transaction', () => {
  it('are read once, and read again after the transaction changes them', async () => {
    const school = await buildTenant();
    const head = await buildMember(school, { profile: 'admin' });
    const reads: string[] = [];
    const onQuery = (q: { sql: string }) => {
      if (q.sql.includes('messaging_settings') && q.sql.startsWith('select')) reads.push(q.sql);
    };
    const knex = currentDatabase().knex;
    knex.on('query', onQuery);
    try {
      const seen = await tenantTx(school, async () => {
        const before = [await messagingSettings(), await messagingSettings()];
        const readsBefore = reads.length;
        await sendingSwitcher({ suspend: true, actor: head });
        const after = await messagingSettings();
        return { before, readsBefore, after };
      });
      expect(seen.readsBefore).toBe(1);
      expect(seen.before.map((s) => s.sendingSuspendedAt)).toEqual([null, null]);
      expect(seen.after.sendingSuspendedAt).toBeInstanceOf(Date);
      // The switch read them (memoized), wrote, and the next read went back to the table.
      expect(reads.length).toBe(2);
    } finally {
      knex.off('query', onQuery);
    }
  });
});
