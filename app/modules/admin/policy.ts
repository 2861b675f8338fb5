import type { Member } from '../../auth/member.js';
import { authorize } from '../../rights/policy.js';

/** Administration of a school: the `admin` service as manager (admins and the head, by default). */
export function authorizeAdministration(member: Member): void {
  authorize(member.rights, 'admin', ['manager']);
}
