import { z } from 'zod';
import { MAX_BODY_BYTES, MAX_SUBJECT } from './service.js';

const many = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => [...new Set((v == null ? [] : Array.isArray(v) ? v : [v]).map((s) => s.trim()).filter(Boolean))]);

/** A draft as the compose form sends it (saved as is; checked on send). */
export const MessagingDraftSchema = z.object({
  subject: z
    .string()
    .optional()
    .transform((s) => (s ?? '').replace(/[\r\n\t]+/g, ' ').trim())
    .pipe(z.string().max(MAX_SUBJECT, `L’objet fait au plus ${MAX_SUBJECT} caractères.`)),
  body: z.string().max(MAX_BODY_BYTES, 'Le message est trop long.').optional().default(''),
  recipients: many.pipe(z.array(z.string().max(400)).max(400, 'Trop de destinataires.')),
});

export const MessagingFolderSchema = z.object({
  name: z
    .string({ error: 'Indiquez le nom du dossier.' })
    .transform((s) => s.replace(/\s+/g, ' ').trim())
    .pipe(z.string().min(1, 'Indiquez le nom du dossier.').max(60, 'Le nom fait au plus 60 caractères.')),
});

export const MessagingMoveSchema = z.object({ dossier: z.string().optional().default('') });

export const MessagingSearchSchema = z.object({ q: z.string().max(200).optional().default('') });

export const MessagingPurgeSearchSchema = z.object({
  q: z.string().max(200).optional().default(''),
  expediteur: z.string().max(100).optional().default(''),
});

export const MessagingPreferencesSchema = z.object({ notification: z.string().optional() });

/** The ticked messages of a listing and what to do with them. */
export const MessagingSelectionSchema = z.object({
  ids: many.pipe(z.array(z.uuid()).max(200)),
  action: z.enum(['lu', 'non-lu', 'suivre', 'ne-plus-suivre', 'corbeille', 'restaurer', 'supprimer', 'deplacer']),
  dossier: z.union([z.literal(''), z.uuid()]).optional().default(''),
});

export type SelectionAction = z.infer<typeof MessagingSelectionSchema>['action'];
