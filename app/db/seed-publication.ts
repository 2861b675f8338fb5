import type { Knex } from 'knex';
import { now } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { sanitizeArticleHtml } from '../modules/publication/sanitize.js';
import { ownerTenantTx, systemDb, type TenantRef } from './index.js';

/**
 * The demo's public websites: rubrics and articles for the two schools and the two institution portals
 * (DESIGN.md, "Demo data"). The texts and their order are the same on every run; dates count back from the
 * moment of seeding so the sites always look current. Called once by seedDemo, after the people exist.
 */

const DAY = 24 * 3600 * 1000;

interface RubricSpec {
  slug: string;
  name: string;
  description: string;
  visibility?: 'public' | 'private';
  parent?: string;
  /** Roles: [target_type, target_value or a demo login for 'membership', role]. */
  roles?: [string, string, 'manager' | 'contributor' | 'reader'][];
}

interface ArticleSpec {
  rubric: string;
  title: string;
  summary: string;
  paragraphs: string[];
  /** Days before the seed (negative: in the future). */
  daysAgo: number;
  author?: string;
  status?: 'draft' | 'published';
  /** Days before the seed at which it stopped being shown. */
  expiredDaysAgo?: number;
  featured?: boolean;
  tags?: string[];
}

const COLLEGE_RUBRICS: RubricSpec[] = [
  {
    slug: 'vie-du-college',
    name: 'Vie du collège',
    description: 'Sorties, projets, clubs et temps forts de l’année au collège Jean Moulin.',
    roles: [
      ['membership', 'prof.francais', 'manager'],
      ['membership', 'prof.maths', 'contributor'],
    ],
  },
  { slug: 'actualites', name: 'Actualités', description: 'Les informations de l’établissement pour les familles et les élèves.' },
  { slug: 'orientation', name: 'Orientation', description: 'Préparer l’après-3e : stages, forums, procédures d’affectation.', parent: 'actualites' },
  {
    slug: 'espace-des-enseignants',
    name: 'Espace des enseignants',
    description: 'Informations internes à l’équipe pédagogique.',
    visibility: 'private',
    roles: [['profile', 'teacher', 'reader']],
  },
];

