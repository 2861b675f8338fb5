import { db, currentTenant } from '../db/index.js';
import { now } from '../lib/clock.js';

/** Sign-in throttling (DESIGN.md): 10 failures per login or 30 per IP within 15 minutes, per school. */
export const THROTTLE = { windowMs: 15 * 60_000, perLogin: 10, perIp: 30 };

export function throttleKeys(login: string, ip: string): ThrottleKey[] {
  return [
    { key: `login:${login.trim().toLowerCase()}`, limit: THROTTLE.perLogin },
    { key: `ip:${ip}`, limit: THROTTLE.perIp },
  ];
}

/**
 * A counter of the login_throttles table: counts under `key`, in fixed windows of `windowMs` (sign-in's 15
 * minutes unless given), at most `limit` in a window. Sign-in counts failures; other throttles of a school (the
 * mailing lists' subscription requests) count requests under keys of their own prefix.
 */
export interface ThrottleKey {
  key: string;
  limit: number;
  windowMs?: number;
}

const windowOf = (k: { windowMs?: number }) => k.windowMs ?? THROTTLE.windowMs;

/** Seconds to wait before the next try, or 0 when sign-in may be attempted. */
export async function throttleRetryAfter(keys: ThrottleKey[]): Promise<number> {
  const rows = await db()('login_throttles')
    .where('tenant_id', currentTenant().id)
    .whereIn('key', keys.map((k) => k.key))
    .select('key', 'failures', 'window_started_at');
  const t = now().getTime();
  let wait = 0;
  for (const r of rows) {
    const k = keys.find((x) => x.key === r.key)!;
    const end = new Date(r.window_started_at).getTime() + windowOf(k);
    if (end > t && r.failures >= k.limit) wait = Math.max(wait, Math.ceil((end - t) / 1000));
  }
  return wait;
}

/**
 * Counts one under `key`, starting a new window where the old one has ended; with `limit`, only while the
 * window's count is under it (one statement, so concurrent requests cannot overshoot). Whether it counted.
 */
async function countOne(key: string, windowMs: number, limit?: number): Promise<boolean> {
  const t = now();
  const windowStart = new Date(t.getTime() - windowMs);
  const { rows } = await db().raw(
    `insert into login_throttles (tenant_id, key, failures, window_started_at) values (?, ?, 1, ?)
     on conflict (tenant_id, key) do update set
       failures = case when login_throttles.window_started_at <= ? then 1 else login_throttles.failures + 1 end,
       window_started_at = case when login_throttles.window_started_at <= ? then excluded.window_started_at else login_throttles.window_started_at end
     ${limit === undefined ? '' : 'where login_throttles.window_started_at <= ? or login_throttles.failures < ?'}
     returning failures`,
    [currentTenant().id, key, t, windowStart, windowStart, ...(limit === undefined ? [] : [windowStart, limit])],
  );
  return rows.length > 0;
}

/** Counts one failure under each key, starting a new window where the old one has ended. */
export async function throttleFailureRecorder(keys: { key: string; windowMs?: number }[]): Promise<void> {
  for (const k of keys) await countOne(k.key, windowOf(k));
}

/**
 * Counts one request under each key, in order, unless that key is at its limit in its current window: then
 * nothing more is counted and the answer is the seconds to wait (Retry-After). 0: the request may go on.
 */
export async function throttleRequestCounter(keys: ThrottleKey[]): Promise<number> {
  for (const k of keys) {
    if (!(await countOne(k.key, windowOf(k), k.limit))) return throttleRetryAfter([k]);
  }
  return 0;
}

/** A successful sign-in clears the login's counter (the IP's stays). */
export async function throttleLoginReset(login: string): Promise<void> {
  await db()('login_throttles').where({ tenant_id: currentTenant().id, key: `login:${login.trim().toLowerCase()}` }).del();
}

/**
 * This school's sign-in counters (`login:`, `ip:`) whose window has ended. A successful sign-in clears its
 * login's counter, but failures for unknown logins and every IP's counter would otherwise stay for good; the
 * nightly clean-up (throttle-cleanup.ts) deletes them. Other throttles of the table clean their own keys.
 */
export async function endedSignInThrottlesRemover(): Promise<number> {
  return db()('login_throttles')
    .where('tenant_id', currentTenant().id)
    .andWhere((q) => q.where('key', 'like', 'login:%').orWhere('key', 'like', 'ip:%'))
    .andWhere('window_started_at', '<=', new Date(now().getTime() - THROTTLE.windowMs))
    .del();
}
