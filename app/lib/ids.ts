import crypto from 'node:crypto';

/** Ids are UUIDs made by the application (PostgreSQL 15 has no uuidv7()). */
export function newId(): string {
  return crypto.randomUUID();
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID_RE.test(v);
}
