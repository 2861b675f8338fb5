import Router from '@koa/router';
import type { Context } from 'koa';
import { diffWords } from 'diff';
import { inTenantTx, requireMember } from '../../auth/middleware.js';
import type { Member } from '../../auth/member.js';
import { fieldText, formBody, seeOther } from '../../http/body.js';
import { HttpError } from '../../http/errors.js';
import { wantsFragment } from '../../http/htmx.js';
import { render } from '../../http/render.js';
import { views } from '../../http/render.js';
import { now } from '../../lib/clock.js';
import { isUuid } from '../../lib/ids.js';
import { authorize } from '../../rights/policy.js';
import {
  ArticleError,
  articleArchiver,
  articleAutosaver,
  autosavePatch,
  articleById,
  articleCreator,
  articlePreview,
  articlePublisher,
  articleRestorer,
  articleSenderBack,
  articleSubmitter,
  articleTrasher,
  articleUpdater,
  attachmentIdsOf,
  editorArticles,
  mayTransition,
  mediaChoices,
  revisionOf,
  revisionRestorer,
  revisionsOf,
  STATUS_NAMES,
  trashedArticles,
  writableRubrics,
  type ArticleRow,
  type Transition,
} from './articles.js';
import { canEditArticle, canManageRubric, canPublishIn, isPublicationManager, type RubricRoleRule } from './policy.js';
import {
  RUBRIC_ROLE_NAMES,
  RubricError,
  memberNamed,
  rubricArchiver,
  rubricCreator,
  rubricMover,
  rubricRoleAdder,
  rubricRoleRemover,
  rubricUpdater,
  targetChoices,
  targetLabels,
} from './rubric-admin.js';
import { humanSize, typeName } from './public-routes.js';
import { pictureOf } from './queries.js';
import { allRubrics, rubricById, type Rubric } from './rubrics.js';
import { excerpt } from './sanitize.js';
import {
  ArticlesPublishSchema,
  ArticlesSendBackSchema,
  ArticlesUpdateSchema,
  RubricRolesCreateSchema,
  RubricRolesRemoveSchema,
  RubricsCreateSchema,
  RubricsUpdateSchema,
  dateToParisLocal,
  fieldErrors,
} from './schemas.js';

/** Editors' back-office under /publication: rubrics, articles, revisions, workflow. */
export const editorRouter = new Router({ prefix: '/publication' });

editorRouter.use(requireMember, inTenantTx, async (ctx, next) => {
  authorize(ctx.state.member.rights, 'publication');
  await next();
});

const member = (ctx: Context): Member => ctx.state.member;

// ————— Articles —————

/** The article of this id in the current school with its rubric; another school's (or none) is a 404. */
async function loadArticle(ctx: Context, opts: { deleted?: boolean } = {}): Promise<{ article: ArticleRow; rubric: Rubric }> {
  const article = await articleById(ctx.params.id);
  if (!article) throw new HttpError(404, 'not_found');
  if (!opts.deleted && article.deleted_at) throw new HttpError(404, 'not_found');
  const rubric = (await rubricById(article.rubric_id))!;
  return { article, rubric };
}

function formValues(a: Partial<ArticleRow> & { attachment_ids?: string[] }) {
  return {
    title: a.title ?? '',
    summary: a.summary ?? '',
    rubric_id: a.rubric_id ?? '',
    body_html: a.body_html ?? '',
    tags: (a.tags ?? []).join(', '),
    featured: !!a.featured,
    publish_at: dateToParisLocal(a.publish_at),
    expire_at: dateToParisLocal(a.expire_at),
    main_image_id: a.main_image_id ?? '',
    main_image_alt: a.main_image_alt ?? '',
    main_image_decorative: !!a.main_image_decorative,
    attachment_ids: a.attachment_ids ?? [],
  };
}

/** What the form sent, as it should be shown again after a refusal (nothing typed is lost). */
function submittedValues(body: Record<string, unknown>) {
  const att = body.attachment_ids;
  return {
    title: fieldText(body.title),
    summary: fieldText(body.summary),
    rubric_id: fieldText(body.rubric_id),
    body_html: fieldText(body.body_html),
    tags: fieldText(body.tags),
    featured: body.featured === 'on',
    publish_at: fieldText(body.publish_at),
    expire_at: fieldText(body.expire_at),
    main_image_id: fieldText(body.main_image_id),
    main_image_alt: fieldText(body.main_image_alt),
    main_image_decorative: body.main_image_decorative === 'on',
    attachment_ids: att == null ? [] : Array.isArray(att) ? att.map(String) : [String(att)],
  };
}

