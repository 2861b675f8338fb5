import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { openDatabase, type Database } from './knex.js';

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

/**
 * Creates the roles if absent (never dropped by a rollback) and lets the connecting user act as them.
 * preau_backup needs a superuser (BYPASSRLS): created here on the embedded database, by .ci/run or the
 * operator on PostgreSQL.
 */
export async function ensureRoles(knex: Knex): Promise<void> {
  await knex.raw('reset role');
  const [{ rolsuper }] = (await knex.raw(`select rolsuper from pg_roles where rolname = current_user`)).rows;
  await knex.raw(`do $$ begin
    if not exists (select 1 from pg_roles where rolname = 'preau_owner') then create role preau_owner nologin; end if;
    if not exists (select 1 from pg_roles where rolname = 'preau_app') then create role preau_app nologin nobypassrls; end if;
  end $$`);
  if (rolsuper) {
    await knex.raw(`do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'preau_backup') then create role preau_backup nologin bypassrls; end if;
    end $$`);
  }
  const members = (
    await knex.raw(
      `select r.rolname from pg_auth_members m join pg_roles r on r.oid = m.roleid
       where m.member = (select oid from pg_roles where rolname = current_user)`,
    )
  ).rows.map((r: { rolname: string }) => r.rolname);
  for (const role of ['preau_owner', 'preau_app']) {
    if (!rolsuper && !members.includes(role)) await knex.raw(`grant ${role} to current_user`);
  }
  await knex.raw(`grant usage, create on schema public to preau_owner`);
  // Trusted extensions (unaccent) need CREATE on the database.
  await knex.raw(`do $$ begin execute format('grant create on database %I to preau_owner', current_database()); end $$`);
  await knex.raw(`grant usage on schema public to preau_app`);
  await knex.raw(`do $$ begin
    if exists (select 1 from pg_roles where rolname = 'preau_backup') then grant usage on schema public to preau_backup; end if;
  end $$`);
}

/**
 * The migrations folder next to this module, imported by our own code rather than knex's loader: the
 * TypeScript files under tsx and vitest, their JavaScript build under dist/ (npm start). A migration is
 * recorded under its source name (`….ts`) either way, so a database migrated by one is current for the other.
 */
const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return fs.readdirSync(MIGRATIONS_DIR).filter((f) => /^\d+_[a-z0-9_]+\.(ts|js)$/.test(f)).sort();
  },
  getMigrationName: (name) => name.replace(/\.js$/, '.ts'),
  getMigration: (name) => import(pathToFileURL(path.join(MIGRATIONS_DIR, name)).href),
};

export function migrationConfig(): Knex.MigratorConfig {
  return { migrationSource, tableName: 'knex_migrations' };
}

/**
 * Runs fn on a connection whose session role is preau_owner, so every table a migration creates is owned
 * by it. PostgreSQL gets a dedicated one-connection pool; PGlite has one connection, switched and restored.
 */
export async function asOwner<T>(database: Database, cfg: Config, fn: (knex: Knex) => Promise<T>): Promise<T> {
  if (database.embedded) {
    await ensureRoles(database.knex);
    await database.knex.raw('set role preau_owner');
    try {
      return await fn(database.knex);
    } finally {
      await database.knex.raw('set role preau_app');
    }
  }
  const owner = await openDatabase(cfg, { poolMax: 1, asSessionUser: true });
  try {
    await ensureRoles(owner.knex);
    await owner.knex.raw('set role preau_owner');
    return await fn(owner.knex);
  } finally {
    await owner.close();
  }
}

/** Migrates to the latest schema; returns the names of the migrations it ran. */
export async function migrateLatest(database: Database, cfg: Config): Promise<string[]> {
  return asOwner(database, cfg, async (knex) => {
    const [, ran] = await knex.migrate.latest(migrationConfig());
    return ran as string[];
  });
}

/** Rolls every migration back (tests only: the roles stay). */
export async function rollbackAll(database: Database, cfg: Config): Promise<void> {
  await asOwner(database, cfg, (knex) => knex.migrate.rollback(migrationConfig(), true));
}
