import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import { tenantTx } from '../../db/index.js';
import { fieldList, formBody, seeOther } from '../../http/body.js';
import { HttpError, notFound } from '../../http/errors.js';
import { render } from '../../http/render.js';
import { isUuid } from '../../lib/ids.js';
import { storage } from '../../lib/storage.js';
import { authorize } from '../../rights/policy.js';
import { fieldErrors } from '../publication/schemas.js';
import { MediaError } from '../publication/media.js';
import { attachmentAdder, attachmentDisposition, attachmentPreparer, attachmentRemover, MAX_ATTACHMENTS, readAttachmentUpload } from './attachments.js';
import { sendingSuspendedNotice } from './limits.js';
import { registerPurgeRoutes } from './purge-routes.js';
import { describeRecipients } from './recipients.js';
import { MessagingDraftSchema, MessagingFolderSchema, MessagingMoveSchema, MessagingSearchSchema, MessagingSelectionSchema } from './schemas.js';
import {
  attachmentFor,
  attachmentsOf,
  draftCreator,
  draftList,
  draftOf,
  draftRemover,
  draftSaver,
  entryRemover,
  flagSetter,
  folderCreator,
  folderOf,
  folderRemover,
  folderRenamer,
  foldersOf,
  forwardDrafter,
  mailboxPageOf,
  messageFor,
  messageSender,
  mover,
  notifyPreference,
  notifyPreferenceSetter,
  readMarker,
  replyDrafter,
  restorer,
  selectionActor,
  threadOf,
  unreachableSenderNotice,
  trasher,
  unreadCount,
  unreadOf,
  type DraftInput,
  type MessageRow,
  type Place,
} from './service.js';

/** Internal messaging at /messagerie: mailboxes, conversations, drafts, folders; purge under /admin. */
export const messagingRouter = new Router();

const BASE = '/messagerie';

/** The messaging service of the rights matrix. */
async function messagingAccess(ctx: Context, next: Next): Promise<void> {
  authorize(ctx.state.member.rights, 'messaging');
  await next();
}

const guard = [requireMember, messagingAccess, inTenantTx] as const;

/** The address of the school as this request reached it, for links in mails. */
function originOf(ctx: Context): string {
  return `${ctx.protocol}://${ctx.host}`;
}

/** A return address inside the messaging pages only (never another site). */
function backTo(ctx: Context, fallback: string): string {
  const r = String(formBody(ctx).retour ?? '');
  return /^\/messagerie(\/[A-Za-z0-9/_?=&.-]*)?$/.test(r) && !r.includes('//') ? r : fallback;
}


// ---------------------------------------------------------------------------------------------------------
// Mailboxes

const PLACES: Record<string, { place: Place; title: string }> = {
  [BASE]: { place: { kind: 'inbox' }, title: 'Boîte de réception' },
  [`${BASE}/envoyes`]: { place: { kind: 'sent' }, title: 'Messages envoyés' },
  [`${BASE}/corbeille`]: { place: { kind: 'trash' }, title: 'Corbeille' },
};

/** A mailbox page, read in one statement outside any transaction (the hot path of messaging). */
async function mailboxPage(ctx: Context, place: Place, title: string | ((folder: { name: string }) => string), extra: Record<string, unknown> = {}): Promise<void> {
  const member = ctx.state.member;
  const before = typeof ctx.query.avant === 'string' && !Number.isNaN(Date.parse(ctx.query.avant)) ? new Date(ctx.query.avant) : undefined;
  const page = await mailboxPageOf(ctx.state.tenant, member, place, { before });
  if (place.kind === 'folder' && !page.folder) throw notFound();
  const last = page.items.at(-1);
  render(ctx, { page: 'messaging/mailbox.njk', fragment: 'messaging/_list.njk' }, {
    title: typeof title === 'function' ? title(page.folder!) : title,
    place,
    items: page.items,
    more: page.more ? `${ctx.path}?${new URLSearchParams({ ...(place.kind === 'search' ? { q: place.q } : {}), avant: last!.received_at.toISOString() })}` : null,
    folder: page.folder,
    folders: page.folders,
    unread: page.unread,
    prefs: page.prefs,
    here: ctx.path,
    ...extra,
  });
}