const COLLEGE_ARTICLES: ArticleSpec[] = [
  { rubric: 'actualites', title: 'Rentrée scolaire : les horaires du premier jour', summary: 'Accueil échelonné des élèves de la 6e à la 3e, le jour de la rentrée.', daysAgo: 82, author: 'direction', paragraphs: ['Les élèves de 6e sont accueillis à 8 h 30 avec leurs familles dans la cour d’honneur, puis passent la journée avec leur professeur principal.', 'Les élèves de 5e, 4e et 3e sont attendus à 13 h 30. Les emplois du temps seront distribués en classe.', 'La demi-pension fonctionne dès le premier jour.'] },
  { rubric: 'actualites', title: 'Réunion parents-professeurs des classes de 6e', summary: 'Une rencontre pour faire connaissance avec l’équipe pédagogique.', daysAgo: 70, author: 'direction', paragraphs: ['Les parents des élèves de 6e sont invités à rencontrer l’équipe pédagogique de la classe de leur enfant.', 'La réunion commence par une présentation générale en salle polyvalente, puis se poursuit dans les salles de classe.'] },
  { rubric: 'vie-du-college', title: 'Le cross du collège sous le soleil', summary: 'Plus de 300 élèves ont couru pour l’association Rêves d’enfants.', daysAgo: 64, author: 'prof.francais', paragraphs: ['Le cross annuel s’est déroulé au parc de la Seille. Chaque niveau avait son parcours, de 1,5 km pour les 6e à 3 km pour les 3e.', 'Bravo à tous les coureurs et merci aux parents bénévoles qui ont assuré la sécurité du parcours.', 'Les dons récoltés seront remis à l’association lors d’une cérémonie au collège.'], featured: true },
  { rubric: 'vie-du-college', title: 'Élection des délégués de classe', summary: 'Chaque classe a élu ses deux délégués et leurs suppléants.', daysAgo: 58, author: 'prof.francais', paragraphs: ['Après une campagne où chaque candidat a présenté ses idées, les élèves ont voté à bulletin secret.', 'Les délégués suivront une formation avec la conseillère principale d’éducation avant les premiers conseils de classe.'] },
  { rubric: 'orientation', title: 'Stage d’observation en entreprise des 3e', summary: 'Le stage a lieu du 8 au 12 décembre : trouvez votre entreprise d’accueil dès maintenant.', daysAgo: 55, author: 'direction', paragraphs: ['Le stage d’observation permet aux élèves de 3e de découvrir le monde professionnel pendant une semaine.', 'La convention de stage est à retirer auprès du professeur principal et doit être signée par toutes les parties avant le 20 novembre.'] },
  { rubric: 'vie-du-college', title: 'Atelier d’écriture avec une autrice jeunesse', summary: 'Les 5e B ont écrit des nouvelles fantastiques avec une autrice invitée.', daysAgo: 50, author: 'prof.francais', paragraphs: ['Pendant trois séances, les élèves de 5e B ont travaillé la construction du suspense et le portrait de personnage.', 'Les nouvelles seront rassemblées dans un recueil disponible au CDI.'] },
  { rubric: 'actualites', title: 'Menus de la demi-pension : produits locaux à l’honneur', summary: 'Des fruits et légumes de producteurs mosellans chaque semaine.', daysAgo: 47, author: 'direction', paragraphs: ['Le service de restauration travaille désormais avec trois exploitations de la région pour les fruits, les légumes et les laitages.', 'Les menus de la semaine sont affichés à l’entrée du réfectoire et publiés sur l’ENT.'] },
  { rubric: 'vie-du-college', title: 'Rallye mathématique : les 4e A qualifiés', summary: 'La classe de 4e A participera à la finale académique du rallye.', daysAgo: 44, author: 'prof.maths', paragraphs: ['Énigmes, géométrie et logique : les élèves ont résolu en équipe douze problèmes en une heure trente.', 'La finale aura lieu au printemps à l’université de Lorraine.'] },
  { rubric: 'orientation', title: 'Forum des métiers au collège', summary: 'Une trentaine de professionnels présentent leur métier aux élèves de 4e et de 3e.', daysAgo: 40, author: 'direction', paragraphs: ['Infirmière, électricien, architecte, boulangère, ingénieur : les élèves circulent entre les stands et posent leurs questions.', 'Un questionnaire préparé en classe les aide à garder une trace de leurs rencontres.'] },
  { rubric: 'vie-du-college', title: 'Sortie au centre Pompidou-Metz', summary: 'Les 3e ont découvert l’exposition consacrée à l’art du XXe siècle.', daysAgo: 37, author: 'prof.francais', paragraphs: ['La visite guidée a été suivie d’un atelier de pratique artistique.', 'Ce travail sera prolongé en arts plastiques et en histoire des arts pour préparer l’oral du brevet.'] },
  { rubric: 'actualites', title: 'Vaccination contre le papillomavirus', summary: 'Une campagne de vaccination gratuite est proposée aux élèves de 5e.', daysAgo: 34, author: 'direction', paragraphs: ['La vaccination est facultative et nécessite l’autorisation des deux parents.', 'Le formulaire est à rendre à l’infirmerie avant la fin du mois.'] },
  { rubric: 'vie-du-college', title: 'Concours de calcul mental', summary: 'Cent quarante élèves de 6e et de 5e ont relevé le défi.', daysAgo: 30, author: 'prof.maths', paragraphs: ['Tables, fractions, pourcentages : quinze minutes pour répondre au plus grand nombre de questions.', 'Les meilleurs élèves de chaque classe recevront un diplôme lors de la remise des prix de fin d’année.'] },
  { rubric: 'actualites', title: 'Conseils de classe du premier trimestre', summary: 'Le calendrier des conseils de classe et la remise des bulletins.', daysAgo: 26, author: 'direction', paragraphs: ['Les conseils de classe se tiennent du 1er au 12 décembre, en fin de journée.', 'Les bulletins seront consultables sur l’ENT après chaque conseil et remis en main propre lors des rencontres parents-professeurs.'] },
  { rubric: 'vie-du-college', title: 'La chorale prépare son concert de Noël', summary: 'Rendez-vous le 18 décembre à l’église Saint-Maximin.', daysAgo: 23, author: 'prof.francais', paragraphs: ['Une quarantaine d’élèves répètent chaque mardi midi un programme de chants du monde.', 'L’entrée est libre ; une collecte sera organisée au profit du foyer socio-éducatif.'] },
  { rubric: 'orientation', title: 'Procédure d’affectation après la 3e', summary: 'Ce qu’il faut savoir sur les vœux d’orientation et d’affectation.', daysAgo: 20, author: 'direction', paragraphs: ['Les familles formulent des intentions provisoires au deuxième trimestre, puis des vœux définitifs au troisième.', 'Le professeur principal et la psychologue de l’Éducation nationale reçoivent les familles qui le souhaitent.'] },
  { rubric: 'vie-du-college', title: 'Semaine des sciences : expériences au laboratoire', summary: 'Portes ouvertes des laboratoires de physique-chimie et de SVT.', daysAgo: 17, author: 'prof.maths', paragraphs: ['Les élèves de 4e ont animé des expériences pour leurs camarades : fusées à eau, extraction d’ADN, circuits électriques.', 'Un beau moment de partage entre élèves et professeurs.'] },
  { rubric: 'actualites', title: 'Brevet blanc : calendrier et consignes', summary: 'Les épreuves du brevet blanc ont lieu les 15 et 16 janvier.', daysAgo: 14, author: 'direction', paragraphs: ['Les élèves de 3e composent en français, mathématiques, histoire-géographie et sciences, dans les conditions de l’examen.', 'Une calculatrice en mode examen est obligatoire pour l’épreuve de mathématiques.'] },
  { rubric: 'vie-du-college', title: 'Le club robotique gagne le trophée régional', summary: 'Le robot des élèves a remporté l’épreuve de parcours autonome.', daysAgo: 11, author: 'prof.maths', paragraphs: ['Après six mois de programmation le jeudi midi, l’équipe de cinq élèves a devancé vingt collèges.', 'Elle représentera la région lors de la finale nationale.'] },
  { rubric: 'actualites', title: 'Fermeture exceptionnelle pour intempéries', summary: 'Le collège a été fermé le mardi 9 décembre en raison du verglas.', daysAgo: 9, author: 'direction', paragraphs: ['Sur décision préfectorale, les transports scolaires ont été suspendus.', 'Les cours ont repris normalement le lendemain.'] },
  { rubric: 'vie-du-college', title: 'Échange avec nos correspondants allemands', summary: 'Les germanistes de 4e ont accueilli leurs correspondants de Sarrebruck.', daysAgo: 7, author: 'prof.francais', paragraphs: ['Visite de Metz, cours partagés et soirée dans les familles : une semaine riche en rencontres.', 'Le voyage retour en Allemagne aura lieu au mois de mai.'] },
  { rubric: 'actualites', title: 'Inscriptions à l’association sportive', summary: 'Futsal, badminton, escalade : il reste des places le mercredi après-midi.', daysAgo: 5, author: 'direction', paragraphs: ['L’association sportive propose cinq activités encadrées par les professeurs d’EPS.', 'La licence coûte 20 euros pour l’année ; le Pass’Sport est accepté.'] },
  { rubric: 'vie-du-college', title: 'Exposition « Regards d’élèves » au CDI', summary: 'Les photographies des élèves de l’option arts sont exposées jusqu’aux vacances.', daysAgo: 3, author: 'prof.francais', paragraphs: ['Quarante photographies sur le thème « mon quartier » ont été sélectionnées par un jury d’élèves.', 'Le CDI est ouvert de 8 h à 17 h ; les familles sont les bienvenues le vendredi après-midi.'] },
  { rubric: 'orientation', title: 'Mini-stages en lycée professionnel', summary: 'Les élèves de 3e peuvent découvrir une formation pendant une demi-journée.', daysAgo: 2, author: 'direction', paragraphs: ['Les inscriptions se font auprès de la psychologue de l’Éducation nationale.', 'Une autorisation parentale est nécessaire pour chaque mini-stage.'] },
  { rubric: 'actualites', title: 'Collecte solidaire pour les Restos du cœur', summary: 'Denrées non périssables et produits d’hygiène sont collectés au foyer.', daysAgo: 1, author: 'direction', paragraphs: ['Les élèves éco-délégués organisent la collecte et le tri des dons.', 'Merci d’avance pour votre générosité.'] },
  { rubric: 'espace-des-enseignants', title: 'Conseil pédagogique : ordre du jour', summary: 'Projet d’établissement, évaluation par compétences et voyages scolaires.', daysAgo: 6, author: 'direction', paragraphs: ['Le conseil pédagogique se réunit jeudi à 17 h en salle de réunion.', 'Merci de faire remonter vos propositions de voyages avant la séance.'] },
  { rubric: 'espace-des-enseignants', title: 'Calendrier des conseils de classe : salles et horaires', summary: 'Le planning détaillé pour les professeurs principaux.', daysAgo: 25, author: 'direction', paragraphs: ['Chaque conseil dure quarante-cinq minutes. Les appréciations doivent être saisies la veille au plus tard.'] },
  // Not live: one scheduled, one draft, one expired.
  { rubric: 'actualites', title: 'Portes ouvertes du collège', summary: 'Les futurs élèves de 6e et leurs familles découvrent le collège un samedi matin.', daysAgo: -10, author: 'direction', paragraphs: ['Visite des locaux, rencontre avec les professeurs et présentation des options.'] },
  { rubric: 'vie-du-college', title: 'Voyage à Londres des 3e (brouillon)', summary: 'Programme du voyage en préparation.', daysAgo: 0, author: 'prof.maths', status: 'draft', paragraphs: ['Programme à compléter : British Museum, Greenwich, comédie musicale.'] },
  { rubric: 'actualites', title: 'Inscriptions à la cantine pour septembre', summary: 'Inscriptions closes.', daysAgo: 90, expiredDaysAgo: 60, author: 'direction', paragraphs: ['Les inscriptions à la demi-pension étaient ouvertes jusqu’au 15 septembre.'] },
];

