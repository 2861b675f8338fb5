import { afterEach, describe, expect, it } from 'vitest';
import supertest from 'supertest';
import { ownerTenantTx } from '../../app/db/index.js';
import { resetClock } from '../../app/lib/clock.js';
import { addGuardianship, addToClass, buildClass, buildMember, buildTenant, rowsOf } from '../fixtures/factories.js';
import { testApp } from '../fixtures/http.js';
import sharp from 'sharp';
import { htmlPage, jpegWithGps, pdf } from '../fixtures/images.js';
import { draftIdOf, newDraft, person, post, send, teach } from './messaging-support.js';

afterEach(() => resetClock());

const htmx = { 'HX-Request': 'true', 'HX-Request-Type': 'partial' };

describe('sending', () => {
  it('fans out one inbox copy per recipient and a sent copy, counts recipients, and the unread count follows reading', async () => {
    const school = await buildTenant();
    const teacher = await person(school, { profile: 'teacher', firstName: 'Anne', lastName: 'Martin' });
    const b = await person(school, { profile: 'teacher' });
    const c = await person(school, { profile: 'staff' });
    const id = await send(teacher, [b.key, c.key], 'Conseil de classe', '<p>Le conseil a lieu <strong>jeudi</strong>.</p><script>alert(1)</script><p hx-get="/x" onclick="x()">fin</p>');

    const [msg] = await rowsOf(school, 'messages', { id });
    expect(msg.sender_id).toBe(teacher.m.membershipId);
    expect(msg.sent_at).not.toBeNull();
    expect(msg.recipient_count).toBe(2);
    expect(msg.body_html).toContain('<strong>jeudi</strong>');
    expect(msg.body_html).not.toMatch(/script|hx-get|onclick/);
    const entries = await rowsOf(school, 'message_entries', { message_id: id });
    expect(entries.map((e) => [e.owner_id, e.box]).sort()).toEqual(
      [[teacher.m.membershipId, 'sent'], [b.m.membershipId, 'inbox'], [c.m.membershipId, 'inbox']].sort(),
    );

    // The navigation's fragment: a bare count, no page around it.
    const unread = await b.c.get('/messagerie/non-lus', htmx);
    expect(unread.status).toBe(200);
    expect(unread.text).not.toContain('<html');
    expect(unread.text).toMatch(/>1<span class="visually-hidden"> message non lu</);
    const inbox = await b.c.get('/messagerie');
    expect(inbox.text).toContain('Conseil de classe');
    expect(inbox.text).toContain('Anne Martin');
    expect(inbox.text).toContain('mail-item--unread');
    // Every member page's navigation asks for the count.
    expect((await b.c.get('/espace')).text).toContain('hx-get="/messagerie/non-lus"');

    const thread = await b.c.get(`/messagerie/messages/${id}`);
    expect(thread.status).toBe(200);
    expect(thread.text).toContain('<strong>jeudi</strong>');
    expect(thread.text).not.toContain('alert(1)');
    expect((await b.c.get('/messagerie/non-lus', htmx)).text.trim()).toBe('');
    expect((await rowsOf(school, 'message_entries', { message_id: id, owner_id: b.m.membershipId }))[0].read_at).not.toBeNull();

    // Marked unread again, and the sender sees it in "Envoyés".
    expect((await post(b, `/messagerie/messages/${id}/lecture`, { lu: '0' })).status).toBe(303);
    expect((await b.c.get('/messagerie/non-lus', htmx)).text).toContain('>1<');
    expect((await teacher.c.get('/messagerie/envoyes')).text).toContain('Conseil de classe');
    expect((await teacher.c.get('/messagerie')).text).not.toContain('Conseil de classe');
  });

  it('sends to more people than a form usually repeats a field (25 recipients, each their copy)', async () => {
    const school = await buildTenant();
    const teacher = await person(school, { profile: 'teacher' });
    const colleagues = await Promise.all(Array.from({ length: 25 }, () => buildMember(school, { profile: 'teacher' })));
    const id = await send(teacher, colleagues.map((c) => `m:${c.membershipId}`), 'Réunion de rentrée');
    const [msg] = await rowsOf(school, 'messages', { id });
    expect(msg.recipient_count).toBe(25);
    expect(await rowsOf(school, 'message_entries', { message_id: id, box: 'inbox' })).toHaveLength(25);
  });

  it('refuses without recipient or subject, or a forbidden recipient, with the message shown and the draft kept (422)', async () => {
    const school = await buildTenant();
    const guardian = await person(school, { profile: 'guardian' });
    const otherGuardian = await person(school, { profile: 'guardian' });
    const staff = await person(school, { profile: 'staff' });
    const id = await newDraft(guardian);

    const none = await post(guardian, `/messagerie/brouillons/${id}/envoi`, { subject: 'Absence', body: '<p>Mon fils est malade.</p>' });
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choisissez au moins un destinataire');
    expect(none.text).toContain('aria-invalid="true"');
    const noSubject = await post(guardian, `/messagerie/brouillons/${id}/envoi`, { recipients: staff.key, subject: ' ', body: '<p>Mon fils est malade.</p>' });
    expect(noSubject.status).toBe(422);
    expect(noSubject.text).toContain('Indiquez l’objet du message');

    const forbidden = await post(guardian, `/messagerie/brouillons/${id}/envoi`, { recipients: [staff.key, otherGuardian.key], subject: 'Absence', body: '<p>Mon fils est malade.</p>' });
    expect(forbidden.status).toBe(422);
    expect(forbidden.text).toContain('Le message n’a pas été envoyé');
    const [draft] = await rowsOf(school, 'messages', { id });
    expect(draft.sent_at).toBeNull();
    expect(draft.body_html).toBe('<p>Mon fils est malade.</p>');
    expect(draft.subject).toBe('Absence');
    expect(await rowsOf(school, 'message_entries', { message_id: id })).toEqual([]);

    // The school suspends sending: refused with the school's notice, still a draft.
    await ownerTenantTx(school, (trx) => trx('messaging_settings').insert({ tenant_id: school.id, sending_suspended_at: new Date(), updated_at: new Date() }));
    const suspended = await post(guardian, `/messagerie/brouillons/${id}/envoi`, { recipients: staff.key, subject: 'Absence', body: '<p>Mon fils est malade.</p>' });
    expect(suspended.status).toBe(422);
    expect((await rowsOf(school, 'messages', { id }))[0].sent_at).toBeNull();
    // Reading still works.
    expect((await guardian.c.get('/messagerie')).status).toBe(200);
  });

  it('answers 429 with the message when the sender’s hourly limit is reached, the draft kept', async () => {
    const school = await buildTenant();
    const student = await person(school, { profile: 'student' });
    const staff = await person(school, { profile: 'staff' });
    for (let i = 0; i < 10; i++) await send(student, [staff.key], `Question ${i}`);
    const id = await newDraft(student);
    const res = await post(student, `/messagerie/brouillons/${id}/envoi`, { recipients: staff.key, subject: 'Encore', body: '<p>Une de plus</p>' });
    expect(res.status).toBe(429);
    expect(res.text).toContain('Le message n’a pas été envoyé');
    expect((await rowsOf(school, 'messages', { id }))[0].sent_at).toBeNull();
  });

  it('mails a notification without the body to members who asked, and the message itself to external addresses', async () => {
    const school = await buildTenant();
    const teacher = await person(school, { profile: 'teacher', firstName: 'Anne', lastName: 'Martin' });
    const wants = await person(school, { profile: 'staff' });
    const doesNot = await person(school, { profile: 'staff' });
    await ownerTenantTx(school, async (trx) => {
      await trx('memberships').where({ tenant_id: school.id, id: wants.m.membershipId }).update({ email: 'veut@example.org' });
      await trx('memberships').where({ tenant_id: school.id, id: doesNot.m.membershipId }).update({ email: 'neveut@example.org' });
      await trx('messaging_settings').insert({ tenant_id: school.id, external_profiles: ['teacher'], updated_at: new Date() });
    });
    expect((await post(wants, '/messagerie/preferences', { notification: '1' })).status).toBe(303);
    expect((await wants.c.get('/messagerie')).text).toMatch(/id="notification" name="notification" type="checkbox" value="1" checked/);
    const id = await send(teacher, [wants.key, doesNot.key, 'email:parent.externe@example.net'], 'Sortie au musée', '<p>Rendez-vous secret à 8 h.</p>');
    const mails = await rowsOf(school, 'mail_outbox');
    expect(mails.map((m) => m.to_address).sort()).toEqual(['parent.externe@example.net', 'veut@example.org']);
    const note = mails.find((m) => m.to_address === 'veut@example.org')!;
    expect(note.subject).toBe('Nouveau message de Anne Martin : Sortie au musée');
    expect(note.text_body).toContain(`/messagerie/messages/${id}`);
    expect(note.text_body).not.toContain('secret');
    const external = mails.find((m) => m.to_address === 'parent.externe@example.net')!;
    expect(external.text_body).toContain('Rendez-vous secret à 8 h.');
    expect((await rowsOf(school, 'messages', { id }))[0].external_addresses).toEqual(['parent.externe@example.net']);
  });
});

