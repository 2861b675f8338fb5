import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import knexLib, { type Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../config.js';
import { isUuid } from '../lib/ids.js';

// bigint counts come back as strings from pg; counts here stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

const require = createRequire(import.meta.url);
// knex's own PostgreSQL client and transaction, extended below (knex documents custom clients as subclasses).
const Client_PG = require('knex/lib/dialects/postgres/index.js') as typeof Knex.Client;
const Transaction_PG = require('knex/lib/dialects/postgres/execution/pg-transaction.js') as new (...args: any[]) => {
  query(conn: unknown, sql: string): Promise<unknown>;
  begin(conn: unknown): Promise<unknown>;
};

/**
 * A school's transaction opens with its school already set: `BEGIN; SELECT set_config(…)` goes as one simple
 * query, one round trip instead of two on every request that reads or writes a school's rows. The tenant id
 * comes from the transaction config's `tenantId` (db/index.ts tenantTx) and is written into the SQL only as a
 * checked UUID. BEGIN runs once a connection is acquired, after the constructor has kept the id.
 */
class TenantTransaction extends Transaction_PG {
  private readonly tenantId: string | undefined;

  constructor(client: unknown, container: unknown, config?: { tenantId?: string }, outerTx?: unknown) {
    super(client, container, config, outerTx);
    this.tenantId = config?.tenantId;
  }

  begin(conn: unknown) {
    if (this.tenantId === undefined) return super.begin(conn);
    // Refused rather than opened without a school: whatever passed this id has a bug.
    if (!isUuid(this.tenantId)) return Promise.reject(new Error('tenant id must be a UUID'));
    return this.query(conn, `BEGIN; SELECT set_config('app.tenant_id', '${this.tenantId}', true);`);
  }
}

class PreauPgClient extends Client_PG {
  transaction(container: unknown, config?: { tenantId?: string }, outerTx?: unknown) {
    return new TenantTransaction(this, container, config, outerTx) as any;
  }
}

export interface Database {
  knex: Knex;
  embedded: boolean;
  close(): Promise<void>;
}

/** The application role every connection runs as: it owns nothing and cannot bypass row-level security. */
export const APP_ROLE = 'preau_app';
export const OWNER_ROLE = 'preau_owner';

type Done = (err: Error | null, conn: pg.Client) => void;

// Every pooled PostgreSQL connection acts as the application role; a connection that cannot is refused.
function appRoleOnConnect(conn: pg.Client, done: Done) {
  conn.query(`SET ROLE ${APP_ROLE}`, (err) => done(err ?? null, conn));
}

// On a brand-new embedded database the role does not exist yet: migrateLatest creates it and switches to it.
function appRoleIfPresent(conn: pg.Client, done: Done) {
  conn.query(
    `DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN SET ROLE ${APP_ROLE}; END IF; END $$`,
    (err) => done(err ?? null, conn),
  );
}

/**
 * Opens the database: PostgreSQL through `pg` when DATABASE_URL is set, otherwise the embedded PGlite under
 * DATA_DIR (through knex's own pg client and PGlite's shim, one connection). `dataDirOverride: 'memory://'`
 * gives tests an in-memory database.
 */
export async function openDatabase(
  cfg: Pick<Config, 'databaseUrl' | 'dataDir' | 'databasePoolMax'>,
  opts: { pgliteDir?: string; poolMax?: number; asSessionUser?: boolean } = {},
): Promise<Database> {
  if (cfg.databaseUrl) {
    const knex = knexLib({
      client: PreauPgClient,
      connection: cfg.databaseUrl,
      pool: {
        min: 0,
        max: opts.poolMax ?? cfg.databasePoolMax,
        ...(opts.asSessionUser ? {} : { afterCreate: appRoleOnConnect }),
      },
      acquireConnectionTimeout: 10_000,
    });
    return { knex, embedded: false, close: () => knex.destroy() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  const { unaccent } = await import('@electric-sql/pglite/contrib/unaccent');
  let dir = opts.pgliteDir ?? path.join(cfg.dataDir, 'pgdata');
  if (!dir.startsWith('memory://')) fs.mkdirSync(dir, { recursive: true });
  // PostgreSQL's default 128 MB of shared buffers would live inside this process's memory; a school's demo
  // fits in far less.
  const pglite = await PGlite.create(dir, { extensions: { unaccent }, postgresqlconf: ['shared_buffers=32MB'] });
  const pgConfig = createPgConfig(pglite);
  const knex = knexLib({
    client: PreauPgClient,
    connection: () => pgConfig as unknown as Knex.PgConnectionConfig,
    // PGlite is one connection: every request, job, session and rate limit shares it.
    pool: { min: 1, max: 1, afterCreate: appRoleIfPresent },
    acquireConnectionTimeout: 30_000,
  });
  return {
    knex,
    embedded: true,
    close: async () => {
      await knex.destroy();
      await pglite.close();
    },
  };
}
