import { ownerTx } from '../db/index.js';

export interface ServiceDef {
  key: string;
  name: string;
  description: string;
  /** The service's address. The rights matrix lists it whether or not its page exists yet. */
  path: string;
  /**
   * Whether the service has a page today: a router of app/server.ts ROUTERS answers `path`. The navigation and
   * the dashboard link only to available services; /admin/services marks the others « bientôt disponible ».
   * test/integration/nav-links.test.ts checks this flag against the running application in both directions.
   */
  available: boolean;
  /** The roles a rule may grant for this service, most powerful first. */
  roles: string[];
  /** Whether institution portals (Région, Académie…) offer it: they publish, they do not run a school. */
  institutions?: boolean;
}

/** The portal's services. Upserted into the global `services` table at start. */
export const SERVICES: ServiceDef[] = [
  { key: 'messaging', name: 'Messagerie', description: 'Échanger des messages avec la communauté', path: '/messagerie', available: true, roles: ['user'], institutions: true },
  { key: 'lesson_log', name: 'Cahier de textes', description: 'Le contenu des séances', path: '/cahier-de-textes', available: false, roles: ['manager', 'teacher', 'reader'] },
  { key: 'homework', name: 'Travail à faire', description: 'Les devoirs à rendre', path: '/travail-a-faire', available: false, roles: ['manager', 'teacher', 'student', 'guardian'] },
  { key: 'timetable', name: 'Emploi du temps', description: 'Les cours de la semaine', path: '/emploi-du-temps', available: false, roles: ['manager', 'user'] },
  { key: 'roll_call', name: 'Appel', description: 'Faire l’appel en classe', path: '/vie-scolaire/appel', available: false, roles: ['manager', 'teacher'] },
  { key: 'absences', name: 'Absences', description: 'Absences, retards et justificatifs', path: '/vie-scolaire/absences', available: false, roles: ['manager', 'read', 'student', 'guardian'] },
  { key: 'grades', name: 'Évaluations', description: 'Notes, moyennes et bulletins', path: '/evaluations', available: false, roles: ['manager', 'read', 'teacher', 'student', 'guardian'] },
  { key: 'punishments', name: 'Punitions', description: 'Punitions et sanctions', path: '/punitions', available: false, roles: ['manager', 'teacher', 'read_own'] },
  { key: 'directory', name: 'Annuaire', description: 'Trouver un membre de l’établissement', path: '/annuaire', available: false, roles: ['manager', 'user'], institutions: true },
  { key: 'publication', name: 'Publication', description: 'Écrire et publier sur le site', path: '/publication', available: true, roles: ['manager', 'contributor'], institutions: true },
  { key: 'mailing', name: 'Communication ciblée', description: 'Envoyer une information à un public', path: '/publication/communication-ciblee', available: true, roles: ['manager'], institutions: true },
  { key: 'mobile', name: 'Accès mobile', description: 'Associer l’application mobile', path: '/preferences/acces-mobile', available: false, roles: ['user'] },
  { key: 'admin', name: 'Administration', description: 'Services, droits et comptes', path: '/admin/services', available: true, roles: ['manager'], institutions: true },
];

export const SERVICES_BY_KEY = new Map(SERVICES.map((s) => [s.key, s]));

/** French names of roles, targets, profiles and functions, for the matrix and the dashboard. */
export const ROLE_NAMES: Record<string, string> = {
  manager: 'gestionnaire',
  teacher: 'enseignant',
  reader: 'lecteur',
  read: 'consultation',
  read_own: 'consultation de ses données',
  student: 'élève',
  guardian: 'responsable',
  user: 'utilisateur',
  contributor: 'contributeur',
};

export const PROFILE_NAMES: Record<string, string> = {
  student: 'Élève',
  guardian: 'Parent',
  teacher: 'Enseignant',
  staff: 'Personnel',
  admin: 'Administrateur',
};

export const FUNCTION_NAMES: Record<string, string> = {
  head: 'Direction',
  cpe: 'CPE',
  supervisor: 'Assistant d’éducation',
  librarian: 'Professeur documentaliste',
  nurse: 'Infirmier',
  social_worker: 'Assistant social',
  psychologist: 'Psychologue de l’Éducation nationale',
};

export const TARGET_TYPE_NAMES: Record<string, string> = {
  school: 'Tout l’établissement',
  profile: 'Profil',
  function: 'Fonction',
  class: 'Classe',
  group: 'Groupe',
  subject: 'Matière',
};

/** Upserts the catalogue so the database's foreign keys know every service the code offers. */
export async function syncServiceCatalogue(): Promise<void> {
  await ownerTx(async (trx) => {
    for (const [position, s] of SERVICES.entries()) {
      await trx('services')
        .insert({ key: s.key, name: s.name, description: s.description, path: s.path, roles: s.roles, position })
        .onConflict('key')
        .merge();
    }
  });
}