/** Mailbox pages read outside any transaction; member-only and no-store like every member page. */
const readGuard = [requireMember, messagingAccess] as const;

for (const [path, { place, title }] of Object.entries(PLACES)) {
  messagingRouter.get(path, ...readGuard, (ctx) => mailboxPage(ctx, place, title));
}

messagingRouter.get(`${BASE}/recherche`, ...readGuard, async (ctx) => {
  const { q } = MessagingSearchSchema.parse({ q: typeof ctx.query.q === 'string' ? ctx.query.q.trim() : '' });
  if (!q) return mailboxPage(ctx, { kind: 'search', q: '' }, 'Rechercher dans mes messages', { searchEmpty: true });
  await mailboxPage(ctx, { kind: 'search', q }, `Recherche « ${q} »`);
});

messagingRouter.get(`${BASE}/dossiers/:id`, ...readGuard, async (ctx) => {
  if (!isUuid(ctx.params.id)) throw notFound();
  await mailboxPage(ctx, { kind: 'folder', folderId: ctx.params.id }, (folder) => `Dossier « ${folder.name} »`);
});

messagingRouter.get(`${BASE}/brouillons`, ...guard, async (ctx) => {
  const member = ctx.state.member;
  render(ctx, { page: 'messaging/drafts.njk' }, {
    title: 'Brouillons',
    drafts: await draftList(member),
    folders: await foldersOf(member),
    unread: await unreadCount(member),
    place: { kind: 'drafts' },
  });
});

/** The navigation's unread count: a tiny fragment htmx refreshes (no page around it). */
messagingRouter.get(`${BASE}/non-lus`, requireMember, async (ctx) => {
  if (!ctx.state.member.rights.get('messaging')?.size) {
    ctx.status = 204;
    return;
  }
  const n = await unreadOf(ctx.state.tenant, ctx.state.member);
  render(ctx, { page: 'messaging/_unread.njk' }, { unread: n });
});

// ---------------------------------------------------------------------------------------------------------
// Folders

async function folderFailure(ctx: Context, message: string): Promise<void> {
  await mailboxPage(ctx, { kind: 'inbox' }, 'Boîte de réception', { folderError: message, folderName: String(formBody(ctx).name ?? '') });
  ctx.status = 422;
}

messagingRouter.post(`${BASE}/dossiers`, ...guard, async (ctx) => {
  const parsed = MessagingFolderSchema.safeParse(formBody(ctx));
  if (!parsed.success) return folderFailure(ctx, fieldErrors(parsed.error).name ?? 'Nom invalide.');
  const { folder, error } = await folderCreator(ctx.state.member, parsed.data.name);
  if (error) return folderFailure(ctx, error);
  seeOther(ctx, `${BASE}/dossiers/${folder!.id}`);
});

async function loadFolder(ctx: Context) {
  const folder = isUuid(ctx.params.id) ? await folderOf(ctx.state.member, ctx.params.id) : undefined;
  if (!folder) throw notFound();
  return folder;
}

messagingRouter.post(`${BASE}/dossiers/:id`, ...guard, async (ctx) => {
  const folder = await loadFolder(ctx);
  const parsed = MessagingFolderSchema.safeParse(formBody(ctx));
  const error = parsed.success ? (await folderRenamer(ctx.state.member, folder, parsed.data.name)).error : (fieldErrors(parsed.error).name ?? 'Nom invalide.');
  if (error) {
    await mailboxPage(ctx, { kind: 'folder', folderId: folder.id }, `Dossier « ${folder.name} »`, { folder, renameError: error, folderName: String(formBody(ctx).name ?? '') });
    ctx.status = 422;
    return;
  }
  seeOther(ctx, `${BASE}/dossiers/${folder.id}`);
});

messagingRouter.post(`${BASE}/dossiers/:id/suppression`, ...guard, async (ctx) => {
  const folder = await loadFolder(ctx);
  await folderRemover(ctx.state.member, folder);
  seeOther(ctx, BASE);
});

messagingRouter.post(`${BASE}/preferences`, ...guard, async (ctx) => {
  await notifyPreferenceSetter(ctx.state.member, Boolean(formBody(ctx).notification));
  seeOther(ctx, backTo(ctx, BASE));
});

