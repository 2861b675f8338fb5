import { z } from 'zod';
import { currentTenant, db } from '../../db/index.js';
import { recordAudit } from '../../lib/audit.js';
import { now } from '../../lib/clock.js';
import { isUuid } from '../../lib/ids.js';
import { PROFILE_NAMES } from '../../rights/catalogue.js';
import { effectiveRules, RecipientRulesSchema, type RecipientRules } from './recipients.js';
import { fieldList } from '../../http/body.js';

/** A school's messaging settings (table messaging_settings; defaults when the school never changed them). */
export interface MessagingSettings {
  sendingSuspendedAt: Date | null;
  sendingSuspendedBy: string | null;
  externalProfiles: string[];
  externalLevelIds: string[];
  externalClassIds: string[];
  /** The school's override of who may write to whom (profiles it changed), null for the defaults. */
  recipientRules: RecipientRules | null;
}

const DEFAULTS: MessagingSettings = {
  sendingSuspendedAt: null,
  sendingSuspendedBy: null,
  externalProfiles: [],
  externalLevelIds: [],
  externalClassIds: [],
  recipientRules: null,
};

/** The stored override, or null when absent or not valid any more (an unknown audience): the defaults then. */
function rulesOf(raw: unknown): RecipientRules | null {
  if (raw == null) return null;
  const parsed = RecipientRulesSchema.safeParse(typeof raw === 'string' ? JSON.parse(raw) : raw);
  return parsed.success && Object.keys(parsed.data).length ? parsed.data : null;
}

/**
 * Each transaction reads the settings once: a request asks for them several times (the recipient picker for
 * the rules, the external addresses and the "sending suspended" notice). A write in the transaction forgets them.
 */
const readInTransaction = new WeakMap<object, Promise<MessagingSettings>>();

/** The current school's settings, inside its transaction. */
export function messagingSettings(): Promise<MessagingSettings> {
  const trx = db();
  let settings = readInTransaction.get(trx);
  if (!settings) {
    settings = readSettings();
    readInTransaction.set(trx, settings);
    // A failed read is not kept: the transaction is aborting anyway, and nothing else may reuse it.
    settings.catch(() => readInTransaction.delete(trx));
  }
  return settings;
}

async function readSettings(): Promise<MessagingSettings> {
  const row = await db()('messaging_settings').where('tenant_id', currentTenant().id).first();
  if (!row) return { ...DEFAULTS };
  return {
    sendingSuspendedAt: row.sending_suspended_at ? new Date(row.sending_suspended_at) : null,
    sendingSuspendedBy: row.sending_suspended_by ?? null,
    externalProfiles: row.external_profiles ?? [],
    externalLevelIds: row.external_level_ids ?? [],
    externalClassIds: row.external_class_ids ?? [],
    recipientRules: rulesOf(row.recipient_rules),
  };
}

async function upsert(values: Record<string, unknown>): Promise<void> {
  const trx = db();
  await trx('messaging_settings')
    .insert({ tenant_id: currentTenant().id, updated_at: now(), ...values })
    .onConflict('tenant_id')
    .merge({ ...values, updated_at: now() });
  readInTransaction.delete(trx);
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


export const ExternalAccessSchema = z.object({
  profiles: z.preprocess(fieldList, z.array(z.enum(Object.keys(PROFILE_NAMES) as [string, ...string[]], { message: 'Profil inconnu.' }))),
  levels: z.preprocess(fieldList, z.array(z.string().refine(isUuid, 'Niveau inconnu.'))),
  classes: z.preprocess(fieldList, z.array(z.string().refine(isUuid, 'Classe inconnue.'))),
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

/**
 * Sets the school's override of who may write to whom (null: back to the default rules); audited when it
 * changes. The caller validates it (RecipientRulesSchema) and keeps only the profiles that differ from the
 * default (overrideOf). Returns whether it changed.
 */
export async function recipientRulesSetter(input: { rules: RecipientRules | null; actor: Actor; ip?: string }): Promise<boolean> {
  const before = (await messagingSettings()).recipientRules;
  const after = input.rules && Object.keys(input.rules).length ? RecipientRulesSchema.parse(input.rules) : null;
  if (JSON.stringify(effectiveRules(before)) === JSON.stringify(effectiveRules(after))) return false;
  // jsonb through a JSON string: the same on PostgreSQL and PGlite.
  await upsert({ recipient_rules: after ? JSON.stringify(after) : null });
  await recordAudit({
    action: after ? 'messaging.recipient_rules_changed' : 'messaging.recipient_rules_reset',
    actorAccountId: input.actor.accountId,
    actorMembershipId: input.actor.membershipId,
    subjectType: 'messaging_settings',
    subjectId: currentTenant().id,
    details: { before, after },
    ip: input.ip,
  });
  return true;
}
