import crypto from 'node:crypto';
import knexLib from 'knex';
import type { TestProject } from 'vitest/node';
import { parseConfig } from '../../app/config.js';
import { openDatabase } from '../../app/db/knex.js';
import { migrateLatest } from '../../app/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * With DATABASE_URL: one fresh database per run, migrated once; test files share it and stay apart by
 * building their own schools. Without it each test file opens its own in-memory PGlite (test/setup/worker.ts).
 */
export default async function setup(project: TestProject) {
  const base = process.env.DATABASE_URL;
  if (!base) {
    project.provide('databaseUrl', '');
    return;
  }
  const name = `preau_test_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = knexLib({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
  await admin.raw(`create database ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const cfg = parseConfig({ DATABASE_URL: url.toString(), DATA_DIR: '/tmp/preau-test' });
  const db = await openDatabase(cfg);
  await migrateLatest(db, cfg);
  await db.close();
  project.provide('databaseUrl', url.toString());
  return async () => {
    await admin.raw(`drop database if exists ${name} with (force)`);
    await admin.destroy();
  };
}
