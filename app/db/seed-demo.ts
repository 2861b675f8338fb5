import { faker } from '@faker-js/faker/locale/fr';
import type { Knex } from 'knex';
import { hashPassword } from '../auth/password.js';
import { newId } from '../lib/ids.js';
import { ownerTenantTx, ownerTx, systemDb, type TenantRef } from './index.js';
import { seedPublication } from './seed-publication.js';

/**
 * The demo: two schools (a collège and a lycée) with classes, students, guardians, teachers and staff, and the
 * two institution portals, each with its named accounts (DESIGN.md, "Demo data"). Every demo account signs in
 * with the password `demo`. Names and structure are the same on every run (faker is seeded); ids are not.
 *
 * The whole demo is planned in memory first, then written: the accounts in one owner transaction, each
 * school's rows in one owner transaction bound to that school, in chunked multi-row inserts.
 */

export const DEMO_PASSWORD = 'demo';
export const DEMO_SEED = 20261123;

/** The named demo accounts, per tenant slug (all with the password `demo`). */
export const DEMO_ACCOUNTS = {
  'demo-college': ['admin', 'direction', 'cpe', 'prof.maths', 'prof.francais', 'eleve.3a', 'parent.3a'],
  'demo-lycee': ['lycee.admin', 'lycee.prof', 'lycee.eleve', 'lycee.parent'],
  'academie-demo': ['academie.admin', 'academie.editeur'],
  'region-demo': ['region.admin', 'region.editeur'],
} as const satisfies Record<string, readonly string[]>;

export type DemoSlug = keyof typeof DEMO_ACCOUNTS;
const DEMO_SLUGS = Object.keys(DEMO_ACCOUNTS) as DemoSlug[];
const NAMED_LOGINS = new Set<string>(Object.values(DEMO_ACCOUNTS).flat());

export { demoIsSeeded } from './demo-state.js';

// ---------------------------------------------------------------------------------------------------------
// Names

type Gender = 'female' | 'male';

// First names people actually carry: pupils born 2008–2016, parents and staff born 1965–1990.
const CHILD_NAMES: Record<Gender, string[]> = {
  female: `Emma Jade Louise Alice Chloé Lina Léa Rose Anna Mila Inès Ambre Julia Mia Léna Manon Juliette Lou Zoé
    Camille Agathe Jeanne Lucie Éva Nina Sarah Romane Inaya Charlotte Léonie Clara Margaux Louna Lola Maëlys Océane
    Capucine Adèle Apolline Victoria Salomé Lilou Maya Elsa Nour Yasmine Amira Justine Emmy Alicia Lisa Pauline
    Marie Anaïs Noémie Clémence Mathilde Élise Aya Sofia`.split(/\s+/),
  male: `Gabriel Léo Raphaël Louis Lucas Adam Hugo Jules Arthur Nathan Liam Ethan Paul Tom Sacha Noah Gabin Nolan
    Enzo Mohamed Aaron Timéo Théo Mathis Axel Victor Antoine Clément Baptiste Maxime Valentin Yanis Rayan Évan
    Mathéo Maël Samuel Noé Martin Robin Eliott Kylian Ilyes Bastien Romain Alexandre Thomas Simon Quentin Matteo
    Lenny Esteban Malo Ibrahim Amir Léon Oscar Corentin Killian Dylan`.split(/\s+/),
};
const ADULT_NAMES: Record<Gender, string[]> = {
  female: `Nathalie Isabelle Sylvie Catherine Sandrine Valérie Stéphanie Céline Virginie Aurélie Sophie Caroline
    Émilie Julie Laetitia Élodie Séverine Karine Christelle Audrey Delphine Anne Marie Claire Hélène Mélanie Sabrina
    Vanessa Amandine Laure Cécile Florence Magali Nadia Samia Fatima Ludivine Jennifer Marion Anaïs Pauline Agnès
    Véronique Corinne Patricia Myriam Estelle Emmanuelle Gaëlle Sonia Leïla Carole Anne-Sophie Marie-Laure`.split(/\s+/),
  male: `Nicolas Christophe Stéphane Sébastien Frédéric David Olivier Laurent Julien Thierry Éric Jérôme Philippe
    Pascal Vincent Franck Cédric Guillaume Mathieu Fabrice Arnaud Thomas Alexandre Damien Emmanuel Benoît Yannick
    Romain Sylvain Grégory Anthony Jean-Marc Jean-Luc Pierre Xavier Karim Mehdi Samir Rachid Antoine Bruno Hervé
    Ludovic Loïc Mickaël Jean-François Patrice Gilles Fabien Hakim Yves`.split(/\s+/),
};
// faker's French surnames are the most common ones; a few more make a Lorraine school look like one.
const MORE_SURNAMES = `Muller Schmitt Klein Weber Meyer Becker Hoffmann Wagner Schneider Zimmermann Jacquot Thiriet
  Colin Hennequin Benali Haddad Mansouri Nguyen Tran Diallo Traoré Kaya Yilmaz Ferreira Rodrigues Pereira Santos
  Marchetti Russo Kowalski Nowak`.split(/\s+/);

