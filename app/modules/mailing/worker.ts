import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { currentTenant, db, inTenantScope, tenantTx } from '../../db/index.js';
import { defineJob } from '../../jobs/queue.js';
import { now } from '../../lib/clock.js';
import { log } from '../../lib/log.js';
import { knownTenants, tenantById } from '../../tenancy/registry.js';
import { deliveryWakeUp, MAIL_DELIVERY_QUEUE, type OutboxRow } from './outbox.js';
import { mailTransport, type MailTransport } from './transport.js';

/**
 * The outbox worker: delivers `mail_outbox` rows school by school.
 *
 * 1. claim — in a short tenant transaction, `for update skip locked` picks a batch of due rows (pending, or
 *    'sending' whose lease expired: a worker that died mid-send), ordered by next_attempt_at; they become
 *    'sending' with a lease (next_attempt_at = lease_until, so the same index finds them when it expires) and
 *    attempts + 1; the transaction commits at once.
 * 2. send — OUTSIDE any transaction (on PGlite, one connection, nothing is held while the SMTP server talks).
 * 3. mark — in a new tenant transaction: 'sent' for the accepted ones; for the others, back to 'pending'
 *    with an exponential backoff, or 'dead' after maxAttempts attempts.
 *
 * Delivery is at-least-once, made exactly-once in effect: a row is marked sent only after the SMTP server
 * accepted it, and two workers never hold the same row (skip locked + lease). The one edge left: a crash
 * (or a lost connection) between the server's acceptance and the 'sent' mark leaves the row 'sending'; when
 * its lease expires it is sent again. That second copy carries the same Message-ID (derived from the row
 * id), so mail systems and readers can recognise it; no protocol can close that window without the
 * receiving server's cooperation.
 */
export interface WorkerOptions {
  transport?: MailTransport;
  /** The schools to serve (default: knownTenants(), re-read at each round). */
  tenants?: () => { id: string; slug: string; name: string }[];
  batchSize?: number;
  /** Parallel sends within a batch. */
  concurrency?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** Delay before attempt n+1 after n failed attempts. */
  backoffMs?: (attempts: number) => number;
  /** Ends a drain between rounds (the periodic runner's stop). */
  signal?: AbortSignal;
}

export const DEFAULTS = {
  batchSize: 100,
  concurrency: 5,
  leaseMs: 5 * 60_000,
  maxAttempts: 8,
};

/** 1 min, 2, 4, 8… capped at 6 h. */
export function defaultBackoffMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3600_000);
}

type School = { id: string; slug: string; name: string };

/** Claims up to `limit` due rows of one school and leases them ('sending'). Committed on return. */
export async function claimDue(tenant: School, limit = DEFAULTS.batchSize, leaseMs = DEFAULTS.leaseMs): Promise<OutboxRow[]> {
  const at = now();
  const leaseUntil = new Date(at.getTime() + leaseMs);
  return tenantTx(tenant, async (trx) => {
    const r = await trx.raw(
      // A MATERIALIZED CTE: the locking subquery runs exactly once. As a plain subquery in UPDATE … FROM,
      // the planner may rescan it (nested loop) and each rescan with SKIP LOCKED picks further rows,
      // claiming more than `limit` (seen on PostgreSQL once the table had statistics).
      `with due as materialized (
         select id from mail_outbox
          where tenant_id = ? and status in ('pending', 'sending') and next_attempt_at <= ?
          order by next_attempt_at
          limit ?
          for update skip locked)
       update mail_outbox o
          set status = 'sending', attempts = o.attempts + 1, lease_until = ?, next_attempt_at = ?
         from due
        where o.tenant_id = ? and o.id = due.id
        returning o.*`,
      [tenant.id, at, limit, leaseUntil, leaseUntil, tenant.id],
    );
    return r.rows as OutboxRow[];
  });
}

export interface RoundResult {
  claimed: number;
  sent: number;
  retried: number;
  dead: number;
}

