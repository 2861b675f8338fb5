import crypto from 'node:crypto';
import pino from 'pino';

/**
 * The process logger. Request lines carry the request id and the school; never a password, a code, a
 * token or a message body: the redact list is a second net behind never logging them at all.
 */
export function createLogger(level: string, destination?: pino.DestinationStream) {
  return pino(
    {
      level,
      base: undefined,
      redact: { paths: ['password', '*.password', 'token', '*.token', 'cookie', '*.cookie', 'headers.cookie', 'otp', '*.otp'], censor: '[masqué]' },
    },
    destination,
  );
}

export let log = createLogger(process.env.LOG_LEVEL ?? 'info');

export function setLogger(l: pino.Logger): void {
  log = l;
}

/** A proxy's request id is kept when it looks like one, so logs of both can be joined; otherwise a new one. */
export function requestIdFrom(given: string | undefined): string {
  return given && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : crypto.randomUUID();
}

/** The one line logged per request (by the Koa stack, or by the page cache for the pages it answers). */
export function logRequest(line: { req: string; tenant?: string; method?: string; path: string; status: number; startedAt: bigint }): void {
  const level = line.status >= 500 ? 'error' : 'info';
  if (!log.isLevelEnabled(level)) return;
  const ms = Number(process.hrtime.bigint() - line.startedAt) / 1e6;
  log[level]({ req: line.req, tenant: line.tenant, method: line.method, path: line.path, status: line.status, ms: Math.round(ms * 10) / 10 }, 'request');
}
