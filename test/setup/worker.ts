import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { parseConfig, setConfig } from '../../app/config.js';
import { openDatabase, type Database } from '../../app/db/knex.js';
import { migrateLatest } from '../../app/db/migrate.js';
import { useDatabase } from '../../app/db/index.js';
import { syncServiceCatalogue } from '../../app/rights/catalogue.js';
import { createLogger, setLogger } from '../../app/lib/log.js';

let database: Database | undefined;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'preau-test-'));
const databaseUrl = inject('databaseUrl') || undefined;
const cfg = parseConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: '4', LOG_LEVEL: 'silent' });
setConfig(cfg);
setLogger(createLogger('silent'));

/** Unit tests that need no database may set `globalThis.__noDatabase = true` in a module-level statement. */
beforeAll(async () => {
  if ((globalThis as any).__noDatabase) return;
  database = await openDatabase(cfg, { pgliteDir: 'memory://' });
  useDatabase(database);
  // PostgreSQL was migrated once in global setup; each embedded database is new.
  if (database.embedded) await migrateLatest(database, cfg);
  await syncServiceCatalogue();
});

afterAll(async () => {
  await database?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});