const LYCEE_RUBRICS: RubricSpec[] = [
  { slug: 'actualites', name: 'Actualités', description: 'Les informations du lycée pour les élèves et les familles.', roles: [['membership', 'lycee.prof', 'contributor']] },
  { slug: 'vie-lyceenne', name: 'Vie lycéenne', description: 'Conseil de la vie lycéenne, Maison des lycéens, clubs.' },
  { slug: 'orientation-et-parcoursup', name: 'Orientation et Parcoursup', description: 'Choix des spécialités et préparation de l’enseignement supérieur.', parent: 'actualites' },
];

const LYCEE_ARTICLES: ArticleSpec[] = [
  { rubric: 'actualites', title: 'Calendrier des épreuves du baccalauréat', summary: 'Épreuves de spécialité, philosophie et grand oral : les dates à retenir.', daysAgo: 60, author: 'lycee.admin', paragraphs: ['Les épreuves de spécialité ont lieu au mois de juin, comme la philosophie et le grand oral.', 'Les convocations seront remises par le secrétariat des examens.'] },
  { rubric: 'orientation-et-parcoursup', title: 'Parcoursup : ouverture de la plateforme', summary: 'Les élèves de terminale peuvent découvrir les formations dès maintenant.', daysAgo: 45, author: 'lycee.admin', paragraphs: ['La plateforme présente plus de 23 000 formations. Les vœux se formulent de janvier à mars.', 'Deux heures d’accompagnement personnalisé sont consacrées chaque semaine à l’orientation.'] },
  { rubric: 'vie-lyceenne', title: 'Élections au conseil de la vie lycéenne', summary: 'Dix élèves élus pour porter la voix des lycéens.', daysAgo: 40, author: 'lycee.admin', paragraphs: ['Le conseil de la vie lycéenne donne son avis sur l’organisation des études et la vie au lycée.'] },
  { rubric: 'actualites', title: 'Journée portes ouvertes du lycée', summary: 'Découvrez les spécialités et les options du lycée.', daysAgo: 33, author: 'lycee.admin', paragraphs: ['Les professeurs et les élèves présentent les laboratoires, le CDI et les salles spécialisées.'] },
  { rubric: 'vie-lyceenne', title: 'La Maison des lycéens ouvre un club de débat', summary: 'Un mardi sur deux, des débats argumentés sur l’actualité.', daysAgo: 28, author: 'lycee.prof', paragraphs: ['Le club prépare aussi les élèves au grand oral en travaillant la prise de parole.'] },
  { rubric: 'actualites', title: 'Olympiades de mathématiques', summary: 'Douze élèves de première inscrits aux olympiades académiques.', daysAgo: 21, author: 'lycee.prof', paragraphs: ['L’épreuve dure quatre heures et comporte des exercices nationaux et académiques.'] },
  { rubric: 'orientation-et-parcoursup', title: 'Choix des spécialités en seconde', summary: 'Comment choisir ses trois spécialités de première.', daysAgo: 15, author: 'lycee.prof', paragraphs: ['Des professeurs de chaque spécialité présentent leurs programmes aux élèves de seconde.', 'Un entretien avec le professeur principal complète la démarche.'] },
  { rubric: 'vie-lyceenne', title: 'Don du sang au lycée', summary: 'Les élèves majeurs peuvent donner leur sang le jeudi 12.', daysAgo: 10, author: 'lycee.admin', paragraphs: ['L’Établissement français du sang installe sa collecte au gymnase.'] },
  { rubric: 'actualites', title: 'Voyage d’études à Barcelone', summary: 'Les hispanistes de première partent quatre jours en Catalogne.', daysAgo: 6, author: 'lycee.prof', paragraphs: ['Au programme : Sagrada Família, musée Picasso et rencontre avec des lycéens catalans.'] },
  { rubric: 'actualites', title: 'Résultats du bac blanc', summary: 'Les copies corrigées seront rendues la semaine prochaine.', daysAgo: 2, author: 'lycee.admin', paragraphs: ['Une correction détaillée sera proposée en classe pour chaque épreuve.'] },
];