describe('replies, forwards, conversations', () => {
  it('reply goes to the sender in the same conversation, reply all to everyone else, forward carries the attachments', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher', firstName: 'Anne', lastName: 'Martin' });
    const b = await person(school, { profile: 'teacher', firstName: 'Bruno', lastName: 'Petit' });
    const c = await person(school, { profile: 'staff', firstName: 'Chloé', lastName: 'Roux' });
    const first = await newDraft(a);
    const up = await supertest(testApp().callback())
      .post(`/messagerie/brouillons/${first}/pieces-jointes?_csrf=${encodeURIComponent(a.csrf)}`)
      .set('Host', a.c.host)
      .set('Origin', `http://${a.c.host}`)
      .set('Cookie', a.c.cookieHeader())
      .attach('file', pdf('Ordre du jour'), 'ordre-du-jour.pdf');
    expect(up.status).toBe(303);
    expect((await rowsOf(school, 'message_attachments', { message_id: first }))).toHaveLength(1);
    const sent = await post(a, `/messagerie/brouillons/${first}/envoi`, { recipients: [b.key, c.key], subject: 'Réunion', body: '<p>Ordre du jour joint.</p>' });
    expect(sent.status).toBe(303);

    // Reply: to A only, quoted, same thread.
    const replyId = draftIdOf(await post(b, `/messagerie/messages/${first}/reponse`));
    const replyPage = await b.c.get(`/messagerie/brouillons/${replyId}`);
    expect(replyPage.text).toContain('value="RE : Réunion"');
    expect(replyPage.text).toContain(`name="recipients" value="${a.key}"`);
    expect(replyPage.text).not.toContain(`name="recipients" value="${c.key}"`);
    const [replyDraft] = await rowsOf(school, 'messages', { id: replyId });
    expect(replyDraft.thread_id).toBe(first);
    expect(replyDraft.body_html).toContain('Anne Martin a écrit');
    expect((await post(b, `/messagerie/brouillons/${replyId}/envoi`, { recipients: a.key, subject: 'RE : Réunion', body: '<p>Je serai là.</p>' })).status).toBe(303);
    const thread = await a.c.get(`/messagerie/messages/${replyId}`);
    expect(thread.status).toBe(200);
    expect(thread.text).toContain('Ordre du jour joint.');
    expect(thread.text).toContain('Je serai là.');

    // Reply all from C: A (the sender) and B (the other recipient), never C.
    const allId = draftIdOf(await post(c, `/messagerie/messages/${first}/reponse`, { tous: '1' }));
    const [allDraft] = await rowsOf(school, 'messages', { id: allId });
    expect(allDraft.recipients.map((r: { key: string }) => r.key).sort()).toEqual([a.key, b.key].sort());

    // Forward from B: new subject, no recipients yet, the attachment copied (same stored file).
    const fwdId = draftIdOf(await post(b, `/messagerie/messages/${first}/transfert`));
    const [fwd] = await rowsOf(school, 'messages', { id: fwdId });
    expect(fwd.subject).toBe('TR : Réunion');
    expect(fwd.recipients).toEqual([]);
    const [original] = await rowsOf(school, 'message_attachments', { message_id: first });
    const [copied] = await rowsOf(school, 'message_attachments', { message_id: fwdId });
    expect(copied.sha256).toBe(original.sha256);
    expect(copied.id).not.toBe(original.id);
    expect((await post(b, `/messagerie/brouillons/${fwdId}/envoi`, { recipients: c.key, subject: fwd.subject, body: fwd.body_html })).status).toBe(303);
    const download = await c.c.get(`/messagerie/pieces-jointes/${copied.id}`);
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toContain('ordre-du-jour.pdf');
    expect(download.headers['content-type']).toBe('application/pdf');
  });
});

