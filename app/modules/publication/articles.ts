import { currentTenant, db } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { isUuid, newId } from '../../lib/ids.js';
import type { Member } from '../../auth/member.js';
import { canEditArticle, canPublishIn, canWriteIn } from './policy.js';
import type { ArticlePage } from './queries.js';
import { allRubrics, rubricById, type Rubric } from './rubrics.js';
import { sanitizeArticleHtml, undescribedImages } from './sanitize.js';
import type { ArticleInput } from './schemas.js';
import { articleListMailCanceller, articleListMailer, articleListMailRescheduler } from '../mailing/lists.js'; // [mailing, issue 5]

/** Article services of the back-office: each works in the request's school transaction and audits what it changes. */

export interface ArticleRow {
  tenant_id: string;
  id: string;
  rubric_id: string;
  author_id: string | null;
  title: string;
  slug: string;
  summary: string;
  body_html: string;
  body_text: string;
  status: 'draft' | 'submitted' | 'published' | 'archived';
  publish_at: Date | null;
  expire_at: Date | null;
  published_at: Date | null;
  featured: boolean;
  tags: string[];
  main_image_id: string | null;
  main_image_alt: string;
  main_image_decorative: boolean;
  review_comment: string | null;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** A refusal the form shows beside a field (422). */
export class ArticleError extends Error {
  constructor(public field: string, message: string) {
    super(message);
  }
}

export const STATUS_NAMES: Record<string, string> = {
  draft: 'Brouillon',
  submitted: 'Soumis à validation',
  published: 'Publié',
  archived: 'Archivé',
};

const COLUMNS = [
  'a.tenant_id', 'a.id', 'a.rubric_id', 'a.author_id', 'a.title', 'a.slug', 'a.summary', 'a.body_html', 'a.body_text',
  'a.status', 'a.publish_at', 'a.expire_at', 'a.published_at', 'a.featured', 'a.tags', 'a.main_image_id', 'a.main_image_alt',
  'a.main_image_decorative', 'a.review_comment', 'a.deleted_at', 'a.created_at', 'a.updated_at',
];

/** The article of this id in the current school (trash included), or undefined. */
export async function articleById(id: string): Promise<ArticleRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db()('articles as a').where({ 'a.tenant_id': currentTenant().id, 'a.id': id }).first(COLUMNS);
}

/** A URL-safe slug of a title or a name: "Fête de l'école !" → "fete-de-l-ecole". */
export function slugify(text: string, fallback = 'article'): string {
  const slug = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/g, '');
  return slug || fallback;
}

/** The school's media of a kind, for the editor's selects. */
export async function mediaChoices(kind: 'image' | 'file'): Promise<{ id: string; name: string; alt: string }[]> {
  return db()('media').where({ tenant_id: currentTenant().id, kind }).orderBy('created_at', 'desc').limit(500).select('id', 'name', 'alt');
}

/**
 * An article of any status shaped as the public page shows a live one (queries.ts's ArticlePage): its author's
 * name, main image with its variants, attachments; no neighbours. For the preview, which renders the public
 * template with it. A draft without a date shows as published at `at`.
 */
export async function articlePreview(article: ArticleRow, rubric: Rubric, at: Date): Promise<ArticlePage> {
  const tenantId = currentTenant().id;
  const author = article.author_id
    ? await db()('memberships').where({ tenant_id: tenantId, id: article.author_id }).first('first_name', 'last_name')
    : undefined;
  const image = article.main_image_id
    ? await db()('media').where({ tenant_id: tenantId, id: article.main_image_id }).first('id', 'width', 'height', 'variants')
    : undefined;
  const attachments = await db()('article_attachments as at')
    .join('media as f', (j) => j.on('f.tenant_id', 'at.tenant_id').andOn('f.id', 'at.media_id'))
    .where({ 'at.tenant_id': tenantId, 'at.article_id': article.id })
    .orderBy([{ column: 'at.position' }, { column: 'f.name' }])
    .select('f.id', 'f.name', 'f.mime', 'f.size_bytes');
  return {
    id: article.id,
    slug: article.slug,
    title: article.title,
    summary: article.summary,
    body_html: article.body_html,
    body_text: article.body_text,
    publish_at: article.publish_at ? new Date(article.publish_at) : at,
    updated_at: article.updated_at,
    author: author ? `${author.first_name} ${author.last_name}` : null,
    image: image
      ? {
          id: image.id,
          alt: article.main_image_decorative ? '' : article.main_image_alt,
          decorative: article.main_image_decorative,
          width: image.width ?? null,
          height: image.height ?? null,
          variants: Array.isArray(image.variants) ? image.variants : [],
        }
      : null,
    rubric: { id: rubric.id, slug: rubric.slug, name: rubric.name, visibility: rubric.visibility, archived_at: rubric.archived_at ? String(rubric.archived_at) : null, roles: rubric.roles },
    attachments: attachments.map((f: { id: string; name: string; mime: string; size_bytes: number | string }) => ({ ...f, size_bytes: Number(f.size_bytes) })),
    previous: null,
    next: null,
  };
}

