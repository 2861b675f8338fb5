import { Model, type ModelClass, type QueryBuilderType } from 'objection';
import { currentTenant, db } from './index.js';

/** Objection's base for every model: thin (table, keys, relations); multi-model work lives in services. */
export class BaseModel extends Model {}

/**
 * A model of a tenant-owned table. `scoped()` queries through the current tenant transaction and filters on
 * its school in code, so isolation holds twice: here and in the table's row-level security policy.
 */
export class TenantModel extends BaseModel {
  tenant_id!: string;

  static get idColumn(): string | string[] {
    return ['tenant_id', 'id'];
  }

  static scoped<M extends TenantModel>(this: (new () => M) & typeof TenantModel): QueryBuilderType<M> {
    return (this as unknown as ModelClass<M>).query(db()).where(`${this.tableName}.tenant_id`, currentTenant().id);
  }
}