describe('drafts', () => {
  it('autosaves through htmx (a one-line status), survives a reload, and is nobody else’s', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher' });
    const b = await person(school, { profile: 'teacher' });
    const staff = await person(school, { profile: 'staff', firstName: 'Lucie', lastName: 'Bernard' });
    const id = await newDraft(a);
    const saved = await post(a, `/messagerie/brouillons/${id}`, { recipients: staff.key, subject: 'Brouillon en cours', body: '<p>À finir</p>' }, htmx);
    expect(saved.status).toBe(200);
    expect(saved.text).not.toContain('<html');
    expect(saved.text).toContain('Brouillon enregistré');
    const page = await a.c.get(`/messagerie/brouillons/${id}`);
    expect(page.text).toContain('value="Brouillon en cours"');
    expect(page.text).toContain('Lucie Bernard');
    expect(page.text).toContain('&lt;p&gt;À finir&lt;/p&gt;');
    expect((await a.c.get('/messagerie/brouillons')).text).toContain('Brouillon en cours');
    // Another member of the same school: not found, not changed.
    expect((await b.c.get(`/messagerie/brouillons/${id}`)).status).toBe(404);
    expect((await post(b, `/messagerie/brouillons/${id}`, { subject: 'Volé' })).status).toBe(404);
    expect((await post(b, `/messagerie/brouillons/${id}/envoi`, { recipients: staff.key, subject: 'Volé' })).status).toBe(404);
    expect((await rowsOf(school, 'messages', { id }))[0].subject).toBe('Brouillon en cours');
    // A plain save comes back to the draft; deleting it removes it.
    expect((await post(a, `/messagerie/brouillons/${id}`, { subject: 'Version 2', body: '' })).headers.location).toBe(`/messagerie/brouillons/${id}?enregistre=1`);
    expect((await post(a, `/messagerie/brouillons/${id}/suppression`)).status).toBe(303);
    expect(await rowsOf(school, 'messages', { id })).toEqual([]);
  });
});