async function editorPage(
  ctx: Context,
  opts: { article?: ArticleRow; rubric?: Rubric; values: ReturnType<typeof formValues>; errors?: Record<string, string>; status?: number; notice?: string },
) {
  const m = member(ctx);
  const rubrics = await writableRubrics(m);
  if (opts.rubric && !rubrics.some((r) => r.id === opts.rubric!.id)) rubrics.unshift(opts.rubric);
  const a = opts.article;
  const actions = a && opts.rubric
    ? Object.fromEntries((['submit', 'publish', 'sendBack', 'archive', 'trash'] as Transition[]).map((t) => [t, mayTransition(m, a, opts.rubric!, t)]))
    : {};
  render(ctx, { page: 'publication/editor/article.njk', status: opts.status }, {
    title: a ? `Modifier « ${a.title} »` : 'Nouvel article',
    article: a,
    statusName: a ? STATUS_NAMES[a.status] : '',
    rubrics,
    images: await mediaChoices('image'),
    files: await mediaChoices('file'),
    values: opts.values,
    errors: opts.errors ?? {},
    errorCount: Object.keys(opts.errors ?? {}).length,
    actions,
    notice: opts.notice ?? '',
    autosave: a && (a.status === 'draft' || a.status === 'submitted'),
    isScheduled: a && a.status === 'published' && a.publish_at && new Date(a.publish_at) > now(),
  });
}

const NOTICES: Record<string, string> = {
  cree: 'Brouillon créé.',
  enregistre: 'Article enregistré.',
  soumis: 'Article soumis à validation.',
  publie: 'Article publié.',
  programme: 'Publication programmée.',
  renvoye: 'Article renvoyé à son auteur.',
  archive: 'Article archivé.',
  restaure: 'Article restauré.',
  version: 'Version restaurée ; la précédente est gardée dans l’historique.',
};

editorRouter.get('/', async (ctx) => {
  const m = member(ctx);
  const articles = await editorArticles(m);
  const groups = (['submitted', 'draft', 'published', 'archived'] as const).map((status) => ({
    status,
    name: STATUS_NAMES[status],
    articles: articles.filter((a) => a.status === status),
  }));
  const rubrics = await allRubrics();
  render(ctx, { page: 'publication/editor/home.njk' }, {
    title: 'Publication',
    groups,
    canWrite: (await writableRubrics(m)).length > 0,
    canAdminRubrics: isPublicationManager(m) || rubrics.some((r) => canManageRubric(m, r)),
    notice: NOTICES[fieldText(ctx.query.message)] ?? '',
    now: now(),
  });
});

editorRouter.get('/corbeille', async (ctx) => {
  render(ctx, { page: 'publication/editor/trash.njk' }, { title: 'Corbeille', articles: await trashedArticles(member(ctx)), notice: NOTICES[fieldText(ctx.query.message)] ?? '' });
});

// The articles are listed on the back-office home; their collection's address, where new ones are posted, leads there.
editorRouter.get('/articles', (ctx) => seeOther(ctx, '/publication'));

editorRouter.get('/articles/nouveau', async (ctx) => {
  const rubrics = await writableRubrics(member(ctx));
  if (rubrics.length === 0) throw new HttpError(403, 'forbidden');
  const rubric = rubrics.find((r) => r.id === fieldText(ctx.query.rubrique));
  await editorPage(ctx, { values: formValues({ rubric_id: rubric?.id }) });
});

editorRouter.post('/articles', async (ctx) => {
  const m = member(ctx);
  if ((await writableRubrics(m)).length === 0) throw new HttpError(403, 'forbidden');
  const body = formBody(ctx);
  const parsed = ArticlesUpdateSchema.safeParse(body);
  if (!parsed.success) return editorPage(ctx, { values: submittedValues(body), errors: fieldErrors(parsed.error), status: 422 });
  try {
    const id = await articleCreator({ actor: m, data: parsed.data, ip: ctx.ip });
    seeOther(ctx, `/publication/articles/${id}?message=cree`);
  } catch (e) {
    if (!(e instanceof ArticleError)) throw e;
    await editorPage(ctx, { values: submittedValues(body), errors: { [e.field]: e.message }, status: 422 });
  }
});

