import { z } from 'zod';
import { currentTenant, db } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { isUuid } from '../../lib/ids.js';
import { PROFILE_NAMES } from '../../rights/catalogue.js';

/** A school's messaging settings (table messaging_settings; defaults when the school never changed them). */
export interface MessagingSettings {
  sendingSuspendedAt: Date | null;
  sendingSuspendedBy: string | null;
  externalProfiles: string[];
  externalLevelIds: string[];
  externalClassIds: string[];
}

const DEFAULTS: MessagingSettings = {
  sendingSuspendedAt: null,
  sendingSuspendedBy: null,
  externalProfiles: [],
  externalLevelIds: [],
  externalClassIds: [],
};

/** The current school's settings, inside its transaction. */
export async function messagingSettings(): Promise<MessagingSettings> {
  const row = await db()('messaging_settings').where('tenant_id', currentTenant().id).first();
  if (!row) return { ...DEFAULTS };
  return {
    sendingSuspendedAt: row.sending_suspended_at ? new Date(row.sending_suspended_at) : null,
    sendingSuspendedBy: row.sending_suspended_by ?? null,
    externalProfiles: row.external_profiles ?? [],
    externalLevelIds: row.external_level_ids ?? [],
    externalClassIds: row.external_class_ids ?? [],
  };
}

async function upsert(values: Record<string, unknown>): Promise<void> {
  await db()('messaging_settings')
    .insert({ tenant_id: currentTenant().id, updated_at: now(), ...values })
    .onConflict('tenant_id')
    .merge({ ...values, updated_at: now() });
}

interface Actor {
  accountId: string;
  membershipId: string;
}

/** Suspends or resumes sending for the whole school (reading still works); audited. Returns whether it changed. */
export async function sendingSwitcher(input: { suspend: boolean; actor: Actor; ip?: string }): Promise<boolean> {
  const current = await messagingSettings();
  if (Boolean(current.sendingSuspendedAt) === input.suspend) return false;
  await upsert(
    input.suspend
      ? { sending_suspended_at: now(), sending_suspended_by: input.actor.membershipId }
      : { sending_suspended_at: null, sending_suspended_by: null },
  );
  await recordAudit({
    action: input.suspend ? 'messaging.sending_suspended' : 'messaging.sending_resumed',
    actorAccountId: input.actor.accountId,
    actorMembershipId: input.actor.membershipId,
    subjectType: 'messaging_settings',
    subjectId: currentTenant().id,
    ip: input.ip,
  });
  return true;
}

const asArray = (v: unknown) => (v == null || v === '' ? [] : Array.isArray(v) ? v : [v]);

export const ExternalAccessSchema = z.object({
  profiles: z.preprocess(asArray, z.array(z.enum(Object.keys(PROFILE_NAMES) as [string, ...string[]], { message: 'Profil inconnu.' }))),
  levels: z.preprocess(asArray, z.array(z.string().refine(isUuid, 'Niveau inconnu.'))),
  classes: z.preprocess(asArray, z.array(z.string().refine(isUuid, 'Classe inconnue.'))),
});
export type ExternalAccess = z.infer<typeof ExternalAccessSchema>;

export class SettingsError extends Error {
  constructor(public field: string, message: string) {
    super(message);
  }
}

/** Sets who may write to external e-mail addresses (profiles, levels, classes of this school); audited. */
export async function externalAccessSetter(input: { access: ExternalAccess; actor: Actor; ip?: string }): Promise<void> {
  const tenantId = currentTenant().id;
  const profiles = [...new Set(input.access.profiles)];
  const levels = [...new Set(input.access.levels)];
  const classes = [...new Set(input.access.classes)];
  // Levels and classes must be this school's (another school's ids are simply unknown here).
  if (levels.length) {
    const found = await db()('levels').where('tenant_id', tenantId).whereIn('id', levels).count({ n: '*' });
    if (Number(found[0].n) !== levels.length) throw new SettingsError('levels', 'Niveau inconnu.');
  }
  if (classes.length) {
    const found = await db()('classes').where('tenant_id', tenantId).whereIn('id', classes).count({ n: '*' });
    if (Number(found[0].n) !== classes.length) throw new SettingsError('classes', 'Classe inconnue.');
  }
  const before = await messagingSettings();
  await upsert({ external_profiles: profiles, external_level_ids: levels, external_class_ids: classes });
  await recordAudit({
    action: 'messaging.external_access_changed',
    actorAccountId: input.actor.accountId,
    actorMembershipId: input.actor.membershipId,
    subjectType: 'messaging_settings',
    subjectId: tenantId,
    details: {
      before: { profiles: before.externalProfiles, levels: before.externalLevelIds, classes: before.externalClassIds },
      after: { profiles, levels, classes },
    },
    ip: input.ip,
  });
}