describe('folders and trash', () => {
  it('creates, renames and deletes folders, moves a message, trashes and restores it, deletes it for good', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher' });
    const b = await person(school, { profile: 'teacher' });
    const id = await send(a, [b.key], 'Projet Erasmus');

    const created = await post(b, '/messagerie/dossiers', { name: 'Projets' });
    expect(created.status).toBe(303);
    const folderId = /dossiers\/([0-9a-f-]{36})$/.exec(created.headers.location)![1];
    const dup = await post(b, '/messagerie/dossiers', { name: 'projets' });
    expect(dup.status).toBe(422);
    expect(dup.text).toContain('Vous avez déjà un dossier de ce nom');
    expect((await post(b, '/messagerie/dossiers', { name: '  ' })).status).toBe(422);

    expect((await post(b, `/messagerie/messages/${id}/deplacement`, { dossier: folderId })).headers.location).toBe(`/messagerie/dossiers/${folderId}`);
    expect((await b.c.get(`/messagerie/dossiers/${folderId}`)).text).toContain('Projet Erasmus');
    expect((await b.c.get('/messagerie')).text).not.toContain('Projet Erasmus');
    // A folder of someone else is unknown.
    expect((await a.c.get(`/messagerie/dossiers/${folderId}`)).status).toBe(404);
    expect((await post(a, `/messagerie/messages/${id}/deplacement`, { dossier: folderId })).status).toBe(422);

    expect((await post(b, `/messagerie/dossiers/${folderId}`, { name: 'Europe' })).status).toBe(303);
    expect((await rowsOf(school, 'message_folders', { id: folderId }))[0].name).toBe('Europe');
    expect((await post(b, `/messagerie/dossiers/${folderId}/suppression`)).status).toBe(303);
    expect(await rowsOf(school, 'message_folders', { id: folderId })).toEqual([]);
    expect((await b.c.get('/messagerie')).text).toContain('Projet Erasmus');

    // Trash and restore.
    await post(b, `/messagerie/messages/${id}/corbeille`);
    expect((await b.c.get('/messagerie')).text).not.toContain('Projet Erasmus');
    expect((await b.c.get('/messagerie/corbeille')).text).toContain('Projet Erasmus');
    expect((await post(b, `/messagerie/messages/${id}/restauration`)).status).toBe(303);
    expect((await b.c.get('/messagerie')).text).toContain('Projet Erasmus');
    expect((await b.c.get('/messagerie/corbeille')).text).not.toContain('Projet Erasmus');
    // Deleting for good only from the trash; the sender keeps their copy.
    expect((await post(b, `/messagerie/messages/${id}/suppression`)).status).toBe(422);
    await post(b, `/messagerie/messages/${id}/corbeille`);
    expect((await post(b, `/messagerie/messages/${id}/suppression`)).status).toBe(303);
    expect(await rowsOf(school, 'message_entries', { message_id: id, owner_id: b.m.membershipId })).toEqual([]);
    expect((await a.c.get(`/messagerie/messages/${id}`)).status).toBe(200);
    expect((await b.c.get(`/messagerie/messages/${id}`)).status).toBe(404);
  });

  it('flags a message', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher' });
    const b = await person(school, { profile: 'teacher' });
    const id = await send(a, [b.key], 'À suivre');
    await post(b, `/messagerie/messages/${id}/drapeau`, { drapeau: '1', retour: '/messagerie' });
    expect((await rowsOf(school, 'message_entries', { message_id: id, owner_id: b.m.membershipId }))[0].flagged).toBe(true);
    expect((await b.c.get('/messagerie')).text).toContain('<span class="mail-flag">Suivi</span>');
    // The return address stays inside the messaging pages.
    const res = await post(b, `/messagerie/messages/${id}/drapeau`, { drapeau: '0', retour: 'https://evil.example/' });
    expect(res.headers.location).toBe(`/messagerie/messages/${id}`);
    expect((await rowsOf(school, 'message_entries', { message_id: id, owner_id: b.m.membershipId }))[0].flagged).toBe(false);
  });
});

