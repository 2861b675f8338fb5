import { afterEach, describe, expect, it } from 'vitest';
import { ownerTenantTx } from '../../app/db/index.js';
import { resetClock } from '../../app/lib/clock.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { addGuardianship, addToClass, buildClass, buildTenant, rowsOf } from '../fixtures/factories.js';
import { draftIdOf, newDraft, person, post, send, teach, type Person } from './messaging-support.js';

/**
 * A message outlives its sender (migrations 20261123111000–111030): deleting a member's membership — a teacher
 * leaving the school, an account removed by an administrator or an import — no longer deletes every message
 * they sent from every recipient's mailbox.
 */

afterEach(() => resetClock());

/** Deletes a membership the way an administrator's tooling or an import does: the row, as the owner. */
async function deleteMembership(school: Tenant, membershipId: string): Promise<void> {
  await ownerTenantTx(school, async (trx) => {
    const n = await trx('memberships').where({ tenant_id: school.id, id: membershipId }).del();
    expect(n).toBe(1);
  });
}

/** A teacher of 3A, a 3A student and their guardian, and the school's CPE. */
async function classWithParent() {
  const school = await buildTenant();
  const teacher = await person(school, { profile: 'teacher', firstName: 'Marie', lastName: 'Dupont' });
  const cls = await buildClass(school, '3A');
  await teach(school, cls.id, teacher.m.membershipId);
  const student = await person(school, { profile: 'student' });
  await addToClass(school, cls.id, student.m.membershipId);
  const parent = await person(school, { profile: 'guardian', firstName: 'Paul', lastName: 'Bernard' });
  await addGuardianship(school, parent.m.membershipId, student.m.membershipId);
  const cpe = await person(school, { profile: 'staff', firstName: 'Claire', lastName: 'Roux' });
  return { school, teacher, parent, cpe, cls };
}