// ---------------------------------------------------------------------------------------------------------
// Drafts and sending

async function loadDraft(ctx: Context): Promise<MessageRow> {
  const draft = isUuid(ctx.params.id) ? await draftOf(ctx.state.member, ctx.params.id) : undefined;
  if (!draft) throw notFound();
  return draft;
}

async function composePage(ctx: Context, draft: MessageRow, opts: { values?: DraftInput; errors?: Record<string, string>; refusal?: string; status?: number; notice?: string } = {}): Promise<void> {
  const member = ctx.state.member;
  const values = opts.values ?? { subject: draft.subject, body: draft.body_html, recipients: (draft.recipients ?? []).map((r) => r.key) };
  // Back from the picker's page without JavaScript: the keys chosen there replace the draft's.
  if (!opts.values && ctx.method === 'GET' && ctx.query.recipients != null) {
    const q = ctx.query.recipients;
    values.recipients = [...new Set((Array.isArray(q) ? q : [q]).map(String).filter(Boolean))].slice(0, 400);
  }
  const recipients = values.recipients.length ? await describeRecipients(member, values.recipients) : [];
  render(ctx, { page: 'messaging/compose.njk', status: opts.status }, {
    title: draft.parent_id ? 'Répondre' : 'Nouveau message',
    draft,
    values,
    recipients,
    selected: recipients,
    errors: opts.errors ?? {},
    errorCount: Object.keys(opts.errors ?? {}).length,
    refusal: opts.refusal,
    notice: opts.notice ?? (ctx.query.enregistre ? 'Brouillon enregistré.' : undefined),
    suspended: await sendingSuspendedNotice(),
    unreachable: await unreachableSenderNotice(member, draft),
    attachments: await attachmentsOf(draft.id),
    maxAttachments: MAX_ATTACHMENTS,
    uploadError: typeof ctx.query.erreur === 'string' ? ctx.query.erreur.slice(0, 300) : undefined,
    folders: await foldersOf(member),
    unread: await unreadCount(member),
    place: { kind: 'compose' },
  });
}

function parseDraft(ctx: Context): { input: DraftInput; errors?: Record<string, string> } {
  const body = formBody(ctx);
  const parsed = MessagingDraftSchema.safeParse(body);
  if (parsed.success) return { input: parsed.data };
  return {
    input: { subject: String(body.subject ?? '').slice(0, 400), body: String(body.body ?? ''), recipients: fieldList(body.recipients).slice(0, 400) },
    errors: fieldErrors(parsed.error),
  };
}

messagingRouter.post(`${BASE}/brouillons`, ...guard, async (ctx) => {
  const draft = await draftCreator(ctx.state.member);
  seeOther(ctx, `${BASE}/brouillons/${draft.id}`);
});

messagingRouter.get(`${BASE}/brouillons/:id`, ...guard, async (ctx) => {
  await composePage(ctx, await loadDraft(ctx));
});

/** Saves the draft: the autosave (htmx) gets a one-line status; a plain form comes back to the draft. */
messagingRouter.post(`${BASE}/brouillons/:id`, ...guard, async (ctx) => {
  const member = ctx.state.member;
  const draft = isUuid(ctx.params.id) ? await draftOf(member, ctx.params.id) : undefined;
  const autosave = ctx.get('HX-Request') === 'true';
  if (!draft) {
    // A draft sent meanwhile (the autosave of a form being sent) is not an error worth a page.
    if (autosave && isUuid(ctx.params.id) && (await messageFor(member, ctx.params.id))) {
      render(ctx, { page: 'messaging/_draft-status.njk' }, { status: 'sent' });
      return;
    }
    throw notFound();
  }
  const { input, errors } = parseDraft(ctx);
  if (errors) {
    if (autosave) return render(ctx, { page: 'messaging/_draft-status.njk', status: 422 }, { status: 'invalid', message: Object.values(errors)[0] });
    return composePage(ctx, draft, { values: input, errors, status: 422 });
  }
  const saved = await draftSaver(member, draft, input);
  if (autosave) return render(ctx, { page: 'messaging/_draft-status.njk' }, { status: 'saved', at: saved.updated_at });
  seeOther(ctx, `${BASE}/brouillons/${draft.id}?enregistre=1`);
});

