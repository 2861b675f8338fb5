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