describe('a listing’s selection', () => {
  it('marks read, flags, moves and trashes the ticked messages, only the member’s own copies', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher' });
    const b = await person(school, { profile: 'teacher' });
    const outsider = await person(school, { profile: 'teacher' });
    const one = await send(a, [b.key], 'Premier');
    const two = await send(a, [b.key], 'Second');
    const three = await send(a, [b.key], 'Troisième');
    const list = await b.c.get('/messagerie');
    expect(list.text).toContain(`name="ids" value="${one}"`);
    expect((await b.c.get('/messagerie/non-lus', htmx)).text).toContain('>3<');
    const entry = async (id: string) => (await rowsOf(school, 'message_entries', { message_id: id, owner_id: b.m.membershipId }))[0];

    expect((await post(b, '/messagerie/selection', { ids: [one, two], action: 'lu', retour: '/messagerie' })).headers.location).toBe('/messagerie');
    expect((await b.c.get('/messagerie/non-lus', htmx)).text).toContain('>1<');
    await post(b, '/messagerie/selection', { ids: [two, three], action: 'suivre' });
    expect((await entry(two)).flagged).toBe(true);
    expect((await entry(one)).flagged).toBe(false);
    const folder = await post(b, '/messagerie/dossiers', { name: 'Archives' });
    const folderId = /dossiers\/([0-9a-f-]{36})$/.exec(folder.headers.location)![1];
    await post(b, '/messagerie/selection', { ids: [one], action: 'deplacer', dossier: folderId });
    expect((await entry(one)).folder_id).toBe(folderId);
    await post(b, '/messagerie/selection', { ids: [two, three], action: 'corbeille' });
    expect((await b.c.get('/messagerie/corbeille')).text).toContain('Second');
    await post(b, '/messagerie/selection', { ids: [three], action: 'restaurer' });
    await post(b, '/messagerie/selection', { ids: [two], action: 'supprimer' });
    expect(await entry(two)).toBeUndefined();
    expect((await entry(three)).trashed_at).toBeNull();
    // Unknown action or someone else's folder: refused; someone else's ids: nothing changes for them.
    expect((await post(b, '/messagerie/selection', { ids: [one], action: 'effacer-tout' })).status).toBe(422);
    expect((await post(outsider, '/messagerie/selection', { ids: [one], action: 'deplacer', dossier: folderId })).status).toBe(422);
    await post(outsider, '/messagerie/selection', { ids: [one, three], action: 'corbeille' });
    expect((await entry(three)).trashed_at).toBeNull();
    expect((await entry(one)).folder_id).toBe(folderId);
  });

  it('pages a long mailbox, newest first', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher' });
    const b = await person(school, { profile: 'teacher' });
    const at = Date.now();
    await ownerTenantTx(school, async (trx) => {
      for (let i = 0; i < 55; i++) {
        const id = crypto.randomUUID();
        const when = new Date(at - (55 - i) * 60_000);
        await trx('messages').insert({ tenant_id: school.id, id, sender_id: a.m.membershipId, thread_id: id, subject: `Message n°${i + 1}`, body_text: '', sent_at: when, created_at: when, updated_at: when, recipient_count: 1 });
        await trx('message_entries').insert({ tenant_id: school.id, owner_id: b.m.membershipId, message_id: id, box: 'inbox', received_at: when });
      }
    });
    const first = await b.c.get('/messagerie');
    expect(first.text).toContain('Message n°55<');
    expect(first.text).toContain('Message n°6<');
    expect(first.text).not.toContain('Message n°5<');
    const more = /href="(\/messagerie\?avant=[^"]+)"/.exec(first.text)![1].replace(/&amp;/g, '&');
    const second = await b.c.get(more);
    expect(second.text).toContain('Message n°5<');
    expect(second.text).toContain('Message n°1<');
    expect(second.text).not.toContain('Message n°6<');
    expect(second.text).not.toContain('Messages plus anciens');
  });
});