messagingRouter.post(`${BASE}/brouillons/:id/envoi`, ...guard, async (ctx) => {
  const member = ctx.state.member;
  const draft = await loadDraft(ctx);
  const { input, errors } = parseDraft(ctx);
  if (errors) return composePage(ctx, draft, { values: input, errors, status: 422 });
  const result = await messageSender(member, draft, input, originOf(ctx));
  if (!result.ok) {
    const fieldErrs = result.field ? { [result.field]: result.message } : {};
    return composePage(ctx, draft, { values: input, errors: fieldErrs, refusal: result.field ? undefined : result.message, status: result.status });
  }
  seeOther(ctx, `${BASE}/messages/${result.message.id}?envoye=1`);
});

messagingRouter.post(`${BASE}/brouillons/:id/suppression`, ...guard, async (ctx) => {
  const draft = await loadDraft(ctx);
  await draftRemover(ctx.state.member, draft);
  seeOther(ctx, `${BASE}/brouillons`);
});

// Multipart: the body is not parsed by the app; the CSRF token comes in the action's query string.
messagingRouter.post(`${BASE}/brouillons/:id/pieces-jointes`, requireMember, messagingAccess, async (ctx) => {
  const member = ctx.state.member;
  const tenant = ctx.state.tenant;
  const draft = isUuid(ctx.params.id) ? await tenantTx(tenant, () => draftOf(member, ctx.params.id)) : undefined;
  if (!draft) throw notFound();
  let problem: string | undefined;
  try {
    const upload = await readAttachmentUpload(ctx);
    if (!upload || upload.buffer.length === 0) throw new MediaError(422, 'media_empty', 'Choisissez un fichier à joindre.');
    // Type checks and image re-encoding happen outside any transaction.
    const file = await attachmentPreparer(upload);
    await tenantTx(tenant, async () => {
      if (!(await draftOf(member, draft.id))) throw notFound();
      await attachmentAdder(draft.id, file);
    });
  } catch (err) {
    if (!(err instanceof MediaError)) throw err;
    problem = err.message;
    ctx.status = err.status;
  }
  const location = `${BASE}/brouillons/${draft.id}${problem ? `?erreur=${encodeURIComponent(problem)}` : ''}`;
  if (problem && ctx.get('Accept').includes('application/json')) {
    ctx.body = { error: problem };
    return;
  }
  seeOther(ctx, location);
});

messagingRouter.post(`${BASE}/brouillons/:id/pieces-jointes/:attachmentId/suppression`, ...guard, async (ctx) => {
  const draft = await loadDraft(ctx);
  if (!isUuid(ctx.params.attachmentId) || !(await attachmentRemover(draft.id, ctx.params.attachmentId))) throw notFound();
  seeOther(ctx, `${BASE}/brouillons/${draft.id}`);
});

messagingRouter.get(`${BASE}/pieces-jointes/:id`, requireMember, messagingAccess, async (ctx) => {
  const member = ctx.state.member;
  const file = isUuid(ctx.params.id) ? await tenantTx(ctx.state.tenant, () => attachmentFor(member, ctx.params.id)) : undefined;
  if (!file || !(await storage().exists(file.sha256))) throw notFound();
  ctx.set({
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Content-Disposition': attachmentDisposition(file.name),
  });
  ctx.type = file.mime;
  ctx.length = Number(file.size_bytes);
  if (ctx.method === 'HEAD') return;
  ctx.body = storage().stream(file.sha256);
});

// ---------------------------------------------------------------------------------------------------------
// Conversations and per-member state

async function loadMessage(ctx: Context) {
  const found = isUuid(ctx.params.id) ? await messageFor(ctx.state.member, ctx.params.id) : undefined;
  if (!found) throw notFound();
  return found;
}

