import { ownerTenantTx } from '../../../app/db/index.js';
import { newId } from '../../../app/lib/ids.js';
import { storage } from '../../../app/lib/storage.js';
import type { Tenant } from '../../../app/tenancy/tenant.js';
import { buildMember, rowsOf } from '../../fixtures/factories.js';
import { pdf } from '../../fixtures/images.js';

/**
 * School B's messaging rows for every messaging route that takes an id: a sent message with an attachment and
 * copies in two mailboxes (one in a folder), a draft with an attachment. B is intact when all are unchanged.
 */
export async function idsOfSchoolB(b: Tenant) {
  const sender = await buildMember(b, { profile: 'teacher' });
  const reader = await buildMember(b, { profile: 'teacher' });
  const messageId = newId();
  const draftId = newId();
  const folderId = newId();
  const fileId = newId();
  const draftFileId = newId();
  const { sha256, bytes } = await storage().put(pdf('message de B'));
  const at = new Date(Date.now() - 60_000);
  await ownerTenantTx(b, async (trx) => {
    await trx('messages').insert([
      { tenant_id: b.id, id: messageId, sender_id: sender.membershipId, thread_id: messageId, subject: 'De B', body_html: '<p>B</p>', body_text: 'B', recipient_count: 1, sent_at: at, created_at: at, updated_at: at },
      { tenant_id: b.id, id: draftId, sender_id: sender.membershipId, thread_id: draftId, subject: 'Brouillon de B', created_at: at, updated_at: at },
    ]);
    await trx('message_folders').insert({ tenant_id: b.id, id: folderId, owner_id: reader.membershipId, name: 'Dossier de B', created_at: at });
    await trx('message_entries').insert([
      { tenant_id: b.id, owner_id: sender.membershipId, message_id: messageId, box: 'sent', received_at: at, read_at: at },
      { tenant_id: b.id, owner_id: reader.membershipId, message_id: messageId, box: 'inbox', folder_id: folderId, received_at: at, trashed_at: at },
    ]);
    await trx('message_attachments').insert([
      { tenant_id: b.id, id: fileId, message_id: messageId, name: 'b.pdf', mime: 'application/pdf', size_bytes: bytes, sha256, created_at: at },
      { tenant_id: b.id, id: draftFileId, message_id: draftId, name: 'b2.pdf', mime: 'application/pdf', size_bytes: bytes, sha256, created_at: at },
    ]);
  });
  const message = { ':id': messageId };
  return {
    ids: {
      '/messagerie/dossiers/:id': { ':id': folderId },
      '/messagerie/dossiers/:id/suppression': { ':id': folderId },
      '/messagerie/brouillons/:id': { ':id': draftId },
      '/messagerie/brouillons/:id/envoi': { ':id': draftId },
      '/messagerie/brouillons/:id/suppression': { ':id': draftId },
      '/messagerie/brouillons/:id/pieces-jointes': { ':id': draftId },
      '/messagerie/brouillons/:id/pieces-jointes/:attachmentId/suppression': { ':id': draftId, ':attachmentId': draftFileId },
      '/messagerie/pieces-jointes/:id': { ':id': fileId },
      '/messagerie/messages/:id': message,
      '/messagerie/messages/:id/reponse': message,
      '/messagerie/messages/:id/transfert': message,
      '/messagerie/messages/:id/lecture': message,
      '/messagerie/messages/:id/drapeau': message,
      '/messagerie/messages/:id/corbeille': message,
      '/messagerie/messages/:id/restauration': message,
      '/messagerie/messages/:id/deplacement': message,
      '/messagerie/messages/:id/suppression': message,
      '/admin/messagerie/messages/:id/purge': message,
    },
    intact: async () => {
      const messages = await rowsOf(b, 'messages');
      const entries = await rowsOf(b, 'message_entries', { message_id: messageId });
      const inFolder = entries.find((e) => e.owner_id === reader.membershipId);
      return (
        messages.length === 2 &&
        messages.find((m) => m.id === draftId)?.sent_at === null &&
        entries.length === 2 &&
        inFolder?.folder_id === folderId &&
        inFolder?.trashed_at !== null &&
        inFolder?.read_at === null &&
        inFolder?.flagged === false &&
        (await rowsOf(b, 'message_folders', { id: folderId }))[0]?.name === 'Dossier de B' &&
        (await rowsOf(b, 'message_attachments')).length === 2 &&
        (await storage().exists(sha256))
      );
    },
  };
}