/** One claim → send → mark round for one school. */
export async function processTenant(tenant: School, opts: WorkerOptions = {}): Promise<RoundResult> {
  if (inTenantScope()) throw new Error('the outbox worker must not run inside a tenant transaction');
  const transport = opts.transport ?? mailTransport();
  const maxAttempts = opts.maxAttempts ?? DEFAULTS.maxAttempts;
  const backoff = opts.backoffMs ?? defaultBackoffMs;
  const rows = await claimDue(tenant, opts.batchSize ?? DEFAULTS.batchSize, opts.leaseMs ?? DEFAULTS.leaseMs);
  const result: RoundResult = { claimed: rows.length, sent: 0, retried: 0, dead: 0 };
  if (!rows.length) return result;

  // Several SMTP conversations at once (p-limit), each mail's outcome kept.
  const outcomes = await pLimit(opts.concurrency ?? DEFAULTS.concurrency).map(rows, async (row) => {
    try {
      await transport.send(row, tenant);
      return { row, error: null as string | null };
    } catch (e) {
      return { row, error: (e instanceof Error ? e.message : String(e)).slice(0, 1000) };
    }
  });

  const at = now();
  const sentIds = outcomes.filter((o) => o.error === null).map((o) => o.row.id);
  const failed = outcomes.filter((o) => o.error !== null);
  await tenantTx(tenant, async (trx) => {
    if (sentIds.length) {
      await trx('mail_outbox')
        .where('tenant_id', tenant.id)
        .whereIn('id', sentIds)
        .update({ status: 'sent', sent_at: at, lease_until: null, last_error: null });
    }
    for (const { row, error } of failed) {
      const dead = row.attempts >= maxAttempts;
      await trx('mail_outbox')
        .where({ tenant_id: tenant.id, id: row.id, status: 'sending' })
        .update({
          status: dead ? 'dead' : 'pending',
          lease_until: null,
          last_error: error,
          next_attempt_at: dead ? at : new Date(at.getTime() + backoff(row.attempts)),
        });
      if (dead) result.dead++;
      else result.retried++;
    }
  });
  result.sent = sentIds.length;
  if (failed.length) log.warn({ tenant: tenant.slug, failed: failed.length, dead: result.dead, error: failed[0]!.error }, 'outbox: sends failed');
  return result;
}

/**
 * Runs rounds over every school until nothing is due (rows waiting for a later retry are not due yet).
 * For tests and the CLI.
 */
export async function drainOutbox(opts: WorkerOptions = {}): Promise<RoundResult> {
  const total: RoundResult = { claimed: 0, sent: 0, retried: 0, dead: 0 };
  for (;;) {
    let claimed = 0;
    for (const tenant of (opts.tenants ?? knownTenants)()) {
      if (opts.signal?.aborted) return total;
      const r = await processTenant(tenant, opts);
      claimed += r.claimed;
      total.claimed += r.claimed;
      total.sent += r.sent;
      total.retried += r.retried;
      total.dead += r.dead;
    }
    if (claimed === 0) return total;
  }
}

/**
 * One school's delivery, as the `mail-delivery` job runs it: rounds until nothing is due, then, if mails wait
 * for a later time (a retry's backoff, a scheduled article, another worker's lease), a job for that time.
 */
export async function deliverSchool(tenant: School, opts: WorkerOptions = {}): Promise<RoundResult> {
  const result = await drainOutbox({ ...opts, tenants: () => [tenant] });
  await tenantTx(tenant, async () => {
    const next = await db()('mail_outbox')
      .where('tenant_id', currentTenant().id)
      .whereIn('status', ['pending', 'sending'])
      .min<{ at: Date | null }>('next_attempt_at as at')
      .first();
    if (next?.at) await deliveryWakeUp(new Date(next.at));
  });
  return result;
}

// Mail is delivered when it is queued: mailEnqueuer queues this job in the same transaction.
defineJob<{ tenantId: string }>(MAIL_DELIVERY_QUEUE, async ({ tenantId }) => {
  const tenant = await tenantById(tenantId);
  if (tenant) await deliverSchool(tenant);
});

export interface RunningWorker {
  /** Stops after the current round (no new claim); resolves once it has finished. */
  stop(): Promise<void>;
}

/**
 * The sweep: drain every school, sleep `idleMs`, again; stop() interrupts the sleep and waits for the round.
 * Delivery itself is woken by `mail-delivery` jobs; the sweep (at start, then every 5 minutes) catches what no
 * job covers — mail queued before a crash lost its job, a lease left by a killed worker. It visits every
 * school, which costs about a second per round at 1,000 schools: hence not every few seconds.
 */
export function startOutboxWorker(opts: WorkerOptions & { idleMs?: number } = {}): RunningWorker {
  const abort = new AbortController();
  const idleMs = opts.idleMs ?? 5 * 60_000;
  const loop = (async () => {
    while (!abort.signal.aborted) {
      try {
        await drainOutbox({ ...opts, signal: abort.signal });
      } catch (err) {
        log.error({ err }, 'outbox: round failed');
      }
      try {
        await sleep(idleMs, undefined, { signal: abort.signal });
      } catch {
        // aborted: the loop ends
      }
    }
  })();
  return {
    async stop() {
      abort.abort();
      await loop;
    },
  };
}
