import { AsyncLocalStorage } from 'node:async_hooks';
import type { Knex } from 'knex';
import { Model } from 'objection';
import type { Database } from './knex.js';
import { isUuid } from '../lib/ids.js';

/** What a tenant transaction knows about its school. */
export interface TenantRef {
  id: string;
  slug: string;
}

interface Scope {
  trx: Knex.Transaction;
  tenant: TenantRef;
}

let database: Database | undefined;
const scope = new AsyncLocalStorage<Scope>();

/** Installs the process database (once at start, or once per test worker). */
export function useDatabase(db: Database): void {
  database = db;
  Model.knex(db.knex);
}

export function currentDatabase(): Database {
  if (!database) throw new Error('database not opened: call useDatabase() first');
  return database;
}

/**
 * The knex outside any tenant: global tables only (tenants, accounts, services catalogue). Row-level
 * security hides every tenant row from it, since app.tenant_id is unset there.
 */
export function systemDb(): Knex {
  return currentDatabase().knex;
}

/**
 * Runs fn inside a transaction bound to one school: app.tenant_id is set with set_config(…, true), so it
 * lives exactly as long as the transaction and a pooled connection never carries it to the next request.
 */
export async function tenantTx<T>(tenant: TenantRef, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if (!isUuid(tenant.id)) throw new Error('tenant id must be a UUID');
  const outer = scope.getStore();
  if (outer) {
    if (outer.tenant.id !== tenant.id) throw new Error('nested tenant transaction for another school');
    return fn(outer.trx);
  }
  // The transaction's BEGIN sets app.tenant_id in the same round trip (TenantTransaction, db/knex.ts).
  return currentDatabase().knex.transaction((trx) => scope.run({ trx, tenant }, () => fn(trx)), {
    tenantId: tenant.id,
  } as Knex.TransactionConfig);
}

/** Whether the code runs inside a tenant transaction. */
export function inTenantScope(): boolean {
  return scope.getStore() !== undefined;
}

/** Like tenantTx, but as the owner role: for tenant sync, seed and maintenance, never for requests. */
export async function ownerTenantTx<T>(tenant: TenantRef, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return currentDatabase().knex.transaction(async (trx) => {
    await trx.raw('set local role preau_owner');
    await trx.raw(`select set_config('app.tenant_id', ?, true)`, [tenant.id]);
    return scope.run({ trx, tenant }, () => fn(trx));
  });
}

/** A transaction as the owner role with no tenant: writes to global tables (tenants sync, accounts seed). */
export async function ownerTx<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return currentDatabase().knex.transaction(async (trx) => {
    await trx.raw('set local role preau_owner');
    return fn(trx);
  });
}

/** The current tenant transaction. Throws outside one, so no tenant query can run unscoped by accident. */
export function db(): Knex.Transaction {
  const s = scope.getStore();
  if (!s) throw new Error('db() called outside a tenant transaction');
  return s.trx;
}

/** The school of the current tenant transaction. */
export function currentTenant(): TenantRef {
  const s = scope.getStore();
  if (!s) throw new Error('currentTenant() called outside a tenant transaction');
  return s.tenant;
}
