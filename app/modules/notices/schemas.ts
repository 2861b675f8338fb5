import { z } from 'zod';
import { isUuid } from '../../lib/ids.js';
import { list, localDate } from '../publication/schemas.js';
import { PROFILE_NAMES } from '../../rights/catalogue.js';

/** Shared by notices and agenda events: who sees it. */

export const audienceFields = {
  audience: z.enum(['public', 'members'], { message: 'Choisissez le public.' }),
  audience_profiles: list.refine((p) => p.every((x) => x in PROFILE_NAMES), 'Profil inconnu.'),
  audience_class_ids: list.refine((ids) => ids.every(isUuid), 'Classe inconnue.'),
};


const linkUrl = z
  .preprocess((v) => (v == null ? '' : String(v).trim()), z.string().max(500, 'Le lien dépasse 500 caractères.'))
  .refine((v) => v === '' || /^https?:\/\/[^\s]+$/i.test(v) || /^\/(?!\/)[^\s]*$/.test(v), 'Le lien doit commencer par https://, http:// ou / (une page du site).')
  .transform((v) => (v === '' ? null : v));

/** The notice form (create and edit). An empty start means now. */
export const NoticesUpdateSchema = z
  .object({
    level: z.enum(['alert', 'warning', 'info'], { message: 'Choisissez un niveau.' }),
    title: z.string({ message: 'Le titre est obligatoire.' }).trim().min(1, 'Le titre est obligatoire.').max(160, 'Le titre dépasse 160 caractères.'),
    body: z.preprocess((v) => (v == null ? '' : String(v)), z.string().trim().max(1000, 'Le texte dépasse 1 000 caractères.')),
    link_url: linkUrl,
    starts_at: localDate('Date de début invalide.'),
    ends_at: localDate('Date de fin invalide.'),
    ...audienceFields,
  })
  .superRefine((v, ctx) => {
    if (v.starts_at && v.ends_at && v.ends_at <= v.starts_at) {
      ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'La fin doit suivre le début.' });
    }
  });
