import { systemDb, tenantTx, currentTenant, db } from '../../db/index.js';
import { defineJob } from '../../jobs/queue.js';
import { now } from '../../lib/clock.js';
import { log } from '../../lib/log.js';
import { expiredListThrottlesRemover } from './list-throttle.js';
import { CONFIRM_VALID_MS } from './lists.js';

/**
 * The nightly clean-up of the rubric mailing lists (queue declared by migration 20261123109100), school by
 * school, each in its own tenant transaction (RLS on):
 * - visitors' subscriptions never confirmed whose last confirmation link has expired (sent more than 7 days
 *   ago, CONFIRM_VALID_MS): the row and its spent-for-nothing token go;
 * - the subscription throttle's counters whose window has ended.
 * Confirmed subscriptions and their unsubscribe tokens stay: old mails' links must keep working.
 */
export const LISTS_CLEANUP_QUEUE = 'mailing-lists-cleanup';

export interface ListsCleanupCount {
  pendingSubscriptions: number;
  throttles: number;
}

/** The current school's share of the clean-up. */
export async function staleListRowsRemover(): Promise<ListsCleanupCount> {
  const before = new Date(now().getTime() - CONFIRM_VALID_MS);
  const pendingSubscriptions = await db()('mailing_subscriptions')
    .where('tenant_id', currentTenant().id)
    .whereNotNull('email')
    .whereNull('confirmed_at')
    .andWhereRaw('coalesce(confirm_sent_at, created_at) < ?', [before])
    .del();
  const throttles = await expiredListThrottlesRemover();
  return { pendingSubscriptions, throttles };
}

/** Every school's clean-up, one transaction each (a failing school does not stop the others). */
export async function listsCleanup(): Promise<ListsCleanupCount> {
  const tenants: { id: string; slug: string }[] = await systemDb()('tenants').select('id', 'slug');
  const total: ListsCleanupCount = { pendingSubscriptions: 0, throttles: 0 };
  let failed: unknown;
  for (const t of tenants) {
    try {
      const n = await tenantTx(t, () => staleListRowsRemover());
      total.pendingSubscriptions += n.pendingSubscriptions;
      total.throttles += n.throttles;
    } catch (err) {
      log.error({ err, tenant: t.slug }, 'mailing: lists clean-up failed for a school');
      failed = err;
    }
  }
  if (total.pendingSubscriptions || total.throttles) log.info(total, 'mailing: stale list rows deleted');
  // The job fails (and is retried) when a school failed; the others' work is kept.
  if (failed) throw failed;
  return total;
}

defineJob(LISTS_CLEANUP_QUEUE, async () => {
  await listsCleanup();
}, { cron: '43 3 * * *' });