/** The rubrics where the member may write (for the rubric select). */
export async function writableRubrics(m: Member): Promise<Rubric[]> {
  return (await allRubrics()).filter((r) => canWriteIn(m, r));
}

export async function attachmentIdsOf(articleId: string): Promise<string[]> {
  const rows = await db()('article_attachments').where({ tenant_id: currentTenant().id, article_id: articleId }).orderBy('position').select('media_id');
  return rows.map((r: { media_id: string }) => r.media_id);
}

/** Checks that the rubric and media an input names belong to this school and may be used by the member. */
async function checkReferences(m: Member, input: Pick<ArticleInput, 'rubric_id' | 'main_image_id' | 'attachment_ids'>, currentRubricId?: string) {
  const rubric = await rubricById(input.rubric_id);
  if (!rubric) throw new ArticleError('rubric_id', 'Cette rubrique n’existe pas.');
  // Keeping the current rubric is allowed to the article's editor; moving to another needs the right to write there.
  if (rubric.id !== currentRubricId && !canWriteIn(m, rubric)) throw new ArticleError('rubric_id', 'Vous ne pouvez pas écrire dans cette rubrique.');
  if (input.main_image_id) {
    const img = await db()('media').where({ tenant_id: currentTenant().id, id: input.main_image_id, kind: 'image' }).first('id');
    if (!img) throw new ArticleError('main_image_id', 'Cette image n’existe pas dans la médiathèque.');
  }
  if (input.attachment_ids.length) {
    const found = await db()('media').where({ tenant_id: currentTenant().id, kind: 'file' }).whereIn('id', input.attachment_ids).select('id');
    if (found.length !== new Set(input.attachment_ids).size) throw new ArticleError('attachment_ids', 'Une pièce jointe n’existe pas dans la médiathèque.');
  }
  return rubric;
}

/** A publication time chosen in the past is refused, unless it is the one already stored (an unchanged field). */
function checkSchedule(publishAt: Date | null, stored: Date | null) {
  if (!publishAt) return;
  if (stored && new Date(stored).getTime() === publishAt.getTime()) return;
  if (publishAt.getTime() < now().getTime() - 60_000) throw new ArticleError('publish_at', 'La date de publication est passée : choisissez une date à venir, ou laissez vide.');
}

async function replaceAttachments(articleId: string, ids: string[]) {
  const tenant_id = currentTenant().id;
  await db()('article_attachments').where({ tenant_id, article_id: articleId }).del();
  if (ids.length) {
    await db()('article_attachments').insert([...new Set(ids)].map((media_id, position) => ({ tenant_id, article_id: articleId, media_id, position })));
  }
}

/** Keeps the article's current text as a revision (before it changes). */
async function revisionKeeper(article: ArticleRow, actor: Member, reason: string) {
  await db()('article_revisions').insert({
    tenant_id: currentTenant().id,
    id: newId(),
    article_id: article.id,
    author_id: actor.membershipId,
    title: article.title,
    summary: article.summary,
    body_html: article.body_html,
    reason,
    created_at: now(),
  });
}

function auditOf(actor: Member, action: string, article: { id: string }, details: Record<string, unknown> = {}, ip?: string) {
  return recordAudit({ action, actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'article', subjectId: article.id, details, ip });
}

