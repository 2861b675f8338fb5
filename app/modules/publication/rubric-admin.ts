import { currentTenant, db } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { Member } from '../../auth/member.js';
import { FUNCTION_NAMES, PROFILE_NAMES } from '../../rights/catalogue.js';
import { slugify } from './articles.js';
import type { RubricRole, RubricRoleRule } from './policy.js';
import type { Rubric } from './rubrics.js';

/** Rubric administration services: create, rename, visibility, roles, archive, order among siblings. Audited. */

export class RubricError extends Error {
  constructor(public field: string, message: string) {
    super(message);
  }
}

export const RUBRIC_ROLE_NAMES: Record<RubricRole, string> = { manager: 'gestionnaire', contributor: 'contributeur', reader: 'lecteur' };

function audit(actor: Member, action: string, rubricId: string, details: Record<string, unknown>, ip?: string) {
  return recordAudit({ action, actorAccountId: actor.accountId, actorMembershipId: actor.membershipId, subjectType: 'rubric', subjectId: rubricId, details, ip });
}

/** A slug free in the school: the name's, then -2, -3… */
async function freeSlug(name: string): Promise<string> {
  const base = slugify(name, 'rubrique').slice(0, 60).replace(/-+$/, '') || 'rubrique';
  const taken = new Set(
    (await db()('rubrics').where('tenant_id', currentTenant().id).andWhere((q) => q.where('slug', base).orWhere('slug', 'like', `${base}-%`)).select('slug')).map(
      (r: { slug: string }) => r.slug,
    ),
  );
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export async function rubricCreator(input: { actor: Member; name: string; parent: Rubric | null; visibility: 'public' | 'private'; ip?: string }): Promise<{ id: string; slug: string }> {
  const tenant_id = currentTenant().id;
  const slug = await freeSlug(input.name);
  const siblings = db()('rubrics').where({ tenant_id });
  if (input.parent) siblings.where('parent_id', input.parent.id);
  else siblings.whereNull('parent_id');
  const max = await siblings.max({ p: 'position' }).first();
  const id = newId();
  const at = now();
  await db()('rubrics').insert({
    tenant_id,
    id,
    parent_id: input.parent?.id ?? null,
    slug,
    name: input.name,
    position: (max?.p ?? -1) + 1,
    visibility: input.visibility,
    created_at: at,
    updated_at: at,
  });
  await audit(input.actor, 'publication.rubric_created', id, { name: input.name, slug, parent_id: input.parent?.id ?? null, visibility: input.visibility }, input.ip);
  return { id, slug };
}

/** Renames a rubric and sets its visibility; the slug stays, so links and feeds keep working. */
export async function rubricUpdater(input: { actor: Member; rubric: Rubric; name: string; visibility: 'public' | 'private'; ip?: string }) {
  await db()('rubrics').where({ tenant_id: currentTenant().id, id: input.rubric.id }).update({ name: input.name, visibility: input.visibility, updated_at: now() });
  await audit(
    input.actor,
    'publication.rubric_updated',
    input.rubric.id,
    { from: { name: input.rubric.name, visibility: input.rubric.visibility }, to: { name: input.name, visibility: input.visibility } },
    input.ip,
  );
}

export async function rubricArchiver(input: { actor: Member; rubric: Rubric; archived: boolean; ip?: string }) {
  await db()('rubrics').where({ tenant_id: currentTenant().id, id: input.rubric.id }).update({ archived_at: input.archived ? now() : null, updated_at: now() });
  await audit(input.actor, input.archived ? 'publication.rubric_archived' : 'publication.rubric_unarchived', input.rubric.id, {}, input.ip);
}

/** Moves a rubric one place up or down among its siblings; false when it is already at that end. */
export async function rubricMover(input: { actor: Member; rubric: Rubric; direction: 'up' | 'down'; ip?: string }): Promise<boolean> {
  const tenant_id = currentTenant().id;
  const q = db()('rubrics').where({ tenant_id });
  if (input.rubric.parent_id) q.where('parent_id', input.rubric.parent_id);
  else q.whereNull('parent_id');
  const siblings: { id: string }[] = await q.orderBy([{ column: 'position' }, { column: 'name' }]).select('id');
  const i = siblings.findIndex((s) => s.id === input.rubric.id);
  const j = input.direction === 'up' ? i - 1 : i + 1;
  if (i < 0 || j < 0 || j >= siblings.length) return false;
  [siblings[i], siblings[j]] = [siblings[j], siblings[i]];
  // Positions renumbered 0..n-1, so ties left by older data cannot make a move a no-op.
  for (const [position, s] of siblings.entries()) await db()('rubrics').where({ tenant_id, id: s.id }).update({ position });
  await audit(input.actor, 'publication.rubric_moved', input.rubric.id, { direction: input.direction, position: j }, input.ip);
  return true;
}

/** Finds the one member of the school a login or a name designates. */
export async function memberNamed(text: string): Promise<{ id: string; name: string }> {
  const { rows } = await db().raw(
    `select m.id, m.first_name || ' ' || m.last_name as name from memberships m join accounts a on a.id = m.account_id
     where m.tenant_id = ? and m.left_at is null
       and (lower(a.login) = lower(?) or lower(m.first_name || ' ' || m.last_name) = lower(?) or lower(m.last_name || ' ' || m.first_name) = lower(?))
     limit 2`,
    [currentTenant().id, text, text, text],
  );
  if (rows.length === 0) throw new RubricError('member', 'Aucun membre de l’établissement ne porte cet identifiant ou ce nom.');
  if (rows.length > 1) throw new RubricError('member', 'Plusieurs membres portent ce nom : indiquez l’identifiant.');
  return rows[0];
}

/** Gives a role in the rubric to a target of this school (its class or group must exist here). */
export async function rubricRoleAdder(input: { actor: Member; rubric: Rubric; rule: RubricRoleRule; ip?: string }) {
  const { rule } = input;
  const tenant_id = currentTenant().id;
  if (rule.target_type === 'class' || rule.target_type === 'group') {
    const table = rule.target_type === 'class' ? 'classes' : 'groups';
    if (!(await db()(table).where({ tenant_id, id: rule.target_value }).first('id'))) throw new RubricError('target', 'Cible inconnue.');
  }
  if (rule.target_type === 'profile' && !(rule.target_value in PROFILE_NAMES)) throw new RubricError('target', 'Cible inconnue.');
  if (rule.target_type === 'function' && !(rule.target_value in FUNCTION_NAMES)) throw new RubricError('target', 'Cible inconnue.');
  const inserted = await db()('rubric_roles')
    .insert({ tenant_id, rubric_id: input.rubric.id, target_type: rule.target_type, target_value: rule.target_value, role: rule.role })
    .onConflict(['tenant_id', 'rubric_id', 'target_type', 'target_value', 'role'])
    .ignore()
    .returning('role');
  if (inserted.length === 0) throw new RubricError('target', 'Ce rôle est déjà donné à cette cible.');
  await audit(input.actor, 'publication.rubric_role_added', input.rubric.id, { ...rule }, input.ip);
}

export async function rubricRoleRemover(input: { actor: Member; rubric: Rubric; rule: RubricRoleRule; ip?: string }): Promise<boolean> {
  const n = await db()('rubric_roles')
    .where({ tenant_id: currentTenant().id, rubric_id: input.rubric.id, target_type: input.rule.target_type, target_value: input.rule.target_value, role: input.rule.role })
    .del();
  if (n) await audit(input.actor, 'publication.rubric_role_removed', input.rubric.id, { ...input.rule }, input.ip);
  return n > 0;
}

/** Readable labels of role targets (classes, groups and named members of this school). */
export async function targetLabels(rubrics: Rubric[]): Promise<Map<string, string>> {
  const tenant_id = currentTenant().id;
  const labels = new Map<string, string>([['school:', 'Tout l’établissement']]);
  for (const [k, v] of Object.entries(PROFILE_NAMES)) labels.set(`profile:${k}`, `Profil ${v}`);
  for (const [k, v] of Object.entries(FUNCTION_NAMES)) labels.set(`function:${k}`, `Fonction ${v}`);
  const classes = await db()('classes').where({ tenant_id }).orderBy('code').select('id', 'code');
  for (const c of classes) labels.set(`class:${c.id}`, `Classe ${c.code}`);
  const groups = await db()('groups').where({ tenant_id }).orderBy('code').select('id', 'name');
  for (const g of groups) labels.set(`group:${g.id}`, `Groupe ${g.name}`);
  const memberIds = [...new Set(rubrics.flatMap((r) => r.roles.filter((x) => x.target_type === 'membership').map((x) => x.target_value)))];
  if (memberIds.length) {
    const ms = await db()('memberships').where({ tenant_id }).whereIn('id', memberIds).select('id', 'first_name', 'last_name');
    for (const m of ms) labels.set(`membership:${m.id}`, `${m.first_name} ${m.last_name}`);
  }
  return labels;
}

/** The choices of the "à qui" select (everything but named members, typed in their own field). */
export async function targetChoices() {
  const tenant_id = currentTenant().id;
  const classes = await db()('classes').where({ tenant_id }).orderBy('code').select('id', 'code');
  const groups = await db()('groups').where({ tenant_id }).orderBy('code').select('id', 'name');
  return [
    { label: 'Établissement', options: [{ value: 'school:', label: 'Tout l’établissement' }] },
    { label: 'Profils', options: Object.entries(PROFILE_NAMES).map(([k, v]) => ({ value: `profile:${k}`, label: v })) },
    { label: 'Fonctions', options: Object.entries(FUNCTION_NAMES).map(([k, v]) => ({ value: `function:${k}`, label: v })) },
    { label: 'Classes', options: classes.map((c: any) => ({ value: `class:${c.id}`, label: `Classe ${c.code}` })) },
    { label: 'Groupes', options: groups.map((g: any) => ({ value: `group:${g.id}`, label: `Groupe ${g.name}` })) },
  ].filter((g) => g.options.length > 0);
}
