import { now } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { parisParts, parisToUtc } from '../lib/paris-time.js';
import { ownerTenantTx, systemDb, type TenantRef } from './index.js';

/**
 * The demo's notices and agenda for demo-college and demo-lycee: one live alert, one warning, one
 * information, one expired notice, and ten events (class councils, parents' meetings, an open day…), dated
 * from the moment of seeding so the demo always looks current. Called once at the end of seedDemo.
 */

const HOUR = 3600_000;

interface NoticeSpec {
  level: 'alert' | 'warning' | 'info';
  title: string;
  body: string;
  link_url?: string;
  /** Hours from the seed (negative: in the past). */
  startsIn: number;
  endsIn: number | null;
  profiles?: string[];
}

interface EventSpec {
  title: string;
  /** Days from the seed's day, Paris time. */
  inDays: number;
  /** 'HH:MM' start and end, or null for all day. */
  from: string | null;
  to?: string;
  place: string;
  description: string;
  /** Class code: members of that class (students, their parents, their teachers) only. */
  classCode?: string;
  profiles?: string[];
}

const NOTICES: NoticeSpec[] = [
  { level: 'alert', title: 'Alerte météo : transports scolaires suspendus demain matin', body: 'Les cars ne circuleront pas avant 10 h. L’établissement reste ouvert et accueille les élèves présents.', startsIn: -2, endsIn: 36 },
  { level: 'warning', title: 'Cantine : menu modifié cette semaine', body: 'Suite à un problème de livraison, les menus de jeudi et vendredi sont échangés.', startsIn: -24, endsIn: 24 * 4 },
  { level: 'info', title: 'Réunion parents-professeurs : inscriptions ouvertes', body: 'Choisissez vos créneaux avec les professeurs de votre enfant avant vendredi.', link_url: '/agenda?vue=liste', startsIn: -48, endsIn: 24 * 10, profiles: ['guardian'] },
  { level: 'info', title: 'Photos de classe : commande terminée', body: 'Les commandes de photos de classe sont closes.', startsIn: -24 * 20, endsIn: -24 * 5 },
];

const EVENTS = (first: string, second: string): EventSpec[] => [
  { title: `Conseil de classe ${first}`, inDays: 3, from: '17:30', to: '19:00', place: 'Salle des conseils', description: 'Conseil du premier trimestre.', classCode: first },
  { title: `Conseil de classe ${second}`, inDays: 4, from: '17:30', to: '19:00', place: 'Salle des conseils', description: 'Conseil du premier trimestre.', classCode: second },
  { title: 'Réunion parents-professeurs', inDays: 8, from: '16:30', to: '20:00', place: 'Gymnase', description: 'Rencontre avec l’équipe pédagogique, sur inscription.' },
  { title: 'Journée portes ouvertes', inDays: 15, from: null, place: 'Tout l’établissement', description: 'Visite des locaux, rencontre avec les enseignants et présentation des options.' },
  { title: 'Conseil d’administration', inDays: 6, from: '18:00', to: '20:00', place: 'Salle des conseils', description: 'Ordre du jour envoyé aux membres.', profiles: ['staff', 'admin', 'teacher'] },
  { title: 'Sortie au musée', inDays: 11, from: '08:30', to: '17:00', place: 'Musée des Beaux-Arts', description: 'Autorisation de sortie à rendre au professeur principal.', classCode: first },
  { title: 'Cross de l’établissement', inDays: 18, from: '09:00', to: '12:00', place: 'Stade municipal', description: 'Tenue de sport obligatoire.' },
  { title: 'Remise des bulletins', inDays: 22, from: '17:00', to: '19:30', place: 'Salles de classe', description: 'Remise en main propre aux familles.', profiles: ['guardian', 'teacher'] },
  { title: 'Vacances scolaires', inDays: 26, from: null, to: '+14', place: '', description: 'Reprise des cours le lundi suivant.' },
  { title: 'Forum des métiers', inDays: 40, from: '13:30', to: '17:00', place: 'CDI', description: 'Des professionnels présentent leurs métiers.' },
];

/** School slug → the codes of two of its classes (councils, the museum trip). */
export const DEMO_AGENDA_SCHOOLS: Record<string, [string, string]> = { 'demo-college': ['3A', '4A'], 'demo-lycee': ['2A', '1A'] };

function dayPlus(base: Date, days: number): { y: number; m: number; d: number } {
  const p = parisParts(base);
  const t = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function at(base: Date, days: number, hhmm: string): Date {
  const { y, m, d } = dayPlus(base, days);
  const [h, mi] = hhmm.split(':').map(Number);
  return parisToUtc(y, m, d, h, mi);
}

export async function seedNoticesAgenda(schools: Record<string, [string, string]> = DEMO_AGENDA_SCHOOLS): Promise<void> {
  const rows: TenantRef[] = await systemDb()('tenants').whereIn('slug', Object.keys(schools)).select('id', 'slug');
  const seededAt = now();
  for (const ref of rows) {
    const [first, second] = schools[ref.slug]!;
    await ownerTenantTx(ref, async (trx) => {
      const classes: { id: string; code: string }[] = await trx('classes').where('tenant_id', ref.id).select('id', 'code');
      const classId = new Map(classes.map((c) => [c.code, c.id]));
      await trx('notices').insert(
        NOTICES.map((n) => ({
          tenant_id: ref.id,
          id: newId(),
          level: n.level,
          title: n.title,
          body: n.body,
          link_url: n.link_url ?? null,
          starts_at: new Date(seededAt.getTime() + n.startsIn * HOUR),
          ends_at: n.endsIn === null ? null : new Date(seededAt.getTime() + n.endsIn * HOUR),
          audience: n.profiles ? 'members' : 'public',
          audience_profiles: n.profiles ?? [],
        })),
      );
      await trx('agenda_events').insert(
        EVENTS(first, second).map((e) => {
          const cls = e.classCode ? classId.get(e.classCode) : undefined;
          const allDay = e.from === null;
          const span = allDay && e.to?.startsWith('+') ? Number(e.to.slice(1)) : 1;
          return {
            tenant_id: ref.id,
            id: newId(),
            title: e.title,
            starts_at: allDay ? at(seededAt, e.inDays, '00:00') : at(seededAt, e.inDays, e.from!),
            ends_at: allDay ? at(seededAt, e.inDays + span, '00:00') : e.to ? at(seededAt, e.inDays, e.to) : null,
            all_day: allDay,
            place: e.place,
            description: e.description,
            audience: cls || e.profiles ? 'members' : 'public',
            audience_profiles: e.profiles ?? [],
            audience_class_ids: cls ? [cls] : [],
          };
        }),
      );
    });
  }

}