const htmlText = (html: string) => html.replace(/&#39;|&#x27;/g, "'").replace(/&rsquo;/g, '’');

async function inboxOf(p: Person): Promise<string> {
  const res = await p.c.get('/messagerie');
  expect(res.status).toBe(200);
  return htmlText(res.text);
}

describe('a sender’s membership is deleted', () => {
  it('the parent still has the teacher’s message in the inbox and the conversation, under the name kept with it', async () => {
    const { school, teacher, parent, cpe } = await classWithParent();
    const id = await send(teacher, [parent.key, cpe.key], 'Sortie au musée', '<p>Prévoir un pique-nique pour jeudi.</p>');
    const [sent] = await rowsOf(school, 'messages', { id });
    expect(sent.sender_name).toBe('Marie Dupont');
    // A draft of the teacher, never sent: it goes with them.
    const draft = await newDraft(teacher);

    await deleteMembership(school, teacher.m.membershipId);

    const [kept] = await rowsOf(school, 'messages', { id });
    expect(kept).toBeDefined();
    expect(kept.tenant_id).toBe(school.id);
    expect(kept.sender_id).toBeNull();
    expect(kept.sender_name).toBe('Marie Dupont');
    expect(await rowsOf(school, 'messages', { id: draft })).toEqual([]);
    // The recipients' copies stay; the teacher's own 'sent' copy went with their mailbox.
    const entries = await rowsOf(school, 'message_entries', { message_id: id });
    expect(entries.map((e) => e.owner_id).sort()).toEqual([parent.m.membershipId, cpe.m.membershipId].sort());

    const inbox = await inboxOf(parent);
    expect(inbox).toContain('Sortie au musée');
    expect(inbox).toContain('Marie Dupont (a quitté l’établissement)');
    const search = htmlText((await parent.c.get('/messagerie/recherche?q=pique-nique')).text);
    expect(search).toContain('Sortie au musée');

    const thread = await parent.c.get(`/messagerie/messages/${id}`);
    expect(thread.status).toBe(200);
    const threadText = htmlText(thread.text);
    expect(threadText).toContain('Prévoir un pique-nique pour jeudi.');
    expect(threadText).toContain('Marie Dupont (a quitté l’établissement)');
    expect((await rowsOf(school, 'message_entries', { message_id: id, owner_id: parent.m.membershipId }))[0].read_at).not.toBeNull();
  });

  it('a reply explains in French that the sender can no longer receive messages (no error), and cannot reach them', async () => {
    const { school, teacher, parent } = await classWithParent();
    const id = await send(teacher, [parent.key], 'Cahier de textes', '<p>Exercices 3 et 4.</p>');
    await deleteMembership(school, teacher.m.membershipId);

    const reply = await post(parent, `/messagerie/messages/${id}/reponse`);
    const replyId = draftIdOf(reply);
    const [replyDraft] = await rowsOf(school, 'messages', { id: replyId });
    expect(replyDraft.recipients).toEqual([]);
    expect(replyDraft.thread_id).toBe(id);
    expect(replyDraft.sender_name).toBe('Paul Bernard');
    expect(replyDraft.body_html).toContain('Marie Dupont a écrit');

    const page = await parent.c.get(`/messagerie/brouillons/${replyId}`);
    expect(page.status).toBe(200);
    expect(htmlText(page.text)).toContain('Marie Dupont a quitté l’établissement et ne peut plus recevoir de messages');
    expect(page.text).toContain('value="RE : Cahier de textes"');

    // Sending as is: nobody to send to, said beside the field (422), not a server error.
    const refused = await post(parent, `/messagerie/brouillons/${replyId}/envoi`, { subject: 'RE : Cahier de textes', body: '<p>Merci.</p>' });
    expect(refused.status).toBe(422);
    expect(htmlText(refused.text)).toContain('Choisissez au moins un destinataire');
    expect(htmlText(refused.text)).toContain('ne peut plus recevoir de messages');

    // Forwarding still names the author.
    const fwdId = draftIdOf(await post(parent, `/messagerie/messages/${id}/transfert`));
    expect((await rowsOf(school, 'messages', { id: fwdId }))[0].body_html).toContain('De : Marie Dupont');
  });

  it('reply all still reaches the other recipients, in the same conversation', async () => {
    const { school, teacher, parent, cpe } = await classWithParent();
    const id = await send(teacher, [parent.key, cpe.key], 'Absence', '<p>Votre enfant était absent ce matin.</p>');
    await deleteMembership(school, teacher.m.membershipId);

    const allId = draftIdOf(await post(parent, `/messagerie/messages/${id}/reponse`, { tous: '1' }));
    const [allDraft] = await rowsOf(school, 'messages', { id: allId });
    expect(allDraft.recipients.map((r: { key: string }) => r.key)).toEqual([cpe.key]);
    const page = await parent.c.get(`/messagerie/brouillons/${allId}`);
    expect(page.status).toBe(200);
    expect(htmlText(page.text)).toContain('ne peut plus recevoir de messages');

    const sent = await post(parent, `/messagerie/brouillons/${allId}/envoi`, { recipients: cpe.key, subject: 'RE : Absence', body: '<p>Il était malade.</p>' });
    expect(sent.status, /field-error[^>]*>([^<]*)/.exec(sent.text)?.[1]).toBe(303);
    const thread = await cpe.c.get(`/messagerie/messages/${allId}`);
    expect(thread.status).toBe(200);
    const text = htmlText(thread.text);
    expect(text).toContain('Votre enfant était absent ce matin.');
    expect(text).toContain('Marie Dupont (a quitté l’établissement)');
    expect(text).toContain('Il était malade.');
    expect(text).toContain('Paul Bernard');
  });

  it('a reply to a sender still in the school gets no such notice', async () => {
    const { teacher, parent } = await classWithParent();
    const id = await send(teacher, [parent.key], 'Cahier de textes', '<p>Exercices 3 et 4.</p>');
    const replyId = draftIdOf(await post(parent, `/messagerie/messages/${id}/reponse`));
    const page = await parent.c.get(`/messagerie/brouillons/${replyId}`);
    expect(page.text).toContain(`name="recipients" value="${teacher.key}"`);
    expect(htmlText(page.text)).not.toContain('ne peut plus recevoir de messages');
  });

  it('the administrators find the message by the kept name and their purge still removes every copy', async () => {
    const { school, teacher, parent, cpe } = await classWithParent();
    const admin = await person(school, { profile: 'admin' });
    const id = await send(teacher, [parent.key, cpe.key], 'Message déplacé', '<p>Contenu à retirer.</p>');
    await deleteMembership(school, teacher.m.membershipId);

    const bySender = await admin.c.get('/admin/messagerie/messages?expediteur=dupont');
    expect(bySender.status).toBe(200);
    expect(bySender.text).toContain('Message déplacé');
    const byContent = await admin.c.get('/admin/messagerie/messages?q=retirer');
    expect(byContent.text).toContain('Message déplacé');

    const purged = await post(admin, `/admin/messagerie/messages/${id}/purge`, { q: 'retirer' });
    expect(purged.status).toBe(303);
    expect(purged.headers.location).toContain('supprime=2');
    expect(await rowsOf(school, 'messages', { id })).toEqual([]);
    expect(await rowsOf(school, 'message_entries', { message_id: id })).toEqual([]);
    expect((await parent.c.get(`/messagerie/messages/${id}`)).status).toBe(404);
    expect(await inboxOf(parent)).not.toContain('Message déplacé');
    const [audit] = await rowsOf(school, 'audit_events', { action: 'messaging.message_purged' });
    expect(audit.subject_id).toBe(id);
    expect(audit.details.sender_id).toBeNull();
    expect(audit.details.sender_name).toContain('Marie Dupont');
  });
});
