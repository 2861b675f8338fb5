import { config, type Config } from './config.js';
import { openDatabase, type Database } from './db/knex.js';
import { migrateLatest } from './db/migrate.js';
import { ownerTenantTx, useDatabase } from './db/index.js';
import { syncServiceCatalogue } from './rights/catalogue.js';
import { defaultRulesInstaller } from './rights/rules.js';
import { loadTenants } from './tenancy/registry.js';
import { syncTenants } from './tenancy/sync.js';
import { isInstitution, type Tenant } from './tenancy/tenant.js';

/** Opens the configured database and installs it for the process. */
export async function openAndUse(cfg: Config = config()): Promise<Database> {
  const database = await openDatabase(cfg);
  useDatabase(database);
  return database;
}

/** Gives every school that has no rule yet the default rights matrix. */
export async function installDefaultRules(tenants: Tenant[]): Promise<void> {
  for (const t of tenants) {
    await ownerTenantTx(t, (trx) => defaultRulesInstaller(trx, t.id, isInstitution(t)));
  }
}

/** Migrations, catalogue and tenants/ sync: what `npm start` does before serving. */
export async function prepare(database: Database, cfg: Config = config()): Promise<Tenant[]> {
  await migrateLatest(database, cfg);
  await syncServiceCatalogue();
  await syncTenants();
  const tenants = await loadTenants(cfg.publicBaseDomain);
  await installDefaultRules(tenants);
  return tenants;
}
