import { TenantModel } from '../db/model.js';

/** One line of a school's rights matrix: a target (who) gets a role on a service. */
export class AccessRule extends TenantModel {
  static tableName = 'access_rules';

  id!: string;
  service_key!: string;
  target_type!: 'school' | 'profile' | 'function' | 'class' | 'group' | 'subject';
  target_value!: string;
  role!: string;
  created_at!: Date;
}
