import net from 'node:net';
import type { ThrottleKey } from '../../auth/throttle.js';
import { currentTenant, db } from '../../db/index.js';
import { now } from '../../lib/clock.js';
import { sha256 } from './lists.js';

/**
 * Throttle of visitors' subscription requests to a public rubric's list (each may make the server send a
 * confirmation mail to any address). Counted per school, in fixed windows, in the sign-in throttle's table
 * (`login_throttles`, app/auth/throttle.ts) under keys of their own (`list-confirm:…`), every request with a
 * valid address counting, whether or not it sends a mail (so the answer tells nothing about who is subscribed):
 * - per target address: 5 requests per 24 hours (the address is kept hashed);
 * - per client IP (an IPv6 address by its /64 network): 20 requests per hour.
 * Besides, a pending address gets at most one confirmation mail every 10 minutes (RESEND_AFTER_MS in lists.ts).
 */
export const LIST_CONFIRM_LIMITS = {
  perAddress: { limit: 5, windowMs: 24 * 3600_000 },
  perIp: { limit: 20, windowMs: 3600_000 },
} as const;

export const LIST_THROTTLE_PREFIX = 'list-confirm:';

/** An IPv4 address as is (also when IPv4-mapped); an IPv6 one by its /64 network (one subscriber's whole block). */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!net.isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

export function listThrottleKeys(email: string, ip: string): ThrottleKey[] {
  return [
    // The IP first: a client already over its own limit does not use up the address's allowance.
    { key: `${LIST_THROTTLE_PREFIX}ip:${clientNetwork(ip)}`, ...LIST_CONFIRM_LIMITS.perIp },
    { key: `${LIST_THROTTLE_PREFIX}address:${sha256(email.trim().toLowerCase())}`, ...LIST_CONFIRM_LIMITS.perAddress },
  ];
}

/** "Réessayez dans …" in words: minutes under two hours, hours beyond. */
export function waitInWords(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes < 120) return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  return `${Math.ceil(minutes / 60)} heures`;
}

/** The throttle rows of this school whose window has ended (the nightly clean-up). */
export async function expiredListThrottlesRemover(): Promise<number> {
  const t = now().getTime();
  let removed = 0;
  for (const [kind, { windowMs }] of [['ip', LIST_CONFIRM_LIMITS.perIp], ['address', LIST_CONFIRM_LIMITS.perAddress]] as const) {
    removed += await db()('login_throttles')
      .where('tenant_id', currentTenant().id)
      .andWhere('key', 'like', `${LIST_THROTTLE_PREFIX}${kind}:%`)
      .andWhere('window_started_at', '<=', new Date(t - windowMs))
      .del();
  }
  return removed;
}
