import crypto from 'node:crypto';
import type { Member } from '../../auth/member.js';
import { randomToken } from '../../auth/session.js';
import { config } from '../../config.js';
import { currentTenant, db, type TenantRef } from '../../db/index.js';
import { tenantBySlug } from '../../tenancy/registry.js';
import type { Tenant } from '../../tenancy/tenant.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { ArticleRow } from '../publication/articles.js';
import { articleUrl } from '../publication/queries.js';
import type { Rubric } from '../publication/rubrics.js';
import { excerpt } from '../publication/sanitize.js';
import { deliveryWakeUp, mailEnqueuer, type OutboxMail } from './outbox.js';
import { escapeHtml } from '../../lib/html.js';

/**
 * Per-rubric mailing lists (issue 5). A rubric's manager switches its list on; members who may read the rubric
 * subscribe with a button, visitors of a public rubric with their address and a confirmation link (double
 * opt-in: only confirmed addresses receive anything; only the SHA-256 of a token is stored). When an article is
 * published in a rubric whose list is on, every subscriber gets it through the outbox, in the publishing
 * transaction, not before its publication time. Every list mail carries List-Id, List-Unsubscribe (a URL with
 * a token of its own) and List-Unsubscribe-Post (RFC 2369 / RFC 8058).
 */

export const CONFIRM_VALID_MS = 7 * 24 * 3600_000;
export const RESEND_AFTER_MS = 10 * 60_000;

export const sha256 = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
export const isToken = (t: string) => TOKEN.test(t);

/** The current school with its name and hostnames (the scope holds the Tenant a request or test passed). */
export function currentSchool(): { id: string; slug: string; name: string; hostnames: string[] } {
  const t = currentTenant() as TenantRef & Partial<Tenant>;
  const known = t.name ? t : tenantBySlug(t.slug);
  return { id: t.id, slug: t.slug, name: known?.name ?? t.slug, hostnames: known?.hostnames ?? [] };
}

/** The school's host as mail links name it: its first own hostname, else its subdomain of the portal. */
export function schoolHost(tenant: { slug: string; hostnames?: string[] } = currentSchool()): string {
  return tenant.hostnames?.[0] ?? `${tenant.slug}.${config().publicBaseDomain}`;
}

/** The school's origin for links in mails: always https (RFC 8058 requires it for one-click unsubscribe). */
export function schoolOrigin(tenant: { slug: string; hostnames?: string[] } = currentSchool()): string {
  return `https://${schoolHost(tenant)}`;
}

/** RFC 2919: `<rubric.school-host>`. */
export function listIdOf(rubric: { slug: string }): string {
  return `<${rubric.slug}.${schoolHost()}>`;
}

function auditList(actor: Member, action: string, rubricId: string, details: Record<string, unknown>, ip?: string) {
  return recordAudit({ action, actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'rubric', subjectId: rubricId, details, ip });
}

/** Switches the rubric's list on or off (its manager; audited). Subscriptions are kept while it is off. */
export async function listSwitcher(input: { actor: Member; rubric: Rubric & { mailing_list_enabled?: boolean }; enabled: boolean; ip?: string }): Promise<void> {
  if (Boolean(input.rubric.mailing_list_enabled) === input.enabled) return;
  await db()('rubrics').where({ tenant_id: currentTenant().id, id: input.rubric.id }).update({ mailing_list_enabled: input.enabled, updated_at: now() });
  await auditList(input.actor, input.enabled ? 'mailing.list_enabled' : 'mailing.list_disabled', input.rubric.id, {}, input.ip);
}

export async function listEnabled(rubricId: string): Promise<boolean> {
  const r = await db()('rubrics').where({ tenant_id: currentTenant().id, id: rubricId }).first('mailing_list_enabled');
  return Boolean(r?.mailing_list_enabled);
}

/** The member's own address in this school (list mails go there), or null. */
export async function memberAddress(membershipId: string): Promise<string | null> {
  const m = await db()('memberships').where({ tenant_id: currentTenant().id, id: membershipId }).first('email');
  return m?.email?.trim() || null;
}

export async function memberSubscription(rubricId: string, membershipId: string): Promise<{ id: string } | undefined> {
  return db()('mailing_subscriptions').where({ tenant_id: currentTenant().id, rubric_id: rubricId, membership_id: membershipId }).first('id');
}

/** A member subscribes (confirmed at once: they are signed in and their address is the school's record). */
export async function memberSubscriber(rubric: Rubric, member: Member): Promise<void> {
  await db()('mailing_subscriptions')
    .insert({ tenant_id: currentTenant().id, id: newId(), rubric_id: rubric.id, membership_id: member.membershipId, confirmed_at: now(), created_at: now() })
    .onConflict(['tenant_id', 'rubric_id', 'membership_id'])
    .ignore();
}

export async function memberUnsubscriber(rubric: Rubric, member: Member): Promise<void> {
  await db()('mailing_subscriptions').where({ tenant_id: currentTenant().id, rubric_id: rubric.id, membership_id: member.membershipId }).del();
}

