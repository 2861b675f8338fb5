import { z } from 'zod';
import { isUuid } from '../../lib/ids.js';
import { parisDate, parisTime, parseParis } from '../../lib/paris-time.js';
import { fieldList } from '../../http/body.js';

/** Forms of the publication back-office: one zod schema per action, French messages keyed by field. */

/** A `datetime-local` value ("2026-11-23T14:32"), read as Paris time; null when empty, undefined when malformed. */
export function parisLocalToDate(value: string): Date | null | undefined {
  if (!value) return null;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2})?$/.exec(value);
  return m ? parseParis(m[1], m[2]) : undefined;
}

/** The value of a `datetime-local` field for a date, in Paris time. */
export function dateToParisLocal(d: Date | string | null | undefined): string {
  if (!d) return '';
  const at = new Date(d);
  return `${parisDate(at)}T${parisTime(at)}`;
}

const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === '1' || v === true, z.boolean());
const optionalUuid = (message: string) =>
  z.preprocess((v) => (v == null ? '' : String(v).trim()), z.string().refine((v) => v === '' || isUuid(v), message));
/** A form field that may come once, many times or not at all, as a list of strings. */
export const list = z.preprocess(fieldList, z.array(z.string()));
/** A `datetime-local` field read as Paris time (null when empty); `message` when malformed. */
export const localDate = (message: string) =>
  z.preprocess((v) => (v == null ? '' : String(v).trim()), z.string()).transform((v, ctx) => {
    const d = parisLocalToDate(v);
    if (d === undefined) {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    }
    return d;
  });

/** Every field of the article form; the same schema serves create, save and (field by field) autosave. */
export const ArticlesUpdateSchema = z
  .object({
    title: z.string({ message: 'Le titre est obligatoire.' }).trim().min(1, 'Le titre est obligatoire.').max(200, 'Le titre dépasse 200 caractères.'),
    summary: z.string().trim().max(600, 'Le chapô dépasse 600 caractères.').default(''),
    rubric_id: z.string({ message: 'Choisissez une rubrique.' }).refine(isUuid, 'Choisissez une rubrique.'),
    body_html: z.string().max(200_000, 'Le texte est trop long.').default(''),
    tags: z
      .preprocess((v) => (v == null ? '' : String(v)), z.string())
      .transform((v) => [...new Set(v.split(',').map((t) => t.trim().replace(/\s+/g, ' ')).filter(Boolean))])
      .refine((t) => t.length <= 20, 'Vingt mots-clés au plus.')
      .refine((t) => t.every((x) => x.length <= 40), 'Un mot-clé dépasse 40 caractères.'),
    featured: checkbox,
    publish_at: localDate('Date de publication invalide.'),
    expire_at: localDate('Date d’expiration invalide.'),
    main_image_id: optionalUuid('Choisissez une image de la médiathèque.'),
    main_image_alt: z.string().trim().max(300, 'Le texte alternatif dépasse 300 caractères.').default(''),
    main_image_decorative: checkbox,
    attachment_ids: list.refine((ids) => ids.every(isUuid), 'Pièce jointe inconnue.'),
  })
  .superRefine((v, ctx) => {
    if (v.publish_at && v.expire_at && v.expire_at <= v.publish_at) {
      ctx.addIssue({ code: 'custom', path: ['expire_at'], message: 'La date d’expiration doit suivre la date de publication.' });
    }
    if (v.main_image_id && !v.main_image_decorative && !v.main_image_alt) {
      ctx.addIssue({
        code: 'custom',
        path: ['main_image_alt'],
        message: 'Décrivez l’image (texte alternatif) ou cochez « image décorative ».',
      });
    }
  });
export type ArticleInput = z.infer<typeof ArticlesUpdateSchema>;

/** Sending an article back to its author: a comment is required. */
export const ArticlesSendBackSchema = z.object({
  review_comment: z.string({ message: 'Expliquez à l’auteur ce qu’il faut reprendre.' }).trim().min(1, 'Expliquez à l’auteur ce qu’il faut reprendre.').max(2000, 'Le commentaire dépasse 2 000 caractères.'),
});

/** Publishing: an optional time (now when empty). */
export const ArticlesPublishSchema = z.object({
  publish_at: localDate('Date de publication invalide.'),
});

/** Field → first message, for templates (aria-invalid + aria-describedby beside each field). */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? 'form');
    errors[key] ??= issue.message;
  }
  return errors;
}

export const RubricsCreateSchema = z.object({
  name: z.string({ message: 'Le nom est obligatoire.' }).trim().min(1, 'Le nom est obligatoire.').max(120, 'Le nom dépasse 120 caractères.'),
  parent_id: optionalUuid('Rubrique parente inconnue.'),
  visibility: z.enum(['public', 'private'], { message: 'Choisissez la visibilité.' }),
});

export const RubricsUpdateSchema = z.object({
  name: z.string({ message: 'Le nom est obligatoire.' }).trim().min(1, 'Le nom est obligatoire.').max(120, 'Le nom dépasse 120 caractères.'),
  visibility: z.enum(['public', 'private'], { message: 'Choisissez la visibilité.' }),
});

/** A role: a target chosen in the list ("profile:teacher") or a named member (login or name), and the role. */
export const RubricRolesCreateSchema = z
  .object({
    target: z.string().trim().default(''),
    member: z.string().trim().max(120).default(''),
    role: z.enum(['manager', 'contributor', 'reader'], { message: 'Choisissez un rôle.' }),
  })
  .superRefine((v, ctx) => {
    if (!v.target && !v.member) ctx.addIssue({ code: 'custom', path: ['target'], message: 'Choisissez à qui donner le rôle, ou nommez un membre.' });
    if (v.target && v.member) ctx.addIssue({ code: 'custom', path: ['member'], message: 'Choisissez une cible ou un membre, pas les deux.' });
    if (v.target && !/^(school:|profile:[a-z_]+|function:[a-z_]+|class:[0-9a-f-]{36}|group:[0-9a-f-]{36})$/.test(v.target)) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: 'Cible inconnue.' });
    }
  });

export const RubricRolesRemoveSchema = z.object({
  target_type: z.enum(['school', 'profile', 'function', 'class', 'group', 'membership']),
  target_value: z.string().max(100).default(''),
  role: z.enum(['manager', 'contributor', 'reader']),
});
