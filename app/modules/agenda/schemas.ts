import { z } from 'zod';
import { audienceFields } from '../notices/schemas.js';
import { nextDay, parseParis } from '../../lib/paris-time.js';

const text = (max: number, message: string) => z.preprocess((v) => (v == null ? '' : String(v)), z.string().trim().max(max, message));
const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === '1' || v === true, z.boolean());

/**
 * The event form: a day, all-day or a start time, an optional end (day and time), place, description and
 * audience; times are Europe/Paris wall-clock. All-day events span whole days (ends_at is midnight after the
 * last day).
 */
export const AgendaEventsUpdateSchema = z
  .object({
    title: z.string({ message: 'Le titre est obligatoire.' }).trim().min(1, 'Le titre est obligatoire.').max(160, 'Le titre dépasse 160 caractères.'),
    date: text(10, 'Date invalide.'),
    all_day: checkbox,
    start_time: text(5, 'Heure invalide.'),
    end_date: text(10, 'Date de fin invalide.'),
    end_time: text(5, 'Heure de fin invalide.'),
    place: text(200, 'Le lieu dépasse 200 caractères.'),
    description: text(2000, 'La description dépasse 2 000 caractères.'),
    ...audienceFields,
  })
  .transform((v, ctx) => {
    const issue = (path: string, message: string) => {
      ctx.addIssue({ code: 'custom', path: [path], message });
      return z.NEVER;
    };
    if (!parseParis(v.date)) return issue('date', 'Indiquez la date (jj/mm/aaaa).');
    if (v.end_date && !parseParis(v.end_date)) return issue('end_date', 'Date de fin invalide.');
    let starts_at: Date;
    let ends_at: Date | null;
    if (v.all_day) {
      starts_at = parseParis(v.date)!;
      ends_at = parseParis(nextDay(v.end_date || v.date))!;
    } else {
      const s = parseParis(v.date, v.start_time);
      if (!s) return issue('start_time', 'Indiquez l’heure de début, ou cochez « toute la journée ».');
      starts_at = s;
      ends_at = null;
      if (v.end_time) {
        const e = parseParis(v.end_date || v.date, v.end_time);
        if (!e) return issue('end_time', 'Heure de fin invalide.');
        ends_at = e;
      } else if (v.end_date) {
        return issue('end_time', 'Indiquez l’heure de fin.');
      }
    }
    if (ends_at && ends_at <= starts_at) return issue(v.all_day ? 'end_date' : 'end_time', 'La fin doit suivre le début.');
    return {
      title: v.title,
      starts_at,
      ends_at,
      all_day: v.all_day,
      place: v.place,
      description: v.description,
      audience: v.audience,
      audience_profiles: v.audience_profiles,
      audience_class_ids: v.audience_class_ids,
    };
  });
