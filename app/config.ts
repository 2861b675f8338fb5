import path from 'node:path';
import { z } from 'zod';

/** Environment → typed configuration. Nothing else in the code reads process.env. */
const bool = z
  .enum(['true', 'false', '1', '0', 'on', 'off', 'yes', 'no', ''])
  .transform((v) => ['true', '1', 'on', 'yes'].includes(v));

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'doit commencer par postgres:// ou postgresql://')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  SEARCH_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(2),
  SMTP_URL: z.string().url().optional().or(z.literal('').transform(() => undefined)),
  FEEDS_ALLOW_PRIVATE: bool.default(false),
  PUBLIC_BASE_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/, 'nom de domaine attendu (ex. localhost ou ent.example.fr)')
    .default('localhost'),
  PUBLIC_URL_HTTPS: bool.default(false),
  TRUST_PROXY: bool.default(false),
  DEMO: z.enum(['on', 'off', 'auto']).default('auto'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_MINUTES_STAFF: z.coerce.number().int().min(5).max(24 * 60).default(120),
  SESSION_ABSOLUTE_HOURS_STAFF: z.coerce.number().int().min(1).max(24 * 30).default(12),
  SESSION_IDLE_MINUTES_ADMIN: z.coerce.number().int().min(5).max(24 * 60).default(30),
  SESSION_ABSOLUTE_HOURS_ADMIN: z.coerce.number().int().min(1).max(24 * 30).default(8),
  SESSION_IDLE_MINUTES_FAMILY: z.coerce.number().int().min(5).max(24 * 60).default(120),
  SESSION_ABSOLUTE_HOURS_FAMILY: z.coerce.number().int().min(1).max(24 * 30).default(7 * 24),
});

export type Config = ReturnType<typeof parseConfig>;

export class ConfigError extends Error {}

/** Parses an environment; throws ConfigError with one readable line per bad variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env) {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Configuration invalide — ${lines.join(' ; ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    // Public searches running at once in a process (the others wait their turn): app/modules/publication/search-gate.ts.
    searchConcurrency: e.SEARCH_CONCURRENCY,
    embedded: !e.DATABASE_URL,
    smtpUrl: e.SMTP_URL,
    // External feed tiles may read private addresses (an intranet feed): off unless the deployment says so.
    feedsAllowPrivate: e.FEEDS_ALLOW_PRIVATE,
    publicBaseDomain: e.PUBLIC_BASE_DOMAIN,
    https: e.PUBLIC_URL_HTTPS,
    trustProxy: e.TRUST_PROXY,
    // The demo (with its well-known passwords) is seeded by default only on the embedded database.
    demo: e.DEMO === 'auto' ? !e.DATABASE_URL : e.DEMO === 'on',
    logLevel: e.LOG_LEVEL,
    sessions: {
      staff: { idleMinutes: e.SESSION_IDLE_MINUTES_STAFF, absoluteHours: e.SESSION_ABSOLUTE_HOURS_STAFF },
      admin: { idleMinutes: e.SESSION_IDLE_MINUTES_ADMIN, absoluteHours: e.SESSION_ABSOLUTE_HOURS_ADMIN },
      family: { idleMinutes: e.SESSION_IDLE_MINUTES_FAMILY, absoluteHours: e.SESSION_ABSOLUTE_HOURS_FAMILY },
    },
  };
}

let current: Config | undefined;

/** The process configuration, parsed once. */
export function config(): Config {
  if (!current) current = parseConfig();
  return current;
}

/** Tests and the CLI may replace the configuration before anything reads it. */
export function setConfig(next: Config): void {
  current = next;
}