/** Creates a draft by the member; returns its id. */
export async function articleCreator(input: { actor: Member; data: ArticleInput; ip?: string }): Promise<string> {
  const { actor, data } = input;
  await checkReferences(actor, data);
  checkSchedule(data.publish_at, null);
  const { html, text } = sanitizeArticleHtml(data.body_html);
  const id = newId();
  const at = now();
  await db()('articles').insert({
    tenant_id: currentTenant().id,
    id,
    rubric_id: data.rubric_id,
    author_id: actor.membershipId,
    title: data.title,
    slug: slugify(data.title),
    summary: data.summary,
    body_html: html,
    body_text: text,
    status: 'draft',
    publish_at: data.publish_at,
    expire_at: data.expire_at,
    featured: data.featured,
    tags: data.tags,
    main_image_id: data.main_image_id || null,
    main_image_alt: data.main_image_alt,
    main_image_decorative: data.main_image_decorative,
    created_at: at,
    updated_at: at,
  });
  await replaceAttachments(id, data.attachment_ids);
  await auditOf(actor, 'publication.article_created', { id }, { rubric_id: data.rubric_id, title: data.title }, input.ip);
  return id;
}

function contentChanged(a: Pick<ArticleRow, 'title' | 'summary' | 'body_html'>, b: Pick<ArticleRow, 'title' | 'summary' | 'body_html'>) {
  return a.title !== b.title || a.summary !== b.summary || a.body_html !== b.body_html;
}

/** Saves the whole form of an article (never changes its status); keeps a revision when the text changed. */
export async function articleUpdater(input: { actor: Member; article: ArticleRow; data: ArticleInput; ip?: string }): Promise<void> {
  const { actor, article, data } = input;
  await checkReferences(actor, data, article.rubric_id);
  checkSchedule(data.publish_at, article.publish_at);
  const { html, text } = sanitizeArticleHtml(data.body_html);
  const next = { title: data.title, summary: data.summary, body_html: html };
  if (contentChanged(article, next)) await revisionKeeper(article, actor, 'Enregistrement');
  await db()('articles')
    .where({ tenant_id: currentTenant().id, id: article.id })
    .update({
      rubric_id: data.rubric_id,
      title: data.title,
      // The slug follows the title until the article is first published; then its public URL stays.
      slug: article.published_at ? article.slug : slugify(data.title),
      summary: data.summary,
      body_html: html,
      body_text: text,
      publish_at: data.publish_at,
      expire_at: data.expire_at,
      featured: data.featured,
      tags: data.tags,
      main_image_id: data.main_image_id || null,
      main_image_alt: data.main_image_alt,
      main_image_decorative: data.main_image_decorative,
      updated_at: now(),
    });
  await replaceAttachments(article.id, data.attachment_ids);
  // A published article moved to another time: its list mails still waiting follow it.
  if (article.status === 'published' && data.publish_at && new Date(data.publish_at).getTime() !== new Date(article.publish_at ?? 0).getTime()) {
    await articleListMailRescheduler(article.id, new Date(data.publish_at));
  }
  await auditOf(actor, 'publication.article_saved', article, { changed_text: contentChanged(article, next) }, input.ip);
}

/** Autosave keeps at most one revision per this interval, so typing does not flood the history. */
const AUTOSAVE_REVISION_EVERY_MS = 10 * 60_000;

/**
 * Saves the text fields an autosave received (title, summary, body), leaving every other field and the status
 * as they are; an empty title is not saved (the stored one stays). Returns the fields saved.
 */
/** What an autosave of these fields would write, and whether the article's text changes at all. */
export function autosavePatch(article: ArticleRow, fields: { title?: string; summary?: string; body_html?: string }) {
  const patch: Record<string, unknown> = {};
  const title = fields.title?.trim();
  if (title && title.length <= 200) patch.title = title;
  if (fields.summary !== undefined && fields.summary.trim().length <= 600) patch.summary = fields.summary.trim();
  if (fields.body_html !== undefined && fields.body_html.length <= 200_000) {
    const { html, text } = sanitizeArticleHtml(fields.body_html);
    patch.body_html = html;
    patch.body_text = text;
  }
  const next = { title: (patch.title as string) ?? article.title, summary: (patch.summary as string) ?? article.summary, body_html: (patch.body_html as string) ?? article.body_html };
  return { patch, changed: contentChanged(article, next) };
}