const INSTITUTION_ARTICLES: Record<string, { author: string; articles: ArticleSpec[] }> = {
  'academie-demo': {
    author: 'academie.editeur',
    articles: [
      { rubric: 'actualites', title: 'Calendrier scolaire de l’année', summary: 'Les dates des vacances pour la zone B.', daysAgo: 75, paragraphs: ['Les vacances de la Toussaint, de Noël, d’hiver et de printemps sont fixées par arrêté ministériel.'] },
      { rubric: 'actualites', title: 'Harcèlement : un numéro pour en parler', summary: 'Le 3018, gratuit et anonyme, pour les élèves et les familles.', daysAgo: 48, paragraphs: ['Chaque établissement dispose d’une équipe formée à la méthode de la préoccupation partagée.'] },
      { rubric: 'actualites', title: 'Concours académique de nouvelles', summary: 'Ouvert aux collégiens et aux lycéens jusqu’au 31 mars.', daysAgo: 31, paragraphs: ['Le thème de cette année : « Frontières ». Les textes ne dépassent pas 8 000 signes.'] },
      { rubric: 'actualites', title: 'Semaine de l’orientation', summary: 'Des conférences en ligne sur les métiers et les formations.', daysAgo: 16, paragraphs: ['Les conférences sont accessibles depuis les établissements et depuis la maison.'] },
      { rubric: 'actualites', title: 'Résultats du diplôme national du brevet', summary: 'Un taux de réussite de 87 % dans l’académie.', daysAgo: 4, paragraphs: ['Les résultats détaillés par établissement sont publiés sur le site de l’académie.'] },
    ],
  },
  'region-demo': {
    author: 'region.editeur',
    articles: [
      { rubric: 'actualites', title: 'Transports scolaires : les inscriptions', summary: 'Inscrivez votre enfant en ligne avant le 15 juillet.', daysAgo: 80, paragraphs: ['La carte de transport est gratuite pour les élèves domiciliés à plus de trois kilomètres.'] },
      { rubric: 'actualites', title: 'Un ordinateur portable pour chaque lycéen', summary: 'La Région équipe les élèves de seconde.', daysAgo: 52, paragraphs: ['Les ordinateurs sont remis à la rentrée et restent la propriété de l’élève à la fin du lycée.'] },
      { rubric: 'actualites', title: 'Rénovation énergétique des lycées', summary: 'Quinze lycées bénéficient d’un programme de travaux.', daysAgo: 35, paragraphs: ['Isolation, chauffage et panneaux solaires : les travaux se déroulent pendant les vacances.'] },
      { rubric: 'actualites', title: 'Manuels scolaires gratuits', summary: 'La Région finance les manuels des lycéens.', daysAgo: 19, paragraphs: ['Les manuels sont prêtés par l’établissement pour l’année scolaire.'] },
      { rubric: 'actualites', title: 'Aide au permis de conduire', summary: 'Une aide de 500 euros pour les apprentis et les lycéens professionnels.', daysAgo: 8, paragraphs: ['La demande se fait en ligne sur le portail des aides régionales.'] },
    ],
  },
};