describe('search', () => {
  it('finds one’s own messages in French, accents and endings ignored, never others’', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher' });
    const b = await person(school, { profile: 'teacher' });
    const c = await person(school, { profile: 'teacher' });
    await send(a, [b.key], 'Sortie scolaire', '<p>Les élèves visiteront le château.</p>');
    await send(a, [b.key], 'Cantine', '<p>Menu de la semaine.</p>');
    await send(a, [c.key], 'Élèves absents', '<p>Liste confidentielle.</p>');
    const found = await b.c.get('/messagerie/recherche?q=eleve');
    expect(found.status).toBe(200);
    expect(found.text).toContain('Sortie scolaire');
    expect(found.text).not.toContain('Cantine');
    expect(found.text).not.toContain('Élèves absents');
    expect((await b.c.get('/messagerie/recherche?q=chateaux')).text).toContain('Sortie scolaire');
    expect((await b.c.get('/messagerie/recherche?q=inexistant')).text).toContain('Aucun message ne correspond');
    expect((await a.c.get('/messagerie/recherche?q=eleve')).text).toContain('Élèves absents');
  });
});

describe('isolation inside a school', () => {
  it('a message or attachment of another member is not found (404) and unchanged', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher' });
    const b = await person(school, { profile: 'teacher' });
    const outsider = await person(school, { profile: 'teacher' });
    const draft = await newDraft(a);
    await supertest(testApp().callback())
      .post(`/messagerie/brouillons/${draft}/pieces-jointes?_csrf=${encodeURIComponent(a.csrf)}`)
      .set('Host', a.c.host)
      .set('Origin', `http://${a.c.host}`)
      .set('Cookie', a.c.cookieHeader())
      .attach('file', pdf('Privé'), 'prive.pdf');
    await post(a, `/messagerie/brouillons/${draft}/envoi`, { recipients: b.key, subject: 'Privé', body: '<p>Entre nous.</p>' });
    const [file] = await rowsOf(school, 'message_attachments', { message_id: draft });
    expect((await b.c.get(`/messagerie/pieces-jointes/${file.id}`)).status).toBe(200);
    expect((await outsider.c.get(`/messagerie/pieces-jointes/${file.id}`)).status).toBe(404);
    expect((await outsider.c.get(`/messagerie/messages/${draft}`)).status).toBe(404);
    for (const action of ['reponse', 'transfert', 'lecture', 'drapeau', 'corbeille', 'restauration', 'deplacement', 'suppression']) {
      expect((await post(outsider, `/messagerie/messages/${draft}/${action}`)).status, action).toBe(404);
    }
    expect(await rowsOf(school, 'message_entries', { owner_id: outsider.m.membershipId })).toEqual([]);
    expect(await rowsOf(school, 'messages', { sender_id: outsider.m.membershipId })).toEqual([]);
    expect((await rowsOf(school, 'message_entries', { message_id: draft, owner_id: b.m.membershipId }))[0].trashed_at).toBeNull();
    // Visitors are sent to sign in; the unread count is for members only.
    const visitor = await supertest(testApp().callback()).get('/messagerie').set('Host', a.c.host);
    expect(visitor.status).toBe(303);
    expect((await supertest(testApp().callback()).get('/messagerie/non-lus').set('Host', a.c.host)).status).toBe(303);
    const home = await supertest(testApp().callback()).get('/').set('Host', a.c.host);
    expect(home.status).toBe(200);
    expect(home.text).not.toContain('/messagerie/non-lus');
    expect(home.headers['set-cookie']).toBeUndefined();
  });

  it('a school that takes messaging away from a profile gets 403', async () => {
    const school = await buildTenant();
    const student = await person(school, { profile: 'student' });
    await ownerTenantTx(school, (trx) => trx('access_rules').where({ tenant_id: school.id, service_key: 'messaging' }).del());
    expect((await student.c.get('/messagerie')).status).toBe(403);
    expect((await post(student, '/messagerie/brouillons')).status).toBe(403);
  });
});