editorRouter.get('/articles/:id', async (ctx) => {
  const { article, rubric } = await loadArticle(ctx);
  if (!canEditArticle(member(ctx), article, rubric)) throw new HttpError(403, 'forbidden');
  await editorPage(ctx, {
    article,
    rubric,
    values: formValues({ ...article, attachment_ids: await attachmentIdsOf(article.id) }),
    notice: NOTICES[fieldText(ctx.query.message)] ?? '',
  });
});

editorRouter.post('/articles/:id', async (ctx) => {
  const { article, rubric } = await loadArticle(ctx);
  const m = member(ctx);
  if (!canEditArticle(m, article, rubric)) throw new HttpError(403, 'forbidden');
  const body = formBody(ctx);
  const parsed = ArticlesUpdateSchema.safeParse(body);
  if (!parsed.success) return editorPage(ctx, { article, rubric, values: submittedValues(body), errors: fieldErrors(parsed.error), status: 422 });
  try {
    await articleUpdater({ actor: m, article, data: parsed.data, ip: ctx.ip });
    seeOther(ctx, `/publication/articles/${article.id}?message=enregistre`);
  } catch (e) {
    if (!(e instanceof ArticleError)) throw e;
    await editorPage(ctx, { article, rubric, values: submittedValues(body), errors: { [e.field]: e.message }, status: 422 });
  }
});

const timeFormat = new Intl.DateTimeFormat('fr-FR', { hour: 'numeric', minute: '2-digit', timeZone: 'Europe/Paris' });
/** "14 h 32", as French typography writes a time. */
const frenchTime = (d: Date) => timeFormat.format(d).replace(':', ' h ');

/** Autosave: only title, summary and body, only of a draft or a submitted article, never a status change. */
editorRouter.post('/articles/:id/brouillon', async (ctx) => {
  const { article, rubric } = await loadArticle(ctx);
  const m = member(ctx);
  const body = formBody(ctx);
  const pick = (k: string) => (k in body ? fieldText(body[k]) : undefined);
  const fields = { title: pick('title'), summary: pick('summary'), body_html: pick('body_html') };
  if (!canEditArticle(m, article, rubric)) {
    // The author's editor may still be open when the article leaves their hands (submitted, then published
    // by a manager): its autosave of the unchanged text, on a blur, is not a refusal; only a change is.
    if (article.author_id === m.membershipId && !autosavePatch(article, fields).changed) {
      return render(ctx, { page: 'publication/editor/_autosave.njk' }, { message: 'Cet article n’est plus modifiable ici : rechargez la page.' });
    }
    throw new HttpError(403, 'forbidden');
  }
  if (article.status !== 'draft' && article.status !== 'submitted') {
    return render(ctx, { page: 'publication/editor/_autosave.njk', status: 409 }, { message: 'Article publié : enregistrez-le avec le bouton « Enregistrer ».' });
  }
  const saved = await articleAutosaver({ actor: m, article, fields });
  const message = saved.length ? `Brouillon enregistré à ${frenchTime(now())}` : `Brouillon à jour à ${frenchTime(now())}`;
  render(ctx, { page: 'publication/editor/_autosave.njk' }, { message, skippedTitle: 'title' in body && !fieldText(body.title).trim() });
});

/** Applies a transition after loading and authorizing; answers 303 to the editor (or the list when it left it). */
async function transition(ctx: Context, t: Transition, act: (a: ArticleRow, r: Rubric) => Promise<string>, opts: { deleted?: boolean } = {}) {
  const { article, rubric } = await loadArticle(ctx, opts);
  if (!mayTransition(member(ctx), article, rubric, t)) throw new HttpError(403, 'forbidden');
  try {
    const to = await act(article, rubric);
    seeOther(ctx, to);
  } catch (e) {
    if (!(e instanceof ArticleError)) throw e;
    await editorPage(ctx, {
      article,
      rubric,
      values: formValues({ ...article, attachment_ids: await attachmentIdsOf(article.id) }),
      errors: { [e.field]: e.message },
      status: 422,
    });
  }
}

editorRouter.post('/articles/:id/soumission', (ctx) =>
  transition(ctx, 'submit', async (article) => {
    await articleSubmitter({ actor: member(ctx), article, ip: ctx.ip });
    return `/publication/articles/${article.id}?message=soumis`;
  }),
);

editorRouter.post('/articles/:id/publication', (ctx) =>
  transition(ctx, 'publish', async (article) => {
    const parsed = ArticlesPublishSchema.safeParse(formBody(ctx));
    if (!parsed.success) throw new ArticleError('publish_at', fieldErrors(parsed.error).publish_at ?? 'Date de publication invalide.');
    const at = await articlePublisher({ actor: member(ctx), article, publishAt: parsed.data.publish_at, ip: ctx.ip });
    return `/publication/articles/${article.id}?message=${at > now() ? 'programme' : 'publie'}`;
  }),
);