export async function articleAutosaver(input: { actor: Member; article: ArticleRow; fields: { title?: string; summary?: string; body_html?: string } }): Promise<string[]> {
  const { actor, article } = input;
  const { patch, changed } = autosavePatch(article, input.fields);
  if (!changed) return [];
  if (patch.title && !article.published_at) patch.slug = slugify(patch.title as string);
  const last = await db()('article_revisions').where({ tenant_id: currentTenant().id, article_id: article.id }).max({ at: 'created_at' }).first();
  if (!last?.at || now().getTime() - new Date(last.at).getTime() > AUTOSAVE_REVISION_EVERY_MS) {
    await revisionKeeper(article, actor, 'Enregistrement automatique');
  }
  patch.updated_at = now();
  await db()('articles').where({ tenant_id: currentTenant().id, id: article.id }).update(patch);
  return Object.keys(patch).filter((k) => k !== 'updated_at' && k !== 'slug' && k !== 'body_text');
}

/** The transitions of the workflow, each checked against the rubric's roles. */
export type Transition = 'submit' | 'publish' | 'sendBack' | 'archive' | 'trash' | 'restore';

/** Whether the member may apply a transition to the article now (status and roles). */
export function mayTransition(m: Member, article: ArticleRow, rubric: Rubric, t: Transition): boolean {
  const deleted = !!article.deleted_at;
  switch (t) {
    case 'submit':
      return !deleted && article.status === 'draft' && canEditArticle(m, article, rubric);
    case 'publish':
      return !deleted && ['draft', 'submitted', 'archived'].includes(article.status) && canPublishIn(m, rubric);
    case 'sendBack':
      return !deleted && article.status === 'submitted' && canPublishIn(m, rubric);
    case 'archive':
      return !deleted && article.status === 'published' && canPublishIn(m, rubric);
    case 'trash':
      return !deleted && canEditArticle(m, article, rubric);
    case 'restore':
      return deleted && (canPublishIn(m, rubric) || (article.author_id === m.membershipId && canWriteIn(m, rubric)));
  }
}

async function setFields(article: ArticleRow, fields: Record<string, unknown>) {
  await db()('articles').where({ tenant_id: currentTenant().id, id: article.id }).update({ ...fields, updated_at: now() });
}

export async function articleSubmitter(input: { actor: Member; article: ArticleRow; ip?: string }) {
  await setFields(input.article, { status: 'submitted' });
  await auditOf(input.actor, 'publication.article_submitted', input.article, {}, input.ip);
}

/**
 * Publishes at the chosen time or now: the article is live from publish_at (a predicate on the clock, so a
 * scheduled one goes live by itself, across restarts). Refused without a title or with an undescribed image.
 */
export async function articlePublisher(input: { actor: Member; article: ArticleRow; publishAt: Date | null; ip?: string }) {
  const { article } = input;
  if (!article.title.trim()) throw new ArticleError('title', 'Le titre est obligatoire pour publier.');
  if (article.main_image_id && !article.main_image_decorative && !article.main_image_alt.trim()) {
    throw new ArticleError('main_image_alt', 'L’image principale n’a pas de texte alternatif : décrivez-la ou cochez « image décorative ».');
  }
  const undescribed = undescribedImages(article.body_html);
  if (undescribed > 0) {
    throw new ArticleError(
      'body_html',
      undescribed === 1
        ? 'Une image du texte n’est pas décrite : cliquez sur l’image dans l’éditeur et ajoutez-lui une légende.'
        : `${undescribed} images du texte ne sont pas décrites : cliquez sur chacune dans l’éditeur et ajoutez-lui une légende.`,
    );
  }
  if (input.publishAt) checkSchedule(input.publishAt, article.publish_at);
  const at = now();
  const publishAt = input.publishAt ?? (article.publish_at && new Date(article.publish_at) > at ? new Date(article.publish_at) : at);
  if (article.expire_at && new Date(article.expire_at) <= publishAt) {
    throw new ArticleError('publish_at', 'La date de publication doit précéder la date d’expiration.');
  }
  await setFields(article, { status: 'published', publish_at: publishAt, published_at: article.published_at ?? at, review_comment: null });
  await auditOf(input.actor, 'publication.article_published', article, { publish_at: publishAt.toISOString() }, input.ip);
  // [mailing, issue 5] The rubric's mailing list (when on) gets the article through the outbox, in this
  // transaction, not before its publication time (app/modules/mailing/lists.ts).
  await articleListMailer(article, publishAt);
  return publishAt;
}

export async function articleSenderBack(input: { actor: Member; article: ArticleRow; comment: string; ip?: string }) {
  await setFields(input.article, { status: 'draft', review_comment: input.comment });
  await auditOf(input.actor, 'publication.article_sent_back', input.article, {}, input.ip);
}