describe('attachments', () => {
  async function upload(p: Awaited<ReturnType<typeof person>>, draft: string, bytes: Buffer, name: string) {
    return supertest(testApp().callback())
      .post(`/messagerie/brouillons/${draft}/pieces-jointes?_csrf=${encodeURIComponent(p.csrf)}`)
      .set('Host', p.c.host)
      .set('Origin', `http://${p.c.host}`)
      .set('Cookie', p.c.cookieHeader())
      .attach('file', bytes, name);
  }

  it('refuses a file whose content is not an accepted type, keeps images without their metadata', async () => {
    const school = await buildTenant();
    const a = await person(school, { profile: 'teacher' });
    const draft = await newDraft(a);
    const refused = await upload(a, draft, htmlPage, 'menu.pdf');
    expect(refused.status).toBe(303);
    expect(decodeURIComponent(refused.headers.location)).toContain('Type de fichier non accepté');
    expect((await a.c.get(refused.headers.location)).text).toContain('Type de fichier non accepté');
    expect(await rowsOf(school, 'message_attachments', { message_id: draft })).toEqual([]);
    expect((await upload(a, draft, await jpegWithGps(), 'photo.jpg')).status).toBe(303);
    const [photo] = await rowsOf(school, 'message_attachments', { message_id: draft });
    expect(photo.mime).toBe('image/jpeg');
    const stored = await a.c.get(`/messagerie/pieces-jointes/${photo.id}`);
    expect(stored.status).toBe(200);
    expect(stored.headers['content-security-policy']).toContain('sandbox');
    expect((await sharp(stored.body as Buffer).metadata()).exif).toBeUndefined();
    // Removed from the draft.
    expect((await post(a, `/messagerie/brouillons/${draft}/pieces-jointes/${photo.id}/suppression`)).status).toBe(303);
    expect(await rowsOf(school, 'message_attachments', { message_id: draft })).toEqual([]);
  });

  it('an attachment of another school is not found (404), even for its administrator', async () => {
    const a = await buildTenant();
    const b = await buildTenant();
    const senderB = await person(b, { profile: 'teacher' });
    const readerB = await person(b, { profile: 'teacher' });
    const draft = await newDraft(senderB);
    await upload(senderB, draft, pdf('Relevé'), 'releve.pdf');
    await post(senderB, `/messagerie/brouillons/${draft}/envoi`, { recipients: readerB.key, subject: 'Relevé', body: '<p>Ci-joint</p>' });
    const [file] = await rowsOf(b, 'message_attachments', { message_id: draft });
    expect((await readerB.c.get(`/messagerie/pieces-jointes/${file.id}`)).status).toBe(200);
    const adminA = await person(a, { profile: 'admin' });
    expect((await adminA.c.get(`/messagerie/pieces-jointes/${file.id}`)).status).toBe(404);
    // The same host trick: school B's id asked on school A's host with A's session.
    expect((await adminA.c.get(`/messagerie/messages/${draft}`)).status).toBe(404);
  });
});