const INSTITUTION_RUBRICS = (editor: string): RubricSpec[] => [
  { slug: 'actualites', name: 'Actualités', description: 'Les informations publiées pour les établissements et les familles.', roles: [['membership', editor, 'manager']] },
];

function slugify(title: string): string {
  return (
    title
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[’']/g, '-')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80)
      .replace(/-+$/, '') || 'article'
  );
}

async function writeSite(trx: Knex.Transaction, tenantId: string, rubrics: RubricSpec[], articles: ArticleSpec[], defaultAuthor?: string): Promise<number> {
  const at = now().getTime();
  const members = new Map<string, string>(
    (
      await trx('memberships as m')
        .join('accounts as a', 'a.id', 'm.account_id')
        .where('m.tenant_id', tenantId)
        .select('m.id', trx.raw('lower(a.login) as login'))
    ).map((r: { id: string; login: string }) => [r.login, r.id]),
  );
  const rubricIds = new Map<string, string>();
  for (const [position, r] of rubrics.entries()) {
    const id = newId();
    rubricIds.set(r.slug, id);
    await trx('rubrics').insert({
      tenant_id: tenantId,
      id,
      parent_id: r.parent ? rubricIds.get(r.parent) : null,
      slug: r.slug,
      name: r.name,
      description: r.description,
      position,
      visibility: r.visibility ?? 'public',
    });
    const roles = (r.roles ?? [])
      .map(([type, value, role]) => ({ type, value: type === 'membership' ? members.get(value) : value, role }))
      .filter((x) => x.value);
    if (roles.length) {
      await trx('rubric_roles').insert(roles.map((x) => ({ tenant_id: tenantId, rubric_id: id, target_type: x.type, target_value: x.value, role: x.role })));
    }
  }
  const rows = articles.map((a, i) => {
    const { html, text } = sanitizeArticleHtml(a.paragraphs.map((p) => `<p>${p}</p>`).join(''));
    const status = a.status ?? 'published';
    // A fixed hour of the day per article, so that two articles of the same day keep their order.
    const publishAt = new Date(at - a.daysAgo * DAY - (i % 7) * 3600_000);
    return {
      tenant_id: tenantId,
      id: newId(),
      rubric_id: rubricIds.get(a.rubric),
      author_id: members.get(a.author ?? defaultAuthor ?? '') ?? null,
      title: a.title,
      slug: slugify(a.title),
      summary: a.summary,
      body_html: html,
      body_text: text,
      status,
      publish_at: status === 'published' ? publishAt : null,
      published_at: status === 'published' ? publishAt : null,
      expire_at: a.expiredDaysAgo !== undefined ? new Date(at - a.expiredDaysAgo * DAY) : null,
      featured: a.featured ?? false,
      tags: a.tags ?? [],
      created_at: new Date(Math.min(at, publishAt.getTime())),
      updated_at: new Date(Math.min(at, publishAt.getTime())),
    };
  });
  if (rows.length) await trx('articles').insert(rows);
  return rows.length;
}

/** Writes the demo rubrics and articles of every demo tenant that has none yet; returns the articles written. */
export async function seedPublication(): Promise<number> {
  const sites: { slug: string; rubrics: RubricSpec[]; articles: ArticleSpec[]; author?: string }[] = [
    { slug: 'demo-college', rubrics: COLLEGE_RUBRICS, articles: COLLEGE_ARTICLES },
    { slug: 'demo-lycee', rubrics: LYCEE_RUBRICS, articles: LYCEE_ARTICLES },
    ...Object.entries(INSTITUTION_ARTICLES).map(([slug, x]) => ({ slug, rubrics: INSTITUTION_RUBRICS(x.author), articles: x.articles, author: x.author })),
  ];
  const refs: TenantRef[] = await systemDb()('tenants').whereIn('slug', sites.map((s) => s.slug)).select('id', 'slug');
  let written = 0;
  for (const site of sites) {
    const ref = refs.find((r) => r.slug === site.slug);
    if (!ref) continue;
    written += await ownerTenantTx(ref, async (trx) => {
      const existing = await trx('rubrics').where('tenant_id', ref.id).first('id');
      if (existing) return 0;
      return writeSite(trx, ref.id, site.rubrics, site.articles, site.author);
    });
  }
  return written;
}