editorRouter.post('/articles/:id/renvoi', (ctx) =>
  transition(ctx, 'sendBack', async (article) => {
    const parsed = ArticlesSendBackSchema.safeParse(formBody(ctx));
    if (!parsed.success) throw new ArticleError('review_comment', fieldErrors(parsed.error).review_comment);
    await articleSenderBack({ actor: member(ctx), article, comment: parsed.data.review_comment, ip: ctx.ip });
    return `/publication?message=renvoye`;
  }),
);

editorRouter.post('/articles/:id/archivage', (ctx) =>
  transition(ctx, 'archive', async (article) => {
    await articleArchiver({ actor: member(ctx), article, ip: ctx.ip });
    return `/publication/articles/${article.id}?message=archive`;
  }),
);

editorRouter.post('/articles/:id/corbeille', (ctx) =>
  transition(ctx, 'trash', async (article) => {
    await articleTrasher({ actor: member(ctx), article, ip: ctx.ip });
    return `/publication/corbeille`;
  }),
);

editorRouter.post('/articles/:id/restauration', (ctx) =>
  transition(
    ctx,
    'restore',
    async (article) => {
      await articleRestorer({ actor: member(ctx), article, ip: ctx.ip });
      return `/publication/articles/${article.id}?message=restaure`;
    },
    { deleted: true },
  ),
);

/** A word diff of two plain texts, as parts for <ins>/<del>. */
function wordDiff(before: string, after: string) {
  return diffWords(before, after).map((p) => ({ value: p.value, kind: p.added ? 'added' : p.removed ? 'removed' : 'same' }));
}

const plain = (html: string) => views.renderString('{{ h | striptags }}', { h: html });

editorRouter.get('/articles/:id/revisions', async (ctx) => {
  const { article, rubric } = await loadArticle(ctx);
  if (!canEditArticle(member(ctx), article, rubric)) throw new HttpError(403, 'forbidden');
  render(ctx, { page: 'publication/editor/revisions.njk' }, { title: `Historique de « ${article.title} »`, article, revisions: await revisionsOf(article.id) });
});

editorRouter.get('/articles/:id/revisions/:revisionId', async (ctx) => {
  const { article, rubric } = await loadArticle(ctx);
  if (!canEditArticle(member(ctx), article, rubric)) throw new HttpError(403, 'forbidden');
  const revision = await revisionOf(article.id, ctx.params.revisionId);
  if (!revision) throw new HttpError(404, 'not_found');
  render(ctx, { page: 'publication/editor/revision.njk' }, {
    title: `Version du ${views.getFilter('datetime')(revision.created_at)}`,
    article,
    revision,
    titleDiff: wordDiff(revision.title, article.title),
    summaryDiff: wordDiff(revision.summary, article.summary),
    bodyDiff: wordDiff(plain(revision.body_html), plain(article.body_html)),
  });
});

editorRouter.post('/articles/:id/revisions/:revisionId/restauration', async (ctx) => {
  const { article, rubric } = await loadArticle(ctx);
  const m = member(ctx);
  if (!canEditArticle(m, article, rubric)) throw new HttpError(403, 'forbidden');
  const revision = await revisionOf(article.id, ctx.params.revisionId);
  if (!revision) throw new HttpError(404, 'not_found');
  await revisionRestorer({ actor: m, article, revision, ip: ctx.ip });
  seeOther(ctx, `/publication/articles/${article.id}?message=version`);
});

/**
 * The preview: engineer A's public article template (templates/publication/article.njk) with the draft's data,
 * under a banner "Aperçu — non publié" (preview.njk extends it).
 */
editorRouter.get('/articles/:id/apercu', async (ctx) => {
  const { article, rubric } = await loadArticle(ctx);
  if (!canEditArticle(member(ctx), article, rubric)) throw new HttpError(403, 'forbidden');
  const page = await articlePreview(article, rubric, now());
  const picture = pictureOf(page.image);
  const description = page.summary || excerpt(page.body_text, 200);
  const self = `/publication/articles/${article.id}/apercu`;
  render(ctx, { page: 'publication/editor/preview.njk' }, {
    title: `Aperçu — ${article.title}`,
    article: page,
    picture,
    iso: page.publish_at.toISOString(),
    description,
    attachments: page.attachments.map((f) => ({ ...f, size: humanSize(f.size_bytes), type: typeName(f.mime) })),
    og: { title: page.title, description, url: self, image: null, imageAlt: '' },
    editUrl: `/publication/articles/${article.id}`,
  });
});

