import { systemDb, tenantTx } from '../db/index.js';
import { defineJob } from '../jobs/queue.js';
import { log } from '../lib/log.js';
import { endedSignInThrottlesRemover } from './throttle.js';

/** The nightly clean-up of ended sign-in counters (queue declared by migration 20261123112000). */
export const SIGN_IN_THROTTLES_CLEANUP_QUEUE = 'sign-in-throttles-cleanup';

/** Every school's ended sign-in counters, one transaction each (a failing school does not stop the others). */
export async function signInThrottlesCleanup(): Promise<number> {
  const tenants: { id: string; slug: string }[] = await systemDb()('tenants').select('id', 'slug');
  let removed = 0;
  let failed: unknown;
  for (const t of tenants) {
    try {
      removed += await tenantTx(t, () => endedSignInThrottlesRemover());
    } catch (err) {
      log.error({ err, tenant: t.slug }, 'auth: sign-in throttles clean-up failed for a school');
      failed = err;
    }
  }
  if (removed) log.info({ removed }, 'auth: ended sign-in throttle counters deleted');
  // The job fails (and is retried) when a school failed; the others' work is kept.
  if (failed) throw failed;
  return removed;
}

defineJob(SIGN_IN_THROTTLES_CLEANUP_QUEUE, async () => {
  await signInThrottlesCleanup();
}, { cron: '51 3 * * *' });