/**
 * A visitor asks to receive a public rubric's articles: an unconfirmed subscription and a confirmation mail
 * with a fresh token (a repeated request sends a new link; an address already confirmed gets nothing new, and
 * the answer is the same either way, so the form tells nobody who is subscribed).
 */
export async function visitorSubscriber(rubric: Rubric, email: string): Promise<void> {
  const tenant_id = currentTenant().id;
  const address = email.trim().toLowerCase();
  const existing = await db()('mailing_subscriptions').where({ tenant_id, rubric_id: rubric.id }).whereRaw('lower(email) = ?', [address]).first();
  if (existing?.confirmed_at) return;
  const at = now();
  // One confirmation mail per address and rubric every 10 minutes: the form cannot be used to flood someone.
  if (existing?.confirm_sent_at && at.getTime() - new Date(existing.confirm_sent_at).getTime() < RESEND_AFTER_MS) return;
  const token = randomToken();
  let id = existing?.id as string | undefined;
  if (id) {
    await db()('mailing_subscriptions').where({ tenant_id, id }).update({ confirm_token_hash: sha256(token), confirm_sent_at: at });
  } else {
    id = newId();
    await db()('mailing_subscriptions').insert({ tenant_id, id, rubric_id: rubric.id, email: address, confirm_token_hash: sha256(token), confirm_sent_at: at, created_at: at });
  }
  const school = currentSchool().name;
  const link = `${schoolOrigin()}/listes/confirmation/${token}`;
  await mailEnqueuer([
    {
      idempotencyKey: `list-confirm:${id}:${sha256(token).slice(0, 16)}`,
      to: address,
      subject: `Confirmez votre abonnement à « ${rubric.name} »`,
      text: `Bonjour,\n\nquelqu’un (sans doute vous) a demandé à recevoir par courriel les nouveaux articles de la rubrique « ${rubric.name} » (${school}).\n\nPour confirmer, ouvrez ce lien dans les 7 jours :\n${link}\n\nSi vous n’avez rien demandé, ignorez ce message : vous ne recevrez rien.\n`,
    },
  ]);
}

/** The unconfirmed subscription a confirmation token designates (valid 7 days), with its rubric's name. */
export async function pendingConfirmation(token: string): Promise<{ id: string; rubric_name: string; rubric_slug: string } | undefined> {
  if (!isToken(token)) return undefined;
  const row = await db()('mailing_subscriptions as s')
    .join('rubrics as r', function () {
      this.on('r.tenant_id', 's.tenant_id').andOn('r.id', 's.rubric_id');
    })
    .where({ 's.tenant_id': currentTenant().id, 's.confirm_token_hash': sha256(token) })
    .whereNull('s.confirmed_at')
    .first('s.id', 's.confirm_sent_at', 'r.name as rubric_name', 'r.slug as rubric_slug');
  if (!row || new Date(row.confirm_sent_at).getTime() + CONFIRM_VALID_MS < now().getTime()) return undefined;
  return row;
}

/** Confirms a visitor's address; the token is spent. */
export async function subscriptionConfirmer(id: string): Promise<void> {
  await db()('mailing_subscriptions').where({ tenant_id: currentTenant().id, id }).whereNull('confirmed_at').update({ confirmed_at: now(), confirm_token_hash: null });
}

/** The subscription an unsubscribe token designates, with its rubric's name. */
export async function subscriptionOfUnsubscribeToken(token: string): Promise<{ id: string; rubric_name: string; address: string } | undefined> {
  if (!isToken(token)) return undefined;
  const { rows } = await db().raw(
    `select s.id, r.name as rubric_name, coalesce(s.email, m.email) as address
       from mailing_unsubscribe_tokens t
       join mailing_subscriptions s on s.tenant_id = t.tenant_id and s.id = t.subscription_id
       join rubrics r on r.tenant_id = s.tenant_id and r.id = s.rubric_id
       left join memberships m on m.tenant_id = s.tenant_id and m.id = s.membership_id
      where t.tenant_id = ? and t.token_hash = ?`,
    [currentTenant().id, sha256(token)],
  );
  return rows[0];
}

/** Ends a subscription at once (its tokens go with it). */
export async function subscriptionEnder(id: string): Promise<void> {
  await db()('mailing_subscriptions').where({ tenant_id: currentTenant().id, id }).del();
}

interface Subscriber {
  id: string;
  address: string;
}

/**
 * Who receives a rubric's list mail now: confirmed subscriptions whose member is still in the school with an
 * address, and confirmed visitors' addresses while the rubric is public; one per address.
 */
export async function subscribersOf(rubric: Pick<Rubric, 'id' | 'visibility'>): Promise<Subscriber[]> {
  const { rows } = await db().raw(
    `select distinct on (lower(x.address)) x.id, x.address from (
        select s.id, s.created_at, m.email as address
          from mailing_subscriptions s join memberships m on m.tenant_id = s.tenant_id and m.id = s.membership_id
         where s.tenant_id = ? and s.rubric_id = ? and s.confirmed_at is not null and m.left_at is null
           and coalesce(m.email, '') <> ''
        union all
        select s.id, s.created_at, s.email from mailing_subscriptions s
         where s.tenant_id = ? and s.rubric_id = ? and s.email is not null and s.confirmed_at is not null and ?::boolean
     ) x order by lower(x.address), x.created_at`,
    [currentTenant().id, rubric.id, currentTenant().id, rubric.id, rubric.visibility === 'public'],
  );
  return rows;
}

