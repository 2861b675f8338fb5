import { db, currentTenant } from '../db/index.js';
import { now } from '../lib/clock.js';

/** Sign-in throttling (DESIGN.md): 10 failures per login or 30 per IP within 15 minutes, per school. */
export const THROTTLE = { windowMs: 15 * 60_000, perLogin: 10, perIp: 30 };

export function throttleKeys(login: string, ip: string): { key: string; limit: number }[] {
  return [
    { key: `login:${login.trim().toLowerCase()}`, limit: THROTTLE.perLogin },
    { key: `ip:${ip}`, limit: THROTTLE.perIp },
  ];
}

/** Seconds to wait before the next try, or 0 when sign-in may be attempted. */
export async function throttleRetryAfter(keys: { key: string; limit: number }[]): Promise<number> {
  const rows = await db()('login_throttles')
    .where('tenant_id', currentTenant().id)
    .whereIn('key', keys.map((k) => k.key))
    .select('key', 'failures', 'window_started_at');
  const t = now().getTime();
  let wait = 0;
  for (const r of rows) {
    const limit = keys.find((k) => k.key === r.key)!.limit;
    const end = new Date(r.window_started_at).getTime() + THROTTLE.windowMs;
    if (end > t && r.failures >= limit) wait = Math.max(wait, Math.ceil((end - t) / 1000));
  }
  return wait;
}

/** Counts one failure under each key, starting a new window where the old one has ended. */
export async function throttleFailureRecorder(keys: { key: string }[]): Promise<void> {
  const t = now();
  const windowStart = new Date(t.getTime() - THROTTLE.windowMs);
  for (const { key } of keys) {
    await db().raw(
      `insert into login_throttles (tenant_id, key, failures, window_started_at) values (?, ?, 1, ?)
       on conflict (tenant_id, key) do update set
         failures = case when login_throttles.window_started_at <= ? then 1 else login_throttles.failures + 1 end,
         window_started_at = case when login_throttles.window_started_at <= ? then excluded.window_started_at else login_throttles.window_started_at end`,
      [currentTenant().id, key, t, windowStart, windowStart],
    );
  }
}

/** A successful sign-in clears the login's counter (the IP's stays). */
export async function throttleLoginReset(login: string): Promise<void> {
  await db()('login_throttles').where({ tenant_id: currentTenant().id, key: `login:${login.trim().toLowerCase()}` }).del();
}
