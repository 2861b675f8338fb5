import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase, encodeBase64urlNoPadding } from '@oslojs/encoding';
import crypto from 'node:crypto';
import { db, currentTenant } from '../db/index.js';
import { config } from '../config.js';
import { now } from '../lib/clock.js';

/**
 * Sessions the Lucia way: the cookie holds a 160-bit random token; the database keeps only its SHA-256,
 * so a leaked table opens no session. Idle expiry slides; the absolute expiry does not.
 */
export function generateSessionToken(): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));
}

export function sessionIdOf(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

export function randomToken(bytes = 32): string {
  return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** Timeouts per profile: administrators shortest, families longest (documented in the README). */
export function timeoutsFor(profile: string): { idleMs: number; absoluteMs: number } {
  const s = config().sessions;
  const p = profile === 'admin' ? s.admin : profile === 'student' || profile === 'guardian' ? s.family : s.staff;
  return { idleMs: p.idleMinutes * 60_000, absoluteMs: p.absoluteHours * 3_600_000 };
}

export interface SessionRow {
  tenant_id: string;
  id: string;
  account_id: string;
  membership_id: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
}

/** Opens a session for a member of the current school; returns the token to put in the cookie. */
export async function sessionCreator(input: { accountId: string; membershipId: string; profile: string }) {
  const token = generateSessionToken();
  const t = now();
  const { idleMs, absoluteMs } = timeoutsFor(input.profile);
  const row: SessionRow = {
    tenant_id: currentTenant().id,
    id: sessionIdOf(token),
    account_id: input.accountId,
    membership_id: input.membershipId,
    csrf_token: randomToken(),
    created_at: t,
    last_seen_at: t,
    idle_expires_at: new Date(Math.min(t.getTime() + idleMs, t.getTime() + absoluteMs)),
    absolute_expires_at: new Date(t.getTime() + absoluteMs),
  };
  await db()('sessions').insert(row);
  return { token, session: row };
}

/** A session's idle expiry is pushed back at most once a minute, so reading pages rarely writes. */
export const TOUCH_EVERY_MS = 60_000;

export async function sessionInvalidator(sessionId: string): Promise<void> {
  await db()('sessions').where({ tenant_id: currentTenant().id, id: sessionId }).del();
}

/** Ends every session of a member in this school except one (or all when keep is null); returns how many. */
export async function memberSessionsInvalidator(membershipId: string, keep: string | null): Promise<number> {
  const q = db()('sessions').where({ tenant_id: currentTenant().id, membership_id: membershipId });
  if (keep) q.whereNot('id', keep);
  return q.del();
}