const keyPrefix = (articleId: string) => `list:${articleId}:`;

/** The article's list mails not sent yet (never tried) wait for a new publication time. */
export async function articleListMailRescheduler(articleId: string, publishAt: Date): Promise<number> {
  const at = now();
  const due = publishAt > at ? publishAt : at;
  const moved = await db()('mail_outbox')
    .where({ tenant_id: currentTenant().id, status: 'pending', attempts: 0 })
    .andWhere('idempotency_key', 'like', `${keyPrefix(articleId)}%`)
    .update({ next_attempt_at: due });
  if (moved) await deliveryWakeUp(due);
  return moved;
}

/**
 * For the paths that take a scheduled article back before its time (archive, trash, back to draft): its list
 * mails still waiting for the publication time are withdrawn, so nobody is mailed an article that never went
 * live; publishing it again enqueues them anew. Mails already due or tried are left to the worker.
 */
export async function articleListMailCanceller(articleId: string): Promise<number> {
  return db()('mail_outbox')
    .where({ tenant_id: currentTenant().id, status: 'pending', attempts: 0 })
    .andWhere('idempotency_key', 'like', `${keyPrefix(articleId)}%`)
    .andWhere('next_attempt_at', '>', now())
    .del();
}

/**
 * Called when an article becomes published (articlePublisher, in its transaction): when the rubric's list is
 * on, each subscriber gets the article (title, excerpt, link) through the outbox, not before `publishAt`.
 * The idempotency key is per article and subscription, so publishing again sends nothing twice; mails of the
 * article still waiting follow a new publication time.
 */
export async function articleListMailer(article: Pick<ArticleRow, 'id' | 'slug' | 'title' | 'summary' | 'body_text' | 'rubric_id'>, publishAt: Date): Promise<number> {
  const tenant_id = currentTenant().id;
  const rubric = await db()('rubrics').where({ tenant_id, id: article.rubric_id }).first('id', 'slug', 'name', 'visibility', 'mailing_list_enabled', 'archived_at');
  if (!rubric?.mailing_list_enabled || rubric.archived_at) return 0;
  // Waiting mails of an earlier publication of this article follow the new time.
  await articleListMailRescheduler(article.id, publishAt);
  const subscribers = await subscribersOf(rubric);
  if (!subscribers.length) return 0;
  const done = new Set(
    (await db()('mail_outbox').where({ tenant_id }).andWhere('idempotency_key', 'like', `${keyPrefix(article.id)}%`).select('idempotency_key')).map(
      (r: { idempotency_key: string }) => r.idempotency_key,
    ),
  );
  const origin = schoolOrigin();
  const school = currentSchool().name;
  const url = `${origin}${articleUrl(article)}`;
  const summary = article.summary?.trim() || excerpt(article.body_text ?? '', 400);
  const listId = listIdOf(rubric);
  const at = now();
  const tokens: { tenant_id: string; token_hash: string; subscription_id: string; created_at: Date }[] = [];
  const mails: OutboxMail[] = [];
  for (const s of subscribers) {
    const key = `${keyPrefix(article.id)}${s.id}`;
    if (done.has(key)) continue;
    const token = randomToken();
    tokens.push({ tenant_id, token_hash: sha256(token), subscription_id: s.id, created_at: at });
    const unsubscribe = `${origin}/listes/desabonnement/${token}`;
    mails.push({
      idempotencyKey: key,
      to: s.address,
      subject: `[${rubric.name}] ${article.title}`.replace(/[\r\n]+/g, ' ').slice(0, 998),
      text: `${article.title}\n\n${summary}\n\nLire l’article : ${url}\n\n--\nVous recevez ce message car vous êtes abonné(e) à la liste « ${rubric.name} » (${school}).\nSe désabonner : ${unsubscribe}\n`,
      html: `<h1>${escapeHtml(article.title)}</h1><p>${escapeHtml(summary)}</p><p><a href="${escapeHtml(url)}">Lire l’article</a></p><hr><p>Vous recevez ce message car vous êtes abonné(e) à la liste « ${escapeHtml(rubric.name)} » (${escapeHtml(school)}). <a href="${escapeHtml(unsubscribe)}">Se désabonner</a></p>`,
      headers: {
        'List-Id': listId,
        'List-Unsubscribe': `<${unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Archive': `<${origin}/rubriques/${rubric.slug}>`,
        Precedence: 'list',
        'Auto-Submitted': 'auto-generated',
      },
    });
  }
  for (let i = 0; i < tokens.length; i += 1000) await db()('mailing_unsubscribe_tokens').insert(tokens.slice(i, i + 1000));
  return mailEnqueuer(mails, { notBefore: publishAt });
}