// ————— Rubrics —————

function manageableRubrics(m: Member, rubrics: Rubric[]) {
  return isPublicationManager(m) ? rubrics : rubrics.filter((r) => canManageRubric(m, r));
}

async function rubricTree(ctx: Context) {
  const m = member(ctx);
  const all = await allRubrics();
  const visible = manageableRubrics(m, all);
  if (!isPublicationManager(m) && visible.length === 0) throw new HttpError(403, 'forbidden');
  const labels = await targetLabels(visible);
  const depth = new Map<string, number>();
  for (const r of all) depth.set(r.id, r.parent_id ? (depth.get(r.parent_id) ?? 0) + 1 : 0);
  const siblingsOf = (r: Rubric) => all.filter((x) => x.parent_id === r.parent_id);
  const rows = visible.map((r) => {
    const sib = siblingsOf(r);
    return {
      ...r,
      depth: depth.get(r.id) ?? 0,
      first: sib[0]?.id === r.id,
      last: sib[sib.length - 1]?.id === r.id,
      roleRows: r.roles.map((x) => ({
        ...x,
        label: labels.get(`${x.target_type}:${x.target_value}`) ?? `${x.target_type} ${x.target_value}`,
        roleName: RUBRIC_ROLE_NAMES[x.role],
      })),
    };
  });
  return { rows, parents: visible, choices: await targetChoices(), canCreateTop: isPublicationManager(m), roleNames: RUBRIC_ROLE_NAMES };
}

interface RubricAnswer {
  announce?: string;
  errors?: Record<string, string>;
  values?: Record<string, string>;
  failed?: string;
  status?: number;
  focus?: string;
  anchor?: string;
}