function capitalise(name: string): string {
  // faker gives "Le gall", "Da silva": each word capitalised, particles included, reads better.
  return name.replace(/(^|[\s-])(\p{L})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

function childFirstName(gender: Gender): string {
  return faker.helpers.arrayElement(CHILD_NAMES[gender]);
}
function adultFirstName(gender: Gender): string {
  return faker.helpers.arrayElement(ADULT_NAMES[gender]);
}
function surname(): string {
  return faker.datatype.boolean({ probability: 0.15 }) ? faker.helpers.arrayElement(MORE_SURNAMES) : capitalise(faker.person.lastName());
}
function gender(): Gender {
  return faker.datatype.boolean() ? 'female' : 'male';
}

/** "Jean-Marc", "Le Gall" → "jean-marc.le-gall": lower case, no accents or apostrophes, letters, digits and dashes. */
export function loginStem(firstName: string, lastName: string): string {
  const part = (s: string) =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/œ/gi, 'oe')
      .replace(/æ/gi, 'ae')
      .toLowerCase()
      .replace(/['’]/g, '')
      .replace(/\s+/g, '-')
      .replace(/[^a-z0-9-]/g, '')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '');
  return `${part(firstName) || 'x'}.${part(lastName) || 'x'}`;
}

/** Hands out global logins: prenom.nom, then prenom.nom2, prenom.nom3… never one already taken. */
class LoginAllocator {
  private taken: Set<string>;
  constructor(reserved: Iterable<string>) {
    this.taken = new Set([...reserved].map((l) => l.toLowerCase()));
  }
  make(firstName: string, lastName: string): string {
    const stem = loginStem(firstName, lastName);
    let login = stem;
    for (let n = 2; this.taken.has(login); n++) login = `${stem}${n}`;
    this.taken.add(login);
    return login;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The plan

type Profile = 'student' | 'guardian' | 'teacher' | 'staff' | 'admin';

export interface PlannedPerson {
  accountId: string;
  membershipId: string;
  login: string;
  profile: Profile;
  functions: string[];
  firstName: string;
  lastName: string;
  email: string | null;
}

export interface TenantPlan {
  slug: DemoSlug;
  people: PlannedPerson[];
  levels: { id: string; code: string; name: string; position: number }[];
  subjects: { id: string; code: string; name: string }[];
  classes: { id: string; level_id: string; code: string; name: string; main_teacher_id: string | null }[];
  groups: { id: string; code: string; name: string }[];
  classMembers: { class_id: string; membership_id: string }[];
  groupMembers: { group_id: string; membership_id: string }[];
  assignments: { id: string; teacher_id: string; subject_id: string; class_id: string | null; group_id: string | null }[];
  guardianships: { guardian_id: string; student_id: string }[];
}

interface Named {
  login: string;
  firstName: string;
  lastName: string;
  profile: Profile;
  functions?: string[];
}

interface SchoolSpec {
  slug: DemoSlug;
  levels: { code: string; name: string; classPrefix: string; classLabel: string }[];
  letters: string[];
  classSize: [number, number];
  subjects: [code: string, name: string][];
  /** Subjects taught to a whole class, per level code. */
  curriculum: (level: string) => string[];
  /** How many teachers teach each subject (named teachers included). */
  teachers: Record<string, number>;
  /** Named teachers: their subject and the classes they take (the rest is shared by their colleagues). */
  namedTeachers: { who: Named; subject: string; classes: string[]; mainOf?: string }[];
  /** Teachers outside the class timetable (the librarian). */
  otherTeachers: { functions: string[]; who?: Named }[];
  staff: { functions: string[]; profile?: Profile; who?: Named; count?: number }[];
  groups: { code: string; name: string; subject: string; levels: string[]; probability: number }[];
  /** Families placed first: a named guardian, a named child, maybe a brother or sister elsewhere. */
  families: {
    lastName: string;
    guardians: (Named | { gender: Gender })[];
    children: { who?: Named; firstName?: string; gender?: Gender; classCode: string; groups?: string[] }[];
  }[];
}

const COLLEGE_SUBJECTS: [string, string][] = [
  ['MATHS', 'Mathématiques'],
  ['FRANC', 'Français'],
  ['HIGEO', 'Histoire-géographie'],
  ['ANG', 'Anglais'],
  ['ALL', 'Allemand'],
  ['ESP', 'Espagnol'],
  ['SVT', 'Sciences de la vie et de la Terre'],
  ['PHYCH', 'Physique-chimie'],
  ['TECHN', 'Technologie'],
  ['ARPL', 'Arts plastiques'],
  ['EDMUS', 'Éducation musicale'],
  ['EPS', 'Éducation physique et sportive'],
  ['LCALA', 'Latin'],
];

const COLLEGE: SchoolSpec = {
  slug: 'demo-college',
  levels: ['6e', '5e', '4e', '3e'].map((code) => ({ code, name: code, classPrefix: code[0], classLabel: code })),
  letters: ['A', 'B', 'C'],
  classSize: [24, 26],
  subjects: COLLEGE_SUBJECTS,
  curriculum: (level) => [
    'MATHS', 'FRANC', 'HIGEO', 'ANG', ...(level === '6e' ? [] : ['ESP']), 'SVT', 'PHYCH', 'TECHN', 'ARPL', 'EDMUS', 'EPS',
  ],
  teachers: { MATHS: 4, FRANC: 4, HIGEO: 3, ANG: 3, ALL: 1, ESP: 2, SVT: 2, PHYCH: 2, TECHN: 2, ARPL: 1, EDMUS: 1, EPS: 3, LCALA: 1 },
  namedTeachers: [
    { who: { login: 'prof.maths', firstName: 'Antoine', lastName: 'Moreau', profile: 'teacher' }, subject: 'MATHS', classes: ['3A', '3B', '4A'], mainOf: '3A' },
    { who: { login: 'prof.francais', firstName: 'Isabelle', lastName: 'Roux', profile: 'teacher' }, subject: 'FRANC', classes: ['3A', '3C', '5B'] },
  ],
  otherTeachers: [{ functions: ['librarian'] }],
  staff: [
    { who: { login: 'admin', firstName: 'Marc', lastName: 'Girard', profile: 'admin' }, functions: [] },
    { who: { login: 'direction', firstName: 'Claire', lastName: 'Martin', profile: 'staff' }, functions: ['head'] },
    { functions: ['head'] }, // the deputy head
    { who: { login: 'cpe', firstName: 'Nadia', lastName: 'Benali', profile: 'staff' }, functions: ['cpe'] },
    { functions: ['supervisor'], count: 3 },
    { functions: ['nurse'] },
    { functions: ['social_worker'] },
    { functions: ['psychologist'] },
  ],
  groups: [
    { code: 'LATIN', name: 'Latin', subject: 'LCALA', levels: ['5e', '4e', '3e'], probability: 0.12 },
    { code: 'CHORALE', name: 'Chorale', subject: 'EDMUS', levels: ['6e', '5e', '4e', '3e'], probability: 0.08 },
    { code: 'ALL-5', name: 'Allemand 5e', subject: 'ALL', levels: ['5e'], probability: 0.2 },
    { code: 'ALL-4', name: 'Allemand 4e', subject: 'ALL', levels: ['4e'], probability: 0.2 },
    { code: 'ALL-3', name: 'Allemand 3e', subject: 'ALL', levels: ['3e'], probability: 0.2 },
  ],
  families: [
    {
      lastName: 'Fontaine',
      guardians: [{ login: 'parent.3a', firstName: 'Sophie', lastName: 'Fontaine', profile: 'guardian' }, { gender: 'male' }],
      children: [
        { who: { login: 'eleve.3a', firstName: 'Léa', lastName: 'Fontaine', profile: 'student' }, classCode: '3A', groups: ['LATIN'] },
        { firstName: 'Hugo', gender: 'male', classCode: '5B', groups: ['CHORALE'] },
      ],
    },
  ],
};

const LYCEE: SchoolSpec = {
  slug: 'demo-lycee',
  levels: [
    { code: '2nde', name: '2nde', classPrefix: '2', classLabel: '2nde' },
    { code: '1re', name: '1re', classPrefix: '1', classLabel: '1re' },
    { code: 'Tle', name: 'Tle', classPrefix: 'T', classLabel: 'Tle' },
  ],
  letters: ['A', 'B'],
  classSize: [19, 21],
  subjects: [
    ['MATHS', 'Mathématiques'],
    ['FRANC', 'Français'],
    ['PHILO', 'Philosophie'],
    ['HIGEO', 'Histoire-géographie'],
    ['ANG', 'Anglais'],
    ['ESP', 'Espagnol'],
    ['PHYCH', 'Physique-chimie'],
    ['SVT', 'Sciences de la vie et de la Terre'],
    ['SES', 'Sciences économiques et sociales'],
    ['EPS', 'Éducation physique et sportive'],
  ],
  curriculum: (level) => [
    'MATHS', level === 'Tle' ? 'PHILO' : 'FRANC', 'HIGEO', 'ANG', 'ESP', 'PHYCH', 'SVT', 'SES', 'EPS',
  ],
  teachers: { MATHS: 2, FRANC: 1, PHILO: 1, HIGEO: 1, ANG: 1, ESP: 1, PHYCH: 1, SVT: 1, SES: 1, EPS: 1 },
  namedTeachers: [
    { who: { login: 'lycee.prof', firstName: 'Élodie', lastName: 'Garnier', profile: 'teacher' }, subject: 'MATHS', classes: ['2A', '1A', 'TA'], mainOf: '2A' },
  ],
  otherTeachers: [{ functions: ['librarian'] }],
  staff: [
    { who: { login: 'lycee.admin', firstName: 'Pierre', lastName: 'Lambert', profile: 'admin' }, functions: [] },
    { functions: ['head'] },
    { functions: ['cpe'] },
    { functions: ['supervisor'], count: 2 },
  ],
  groups: [],
  families: [
    {
      lastName: 'Chevalier',
      guardians: [{ login: 'lycee.parent', firstName: 'Karine', lastName: 'Chevalier', profile: 'guardian' }, { gender: 'male' }],
      children: [{ who: { login: 'lycee.eleve', firstName: 'Mathis', lastName: 'Chevalier', profile: 'student' }, classCode: '2A' }],
    },
  ],
};

const INSTITUTIONS: { slug: DemoSlug; people: Named[] }[] = [
  {
    slug: 'academie-demo',
    people: [
      { login: 'academie.admin', firstName: 'Bernard', lastName: 'Renaud', profile: 'admin' },
      { login: 'academie.editeur', firstName: 'Sylvie', lastName: 'Perrin', profile: 'staff' },
    ],
  },
  {
    slug: 'region-demo',
    people: [
      { login: 'region.admin', firstName: 'Laurent', lastName: 'Masson', profile: 'admin' },
      { login: 'region.editeur', firstName: 'Aurélie', lastName: 'Marchand', profile: 'staff' },
    ],
  },
];

function emptyPlan(slug: DemoSlug): TenantPlan {
  return { slug, people: [], levels: [], subjects: [], classes: [], groups: [], classMembers: [], groupMembers: [], assignments: [], guardianships: [] };
}

function person(login: string, profile: Profile, functions: string[], firstName: string, lastName: string): PlannedPerson {
  // Adults get a (non-routable) address so mail features have somewhere to write; pupils have none.
  const email = profile === 'student' ? null : `${login}@demo.preau.test`;
  return { accountId: newId(), membershipId: newId(), login, profile, functions, firstName, lastName, email };
}

function namedPerson(n: Named, functions: string[] = n.functions ?? []): PlannedPerson {
  return person(n.login, n.profile, functions, n.firstName, n.lastName);
}

function planSchool(spec: SchoolSpec, logins: LoginAllocator): TenantPlan {
  const plan = emptyPlan(spec.slug);
  const generated = (profile: Profile, functions: string[], firstName: string, lastName: string) => {
    const p = person(logins.make(firstName, lastName), profile, functions, firstName, lastName);
    plan.people.push(p);
    return p;
  };
  const adult = (profile: Profile, functions: string[] = []) => {
    const g = gender();
    return generated(profile, functions, adultFirstName(g), surname());
  };

  // Structure.
  const levelOf = new Map<string, string>(); // class code → level code
  const classByCode = new Map<string, TenantPlan['classes'][number]>();
  spec.levels.forEach((l, i) => {
    const level = { id: newId(), code: l.code, name: l.name, position: i + 1 };
    plan.levels.push(level);
    for (const letter of spec.letters) {
      const c = { id: newId(), level_id: level.id, code: `${l.classPrefix}${letter}`, name: `${l.classLabel} ${letter}`, main_teacher_id: null };
      plan.classes.push(c);
      classByCode.set(c.code, c);
      levelOf.set(c.code, l.code);
    }
  });
  const subjectByCode = new Map<string, string>();
  for (const [code, name] of spec.subjects) {
    const s = { id: newId(), code, name };
    plan.subjects.push(s);
    subjectByCode.set(code, s.id);
  }
  const groupByCode = new Map<string, string>();
  for (const g of spec.groups) {
    const row = { id: newId(), code: g.code, name: g.name };
    plan.groups.push(row);
    groupByCode.set(g.code, row.id);
  }

  // Staff and administration.
  for (const s of spec.staff) {
    for (let i = 0; i < (s.count ?? 1); i++) {
      if (s.who) plan.people.push(namedPerson(s.who, s.functions));
      else adult(s.profile ?? 'staff', s.functions);
    }
  }

  // Teachers, subject by subject, and who teaches which class.
  const assign = (teacher: PlannedPerson, subject: string, target: { classCode?: string; groupCode?: string }) => {
    plan.assignments.push({
      id: newId(),
      teacher_id: teacher.membershipId,
      subject_id: subjectByCode.get(subject)!,
      class_id: target.classCode ? classByCode.get(target.classCode)!.id : null,
      group_id: target.groupCode ? groupByCode.get(target.groupCode)! : null,
    });
  };
  const teachersOf = new Map<string, PlannedPerson[]>();
  const mainOverrides = new Map<string, PlannedPerson>();
  for (const [subject] of spec.subjects) {
    const named = spec.namedTeachers.filter((n) => n.subject === subject);
    const team: PlannedPerson[] = [];
    const taken = new Set<string>();
    for (const n of named) {
      const p = namedPerson(n.who);
      plan.people.push(p);
      team.push(p);
      for (const c of n.classes) {
        assign(p, subject, { classCode: c });
        taken.add(c);
      }
      if (n.mainOf) mainOverrides.set(n.mainOf, p);
    }
    const others: PlannedPerson[] = [];
    for (let i = named.length; i < (spec.teachers[subject] ?? 0); i++) others.push(adult('teacher'));
    team.push(...others);
    teachersOf.set(subject, team);
    // The remaining classes that have this subject, shared evenly among the other teachers, level by level.
    const rest = plan.classes.filter((c) => !taken.has(c.code) && spec.curriculum(levelOf.get(c.code)!).includes(subject));
    const pool = others.length ? others : team;
    if (!pool.length && rest.length) throw new Error(`démo : aucun professeur de ${subject}`);
    rest.forEach((c, i) => assign(pool[Math.floor((i * pool.length) / rest.length)], subject, { classCode: c.code }));
  }
  for (const t of spec.otherTeachers) {
    if (t.who) plan.people.push(namedPerson(t.who, t.functions));
    else adult('teacher', t.functions);
  }
  for (const g of spec.groups) {
    assign(teachersOf.get(g.subject)![0], g.subject, { groupCode: g.code });
  }

  // A main teacher per class: the named ones first, then a teacher of the class who has no class yet.
  const isMain = new Set<string>();
  for (const [code, p] of mainOverrides) {
    classByCode.get(code)!.main_teacher_id = p.membershipId;
    isMain.add(p.membershipId);
  }
  plan.classes.forEach((c, i) => {
    if (c.main_teacher_id) return;
    const mine = plan.assignments.filter((a) => a.class_id === c.id).map((a) => a.teacher_id);
    const rotated = [...mine.slice(i % mine.length), ...mine.slice(0, i % mine.length)];
    const chosen = rotated.find((t) => !isMain.has(t)) ?? rotated[0];
    c.main_teacher_id = chosen;
    isMain.add(chosen);
  });

  // Pupils and their families.
  interface Family {
    lastName: string;
    guardians: PlannedPerson[];
    levels: Set<string>;
    closed: boolean;
  }
  const families: Family[] = [];
  const placed = new Map<string, { child: PlannedPerson; groups: string[] | null }[]>(); // class code → preset pupils
  const guardianOf = (family: Family, child: PlannedPerson) => {
    for (const g of family.guardians) plan.guardianships.push({ guardian_id: g.membershipId, student_id: child.membershipId });
  };
  for (const f of spec.families) {
    const family: Family = { lastName: f.lastName, guardians: [], levels: new Set(), closed: true };
    for (const g of f.guardians) {
      if ('login' in g) {
        const p = namedPerson(g);
        plan.people.push(p);
        family.guardians.push(p);
      } else {
        family.guardians.push(generated('guardian', [], adultFirstName(g.gender), f.lastName));
      }
    }
    for (const c of f.children) {
      let child: PlannedPerson;
      if (c.who) {
        child = namedPerson(c.who);
        plan.people.push(child);
      } else {
        const g = c.gender ?? gender();
        child = generated('student', [], c.firstName ?? childFirstName(g), f.lastName);
      }
      guardianOf(family, child);
      family.levels.add(levelOf.get(c.classCode)!);
      placed.set(c.classCode, [...(placed.get(c.classCode) ?? []), { child, groups: c.groups ?? [] }]);
    }
    families.push(family);
  }
  const newFamily = (lastName: string): Family => {
    const family: Family = { lastName, guardians: [], levels: new Set(), closed: false };
    const two = faker.datatype.boolean({ probability: 0.75 });
    const first: Gender = two || faker.datatype.boolean({ probability: 0.7 }) ? 'female' : 'male';
    // A mother keeps her own name about a third of the time.
    const ownName = first === 'female' && two && faker.datatype.boolean({ probability: 0.35 }) ? surname() : lastName;
    family.guardians.push(generated('guardian', [], adultFirstName(first), ownName));
    if (two) family.guardians.push(generated('guardian', [], adultFirstName(first === 'female' ? 'male' : 'female'), lastName));
    families.push(family);
    return family;
  };

  for (const c of plan.classes) {
    const level = levelOf.get(c.code)!;
    const pupils = [...(placed.get(c.code) ?? [])];
    const size = faker.number.int({ min: spec.classSize[0], max: spec.classSize[1] });
    while (pupils.length < size) {
      // About one pupil in ten has a brother or sister already met in another level.
      const siblings = families.filter((f) => !f.closed && !f.levels.has(level) && f.levels.size < 2);
      const family =
        siblings.length && faker.datatype.boolean({ probability: 0.1 }) ? faker.helpers.arrayElement(siblings) : newFamily(surname());
      const g = gender();
      const child = generated('student', [], childFirstName(g), family.lastName);
      family.levels.add(level);
      guardianOf(family, child);
      pupils.push({ child, groups: null });
    }
    // Options and clubs: preset pupils keep theirs, the others join with the group's probability.
    for (const { child, groups } of pupils) {
      plan.classMembers.push({ class_id: c.id, membership_id: child.membershipId });
      for (const g of spec.groups) {
        const join = groups ? groups.includes(g.code) : g.levels.includes(level) && faker.datatype.boolean({ probability: g.probability });
        if (join) plan.groupMembers.push({ group_id: groupByCode.get(g.code)!, membership_id: child.membershipId });
      }
    }
  }
  return plan;
}

/**
 * The whole demo, in memory: the same names and structure every time for the same reserved logins (logins
 * already taken in the database, which generated logins step around). Reseeds faker.
 */
export function planDemo(reserved: Iterable<string> = []): TenantPlan[] {
  faker.seed(DEMO_SEED);
  const logins = new LoginAllocator([...NAMED_LOGINS, ...reserved]);
  const plans = [planSchool(COLLEGE, logins), planSchool(LYCEE, logins)];
  for (const inst of INSTITUTIONS) {
    const plan = emptyPlan(inst.slug);
    for (const n of inst.people) plan.people.push(namedPerson(n));
    plans.push(plan);
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------------------
// Writing it

const CHUNK = 500;

async function insertChunked(trx: Knex.Transaction, table: string, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await trx(table).insert(rows.slice(i, i + CHUNK));
}

async function writeTenant(trx: Knex.Transaction, tenantId: string, plan: TenantPlan): Promise<void> {
  const t = <R extends object>(rows: R[]) => rows.map((r) => ({ tenant_id: tenantId, ...r }));
  await insertChunked(
    trx,
    'memberships',
    t(
      plan.people.map((p) => ({
        id: p.membershipId,
        account_id: p.accountId,
        profile: p.profile,
        functions: p.functions,
        first_name: p.firstName,
        last_name: p.lastName,
        email: p.email,
        main_establishment: true,
      })),
    ),
  );
  await insertChunked(trx, 'levels', t(plan.levels));
  await insertChunked(trx, 'subjects', t(plan.subjects));
  await insertChunked(trx, 'groups', t(plan.groups));
  await insertChunked(trx, 'classes', t(plan.classes));
  await insertChunked(trx, 'class_members', t(plan.classMembers));
  await insertChunked(trx, 'group_members', t(plan.groupMembers));
  await insertChunked(trx, 'teaching_assignments', t(plan.assignments));
  await insertChunked(trx, 'guardianships', t(plan.guardianships));
}

/** Removes what a failed seed wrote, so the next start can try again from scratch. */
async function undo(written: { ref: TenantRef; plan: TenantPlan }[], accountIds: string[]): Promise<void> {
  for (const { ref, plan } of written) {
    await ownerTenantTx(ref, async (trx) => {
      const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
      // Classes and groups first (their members and assignments go with them), then people, then the rest.
      await trx('classes').where('tenant_id', ref.id).whereIn('id', ids(plan.classes)).delete();
      await trx('groups').where('tenant_id', ref.id).whereIn('id', ids(plan.groups)).delete();
      await trx('memberships').where('tenant_id', ref.id).whereIn('id', plan.people.map((p) => p.membershipId)).delete();
      await trx('subjects').where('tenant_id', ref.id).whereIn('id', ids(plan.subjects)).delete();
      await trx('levels').where('tenant_id', ref.id).whereIn('id', ids(plan.levels)).delete();
    });
  }
  if (accountIds.length) {
    await ownerTx(async (trx) => {
      for (let i = 0; i < accountIds.length; i += CHUNK) await trx('accounts').whereIn('id', accountIds.slice(i, i + CHUNK)).delete();
    });
  }
}

/** Loads the demo (migrations, tenants sync and default rules done by the caller). */
export async function seedDemo(): Promise<{ accounts: number; memberships: number }> {
  const rows = await systemDb()('tenants').whereIn('slug', DEMO_SLUGS).select('id', 'slug');
  const refs = new Map<string, TenantRef>(rows.map((r: TenantRef) => [r.slug, { id: r.id, slug: r.slug }]));
  const missing = DEMO_SLUGS.filter((s) => !refs.has(s));
  if (missing.length) throw new Error(`démo : établissement(s) absent(s) de la table tenants : ${missing.join(', ')} (synchroniser tenants/ d'abord)`);

  // Plan, then step around logins the database already holds (the plan is replayed with them reserved).
  const reserved = new Set<string>();
  let plans: TenantPlan[];
  for (;;) {
    plans = planDemo(reserved);
    const all = plans.flatMap((p) => p.people.map((x) => x.login));
    const clash: string[] = (await systemDb()('accounts').whereRaw('lower(login) = any(?::text[])', [all]).select(systemDb().raw('lower(login) as login'))).map(
      (r: { login: string }) => r.login,
    );
    if (!clash.length) break;
    const named = clash.filter((l) => NAMED_LOGINS.has(l));
    if (named.length) throw new Error(`démo : des comptes de démonstration existent déjà (${named.sort().join(', ')}) ; la démonstration est-elle déjà chargée ?`);
    for (const l of clash) reserved.add(l);
  }

  const hash = await hashPassword(DEMO_PASSWORD);
  const people = plans.flatMap((p) => p.people);
  const accounts = people.map((p) => ({ id: p.accountId, login: p.login, password_hash: hash }));
  const written: { ref: TenantRef; plan: TenantPlan }[] = [];
  let accountsWritten = false;
  try {
    await ownerTx((trx) => insertChunked(trx, 'accounts', accounts));
    accountsWritten = true;
    for (const plan of plans) {
      const ref = refs.get(plan.slug)!;
      await ownerTenantTx(ref, (trx) => writeTenant(trx, ref.id, plan));
      written.push({ ref, plan });
    }
  } catch (err) {
    await undo(written, accountsWritten ? accounts.map((a) => a.id) : []).catch(() => {});
    throw err;
  }
  await seedPublication();
  await (await import('./seed-notices-agenda.js')).seedNoticesAgenda();
  return { accounts: accounts.length, memberships: people.length };
}
