import crypto from 'node:crypto';
import knexLib from 'knex';
import { describe, expect, it } from 'vitest';
import { config, parseConfig } from '../../app/config.js';
import { openDatabase, type Database } from '../../app/db/knex.js';
import { migrateLatest, rollbackAll } from '../../app/db/migrate.js';

/** An empty database of its own: a new one on the PostgreSQL server, or a new in-memory PGlite. */
async function emptyDatabase(): Promise<{ db: Database; cfg: ReturnType<typeof parseConfig>; drop: () => Promise<void> }> {
  const base = config().databaseUrl;
  if (!base) {
    const cfg = config();
    const db = await openDatabase(cfg, { pgliteDir: 'memory://' });
    return { db, cfg, drop: () => db.close() };
  }
  const name = `preau_migr_${crypto.randomBytes(4).toString('hex')}`;
  const admin = knexLib({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const cfg = parseConfig({ DATABASE_URL: url.toString(), DATA_DIR: config().dataDir, LOG_LEVEL: 'silent' });
  const db = await openDatabase(cfg);
  return {
    db,
    cfg,
    drop: async () => {
      await db.close();
      await admin.raw(`drop database ${name} with (force)`);
      await admin.destroy();
    },
  };
}

const tablesOf = async (db: Database) =>
  (await db.knex.raw(`select tablename from pg_tables where schemaname = 'public' and tablename not like 'knex_%' order by 1`)).rows.map(
    (r: { tablename: string }) => r.tablename,
  );

describe('migrations', () => {
  it('go up to the latest, all the way down, and up again on an empty database; roles survive', async () => {
    const { db, cfg, drop } = await emptyDatabase();
    try {
      const first = await migrateLatest(db, cfg);
      expect(first.length).toBeGreaterThanOrEqual(9);
      const tables = await tablesOf(db);
      expect(tables).toEqual(expect.arrayContaining(['tenants', 'accounts', 'services', 'memberships', 'sessions', 'access_rules', 'audit_events']));
      expect(await migrateLatest(db, cfg)).toEqual([]); // safe to re-run

      await rollbackAll(db, cfg);
      expect(await tablesOf(db)).toEqual([]);
      const roles = await db.knex.raw(`select rolname from pg_roles where rolname in ('preau_owner','preau_app') order by 1`);
      expect(roles.rows.map((r: { rolname: string }) => r.rolname)).toEqual(['preau_app', 'preau_owner']);

      const again = await migrateLatest(db, cfg);
      expect(again).toEqual(first);
      expect(await tablesOf(db)).toEqual(tables);
    } finally {
      await drop();
    }
  }, 120_000); // every migration three ways, while the other test files load the same server
});