/** Answers a rubric change: the tree alone for htmx (announced), a 303 to the page otherwise, the page on 422. */
async function answerRubrics(ctx: Context, a: RubricAnswer) {
  const data = { ...(await rubricTree(ctx)), errors: a.errors ?? {}, values: a.values ?? {}, failed: a.failed ?? '', announce: a.announce, focus: a.focus };
  if (wantsFragment(ctx)) return render(ctx, { page: 'publication/editor/_rubric-tree.njk', status: a.status }, data);
  if (a.status === 422) return render(ctx, { page: 'publication/editor/rubrics.njk', status: 422 }, { title: 'Rubriques', ...data });
  seeOther(ctx, `/publication/rubriques${a.anchor ? `#${a.anchor}` : ''}`);
}

/** The rubric of this id in the current school that the member manages (404 elsewhere, 403 without the role). */
async function loadManagedRubric(ctx: Context): Promise<Rubric> {
  const id = ctx.params.id;
  const rubric = isUuid(id) ? await rubricById(id) : undefined;
  if (!rubric) throw new HttpError(404, 'not_found');
  if (!canManageRubric(member(ctx), rubric)) throw new HttpError(403, 'forbidden');
  return rubric;
}

editorRouter.get('/rubriques', async (ctx) => {
  const data = await rubricTree(ctx);
  render(ctx, { page: 'publication/editor/rubrics.njk' }, { title: 'Rubriques', ...data, errors: {}, values: {}, failed: '' });
});

editorRouter.post('/rubriques', async (ctx) => {
  const m = member(ctx);
  const body = formBody(ctx);
  const values = { name: fieldText(body.name), parent_id: fieldText(body.parent_id), visibility: fieldText(body.visibility) };
  const parsed = RubricsCreateSchema.safeParse(body);
  if (!parsed.success) return answerRubrics(ctx, { errors: fieldErrors(parsed.error), values, failed: 'create', status: 422 });
  const parent = parsed.data.parent_id ? await rubricById(parsed.data.parent_id) : null;
  if (parsed.data.parent_id && !parent) return answerRubrics(ctx, { errors: { parent_id: 'Rubrique parente inconnue.' }, values, failed: 'create', status: 422 });
  if (parent ? !canManageRubric(m, parent) : !isPublicationManager(m)) throw new HttpError(403, 'forbidden');
  const created = await rubricCreator({ actor: m, name: parsed.data.name, parent: parent ?? null, visibility: parsed.data.visibility, ip: ctx.ip });
  await answerRubrics(ctx, { announce: `Rubrique « ${parsed.data.name} » créée.`, anchor: `rubrique-${created.id}` });
});

editorRouter.post('/rubriques/:id', async (ctx) => {
  const rubric = await loadManagedRubric(ctx);
  const body = formBody(ctx);
  const values = { name: fieldText(body.name), visibility: fieldText(body.visibility) };
  const parsed = RubricsUpdateSchema.safeParse(body);
  if (!parsed.success) return answerRubrics(ctx, { errors: fieldErrors(parsed.error), values, failed: `edit-${rubric.id}`, status: 422 });
  await rubricUpdater({ actor: member(ctx), rubric, ...parsed.data, ip: ctx.ip });
  await answerRubrics(ctx, { announce: `Rubrique « ${parsed.data.name} » enregistrée.`, anchor: `rubrique-${rubric.id}` });
});

editorRouter.post('/rubriques/:id/roles', async (ctx) => {
  const rubric = await loadManagedRubric(ctx);
  const body = formBody(ctx);
  const values = { target: fieldText(body.target), member: fieldText(body.member), role: fieldText(body.role) };
  const failed = `roles-${rubric.id}`;
  const parsed = RubricRolesCreateSchema.safeParse(body);
  if (!parsed.success) return answerRubrics(ctx, { errors: fieldErrors(parsed.error), values, failed, status: 422 });
  try {
    let rule: RubricRoleRule;
    if (parsed.data.member) {
      const named = await memberNamed(parsed.data.member);
      rule = { target_type: 'membership', target_value: named.id, role: parsed.data.role };
    } else {
      const [type, ...rest] = parsed.data.target.split(':');
      rule = { target_type: type as RubricRoleRule['target_type'], target_value: rest.join(':'), role: parsed.data.role };
    }
    await rubricRoleAdder({ actor: member(ctx), rubric, rule, ip: ctx.ip });
  } catch (e) {
    if (!(e instanceof RubricError)) throw e;
    return answerRubrics(ctx, { errors: { [e.field]: e.message }, values, failed, status: 422 });
  }
  await answerRubrics(ctx, { announce: `Rôle ajouté à la rubrique « ${rubric.name} ».`, anchor: `rubrique-${rubric.id}` });
});

editorRouter.post('/rubriques/:id/roles/suppression', async (ctx) => {
  const rubric = await loadManagedRubric(ctx);
  const parsed = RubricRolesRemoveSchema.safeParse(formBody(ctx));
  if (!parsed.success) throw new HttpError(404, 'not_found');
  if (!(await rubricRoleRemover({ actor: member(ctx), rubric, rule: parsed.data, ip: ctx.ip }))) throw new HttpError(404, 'not_found');
  await answerRubrics(ctx, { announce: `Rôle retiré de la rubrique « ${rubric.name} ».`, anchor: `rubrique-${rubric.id}` });
});

editorRouter.post('/rubriques/:id/archivage', async (ctx) => {
  const rubric = await loadManagedRubric(ctx);
  await rubricArchiver({ actor: member(ctx), rubric, archived: true, ip: ctx.ip });
  await answerRubrics(ctx, { announce: `Rubrique « ${rubric.name} » archivée.`, anchor: `rubrique-${rubric.id}`, focus: `unarchive-${rubric.id}` });
});

editorRouter.post('/rubriques/:id/desarchivage', async (ctx) => {
  const rubric = await loadManagedRubric(ctx);
  await rubricArchiver({ actor: member(ctx), rubric, archived: false, ip: ctx.ip });
  await answerRubrics(ctx, { announce: `Rubrique « ${rubric.name} » rétablie.`, anchor: `rubrique-${rubric.id}`, focus: `archive-${rubric.id}` });
});

for (const [path, direction, word] of [['monter', 'up', 'montée'], ['descendre', 'down', 'descendue']] as const) {
  editorRouter.post(`/rubriques/:id/${path}`, async (ctx) => {
    const rubric = await loadManagedRubric(ctx);
    const moved = await rubricMover({ actor: member(ctx), rubric, direction, ip: ctx.ip });
    await answerRubrics(ctx, {
      announce: moved ? `Rubrique « ${rubric.name} » ${word} d’un rang.` : `Rubrique « ${rubric.name} » déjà en ${direction === 'up' ? 'tête' : 'fin'}.`,
      anchor: `rubrique-${rubric.id}`,
      focus: `${direction}-${rubric.id}`,
    });
  });
}