describe('purge by administrators', () => {
  it('finds a message by content or sender and purges every copy, with an audit record', async () => {
    const school = await buildTenant();
    const admin = await person(school, { profile: 'admin' });
    const sender = await person(school, { profile: 'teacher', firstName: 'Karim', lastName: 'Lefèvre' });
    const cls = await buildClass(school, '3A');
    await addToClass(school, cls.id, sender.m.membershipId);
    const recipients = [await person(school, { profile: 'staff' }), await person(school, { profile: 'teacher' }), await person(school, { profile: 'staff' })];
    const id = await newDraft(sender);
    await ownerTenantTx(school, (trx) => trx('message_attachments').insert({ tenant_id: school.id, id: crypto.randomUUID(), message_id: id, name: 'tract.pdf', mime: 'application/pdf', size_bytes: 10, sha256: 'a'.repeat(64), created_at: new Date() }));
    expect((await post(sender, `/messagerie/brouillons/${id}/envoi`, { recipients: recipients.map((r) => r.key), subject: 'Menace', body: '<p>Texte menaçant envoyé partout.</p>' })).status).toBe(303);
    const keep = await send(sender, [recipients[0].key], 'Normal', '<p>Message ordinaire.</p>');
    await post(recipients[1], `/messagerie/messages/${id}/corbeille`);

    // Not for members without the administration right.
    expect((await recipients[0].c.get('/admin/messagerie/messages?q=menacant')).status).toBe(403);
    expect((await post(recipients[0], `/admin/messagerie/messages/${id}/purge`)).status).toBe(403);

    const byContent = await admin.c.get('/admin/messagerie/messages?q=menacant');
    expect(byContent.status).toBe(200);
    expect(byContent.text).toContain('Menace');
    expect(byContent.text).not.toContain('Normal');
    const bySender = await admin.c.get('/admin/messagerie/messages?expediteur=lefevre');
    expect(bySender.text).toContain('Menace');
    expect(bySender.text).toContain('Normal');

    const purged = await post(admin, `/admin/messagerie/messages/${id}/purge`, { q: 'menacant' });
    expect(purged.status).toBe(303);
    expect(purged.headers.location).toContain('supprime=4');
    expect(await rowsOf(school, 'messages', { id })).toEqual([]);
    expect(await rowsOf(school, 'message_entries', { message_id: id })).toEqual([]);
    expect(await rowsOf(school, 'message_attachments', { message_id: id })).toEqual([]);
    for (const r of [...recipients, sender]) {
      expect((await r.c.get(`/messagerie/messages/${id}`)).status).toBe(404);
      expect((await r.c.get('/messagerie/recherche?q=menacant')).text).not.toContain('Menace');
    }
    expect((await recipients[1].c.get('/messagerie/corbeille')).text).not.toContain('Menace');
    const [audit] = await rowsOf(school, 'audit_events', { action: 'messaging.message_purged' });
    expect(audit.subject_id).toBe(id);
    expect(audit.actor_membership_id).toBe(admin.m.membershipId);
    expect(audit.details.copies).toBe(4);
    expect(JSON.stringify(audit.details)).not.toContain('menaçant');
    expect(await rowsOf(school, 'messages', { id: keep })).toHaveLength(1);
  });
});

describe('guardians of a class', () => {
  it('a teacher writes to "Parents de 3A" and a guardian of a 3A student reads and replies', async () => {
    const school = await buildTenant();
    const teacher = await person(school, { profile: 'teacher', firstName: 'Anne', lastName: 'Martin' });
    const cls = await buildClass(school, '3A');
    await teach(school, cls.id, teacher.m.membershipId);
    const student = await person(school, { profile: 'student' });
    await addToClass(school, cls.id, student.m.membershipId);
    const guardian = await person(school, { profile: 'guardian' });
    await addGuardianship(school, guardian.m.membershipId, student.m.membershipId);
    const id = await send(teacher, [`g:parents:${cls.id}`], 'Réunion parents-professeurs', '<p>Mardi 18 h.</p>');
    expect((await rowsOf(school, 'messages', { id }))[0].recipient_count).toBe(1);
    const inbox = await guardian.c.get('/messagerie');
    expect(inbox.text).toContain('Réunion parents-professeurs');
    const replyId = draftIdOf(await post(guardian, `/messagerie/messages/${id}/reponse`));
    const sent = await post(guardian, `/messagerie/brouillons/${replyId}/envoi`, { recipients: teacher.key, subject: 'RE : Réunion parents-professeurs', body: '<p>Je viendrai.</p>' });
    expect(sent.status, /field-error[^>]*>([^<]*)/.exec(sent.text)?.[1]).toBe(303);
    expect((await teacher.c.get('/messagerie')).text).toContain('RE : Réunion parents-professeurs');
  });
});