export async function articleArchiver(input: { actor: Member; article: ArticleRow; ip?: string }) {
  await setFields(input.article, { status: 'archived' });
  // Taken back before its time: nobody is mailed an article that never went live.
  await articleListMailCanceller(input.article.id);
  await auditOf(input.actor, 'publication.article_archived', input.article, {}, input.ip);
}

export async function articleTrasher(input: { actor: Member; article: ArticleRow; ip?: string }) {
  await setFields(input.article, { deleted_at: now() });
  await articleListMailCanceller(input.article.id);
  await auditOf(input.actor, 'publication.article_trashed', input.article, {}, input.ip);
}

export async function articleRestorer(input: { actor: Member; article: ArticleRow; ip?: string }) {
  await setFields(input.article, { deleted_at: null });
  await auditOf(input.actor, 'publication.article_restored', input.article, {}, input.ip);
}

export interface RevisionRow {
  id: string;
  article_id: string;
  author_id: string | null;
  author_name: string | null;
  title: string;
  summary: string;
  body_html: string;
  reason: string;
  created_at: Date;
}

export async function revisionsOf(articleId: string): Promise<RevisionRow[]> {
  const { rows } = await db().raw(
    `select r.id, r.article_id, r.author_id, r.title, r.summary, r.body_html, r.reason, r.created_at,
            m.first_name || ' ' || m.last_name as author_name
     from article_revisions r left join memberships m on m.tenant_id = r.tenant_id and m.id = r.author_id
     where r.tenant_id = ? and r.article_id = ? order by r.created_at desc, r.id`,
    [currentTenant().id, articleId],
  );
  return rows;
}

export async function revisionOf(articleId: string, revisionId: string): Promise<RevisionRow | undefined> {
  if (!isUuid(revisionId)) return undefined;
  return (await revisionsOf(articleId)).find((r) => r.id === revisionId);
}

/** Puts a revision's text back, keeping the current text as a revision first (so it can be undone). */
export async function revisionRestorer(input: { actor: Member; article: ArticleRow; revision: RevisionRow; ip?: string }) {
  const { actor, article, revision } = input;
  await revisionKeeper(article, actor, 'Avant restauration d’une version antérieure');
  const { html, text } = sanitizeArticleHtml(revision.body_html);
  await setFields(article, { title: revision.title, summary: revision.summary, body_html: html, body_text: text });
  await auditOf(actor, 'publication.revision_restored', article, { revision_id: revision.id }, input.ip);
}

export interface ListedArticle {
  id: string;
  title: string;
  status: string;
  rubric_id: string;
  rubric_name: string;
  author_id: string | null;
  author_name: string | null;
  publish_at: Date | null;
  updated_at: Date;
  deleted_at: Date | null;
  review_comment: string | null;
}

async function listArticles(where: string, params: any[]): Promise<ListedArticle[]> {
  const { rows } = await db().raw(
    `select a.id, a.title, a.status, a.rubric_id, r.name as rubric_name, a.author_id, a.publish_at, a.updated_at, a.deleted_at,
            a.review_comment, m.first_name || ' ' || m.last_name as author_name
     from articles a join rubrics r on r.tenant_id = a.tenant_id and r.id = a.rubric_id
     left join memberships m on m.tenant_id = a.tenant_id and m.id = a.author_id
     where a.tenant_id = ? and ${where} order by a.updated_at desc limit 500`,
    [currentTenant().id, ...params],
  );
  return rows;
}

/** The editor's home: their own articles, and in the rubrics they manage those past the draft (others' drafts stay private). */
export async function editorArticles(m: Member): Promise<ListedArticle[]> {
  const managed = (await allRubrics()).filter((r) => canPublishIn(m, r)).map((r) => r.id);
  const rows = managed.length
    ? await listArticles(`a.deleted_at is null and (a.author_id = ? or (a.rubric_id = any(?::uuid[]) and a.status <> 'draft'))`, [m.membershipId, managed])
    : await listArticles(`a.deleted_at is null and a.author_id = ?`, [m.membershipId]);
  return rows;
}

/** The trash: the member's own deleted articles, and all of those in the rubrics they manage. */
export async function trashedArticles(m: Member): Promise<ListedArticle[]> {
  const managed = (await allRubrics()).filter((r) => canPublishIn(m, r)).map((r) => r.id);
  return listArticles(`a.deleted_at is not null and (a.author_id = ? or a.rubric_id = any(?::uuid[]))`, [m.membershipId, managed]);
}