messagingRouter.get(`${BASE}/messages/:id`, ...guard, async (ctx) => {
  const member = ctx.state.member;
  const { message, entry } = await loadMessage(ctx);
  const thread = await threadOf(member, message.thread_id);
  render(ctx, { page: 'messaging/thread.njk' }, {
    title: message.subject || '(sans objet)',
    message,
    entry,
    thread,
    folders: await foldersOf(member),
    unread: await unreadCount(member),
    sent: Boolean(ctx.query.envoye),
    place: { kind: entry.trashed_at ? 'trash' : entry.folder_id ? 'folder' : entry.box },
  });
});

messagingRouter.post(`${BASE}/messages/:id/reponse`, ...guard, async (ctx) => {
  const { message } = await loadMessage(ctx);
  const draft = await replyDrafter(ctx.state.member, message, formBody(ctx).tous === '1');
  seeOther(ctx, `${BASE}/brouillons/${draft.id}`);
});

messagingRouter.post(`${BASE}/messages/:id/transfert`, ...guard, async (ctx) => {
  const { message } = await loadMessage(ctx);
  const draft = await forwardDrafter(ctx.state.member, message);
  seeOther(ctx, `${BASE}/brouillons/${draft.id}`);
});

messagingRouter.post(`${BASE}/messages/:id/lecture`, ...guard, async (ctx) => {
  const { message } = await loadMessage(ctx);
  const read = formBody(ctx).lu === '1';
  await readMarker(ctx.state.member, message.id, read);
  // Marked unread from the conversation: back to the box, or the conversation would mark it read again.
  seeOther(ctx, backTo(ctx, read ? `${BASE}/messages/${message.id}` : BASE));
});

messagingRouter.post(`${BASE}/messages/:id/drapeau`, ...guard, async (ctx) => {
  const { message } = await loadMessage(ctx);
  await flagSetter(ctx.state.member, message.id, formBody(ctx).drapeau === '1');
  seeOther(ctx, backTo(ctx, `${BASE}/messages/${message.id}`));
});

messagingRouter.post(`${BASE}/messages/:id/corbeille`, ...guard, async (ctx) => {
  const { message } = await loadMessage(ctx);
  await trasher(ctx.state.member, message.id);
  seeOther(ctx, backTo(ctx, BASE));
});

messagingRouter.post(`${BASE}/messages/:id/restauration`, ...guard, async (ctx) => {
  const { message } = await loadMessage(ctx);
  await restorer(ctx.state.member, message.id);
  seeOther(ctx, backTo(ctx, `${BASE}/corbeille`));
});

messagingRouter.post(`${BASE}/messages/:id/deplacement`, ...guard, async (ctx) => {
  const member = ctx.state.member;
  const { message } = await loadMessage(ctx);
  const { dossier } = MessagingMoveSchema.parse(formBody(ctx));
  let folderId: string | null = null;
  if (dossier) {
    const folder = isUuid(dossier) ? await folderOf(member, dossier) : undefined;
    if (!folder) throw new HttpError(422, 'unknown_folder');
    folderId = folder.id;
  }
  await mover(member, message.id, folderId);
  seeOther(ctx, backTo(ctx, folderId ? `${BASE}/dossiers/${folderId}` : BASE));
});

messagingRouter.post(`${BASE}/messages/:id/suppression`, ...guard, async (ctx) => {
  const { message, entry } = await loadMessage(ctx);
  if (!entry.trashed_at) throw new HttpError(422, 'not_in_trash');
  await entryRemover(ctx.state.member, message.id);
  seeOther(ctx, `${BASE}/corbeille`);
});

/** Actions on the messages ticked in a listing (one form for the whole list). */
messagingRouter.post(`${BASE}/selection`, ...guard, async (ctx) => {
  const member = ctx.state.member;
  const parsed = MessagingSelectionSchema.safeParse(formBody(ctx));
  if (!parsed.success) throw new HttpError(422, 'bad_selection');
  const { ids, action, dossier } = parsed.data;
  let folderId: string | null = null;
  if (action === 'deplacer' && dossier) {
    const folder = await folderOf(member, dossier);
    if (!folder) throw new HttpError(422, 'unknown_folder');
    folderId = folder.id;
  }
  await selectionActor(member, ids, action, folderId);
  seeOther(ctx, backTo(ctx, BASE));
});

registerPurgeRoutes(messagingRouter);
