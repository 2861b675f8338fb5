/**
 * `node --import tsx test/bench/synthetic-articles.ts <count>`: gives demo-college <count> synthetic live
 * articles (in a public rubric of their own, "Archives (banc d'essai)", so the demo rubric pages keep their
 * size) for measuring the search over a large school. Run by test/bench/run.ts when BENCH_ARTICLES is set,
 * BEFORE the server starts (PGlite allows one process per data directory): it migrates and seeds the demo
 * itself when needed, with the same environment as the server. Deterministic texts (a seeded generator over a
 * French school vocabulary), dates spread over the last three years; written as the owner role in batches.
 * Idempotent: a school that already has that many synthetic articles is left as it is. Prints one JSON line.
 */
import { config } from '../../app/config.js';
import { openAndUse, prepare } from '../../app/boot.js';
import { ownerTenantTx, systemDb } from '../../app/db/index.js';
import { demoIsSeeded, seedDemo } from '../../app/db/seed-demo.js';
import { newId } from '../../app/lib/ids.js';
import { sanitizeArticleHtml } from '../../app/modules/publication/sanitize.js';

const TENANT = 'demo-college';
const RUBRIC_SLUG = 'archives-banc-d-essai';
const BATCH = 500;
const DAY = 24 * 3600 * 1000;

// A school site's words; each body draws 80 of them, so a word is in about a third of the articles.
const WORDS = `élèves collège classe professeur professeure parents réunion sortie voyage musée théâtre cinéma
bibliothèque CDI lecture écriture poésie concours mathématiques français histoire géographie sciences physique
chimie biologie technologie anglais espagnol allemand latin musique chorale orchestre arts plastiques dessin
peinture sculpture sport gymnase piscine natation athlétisme football handball basket volley rugby tennis
cross course relais championnat académie région département mairie conseil délégués vie scolaire cantine menu
repas cuisine jardin potager environnement climat énergie recyclage déchets tri eau forêt nature oiseaux
insectes randonnée montagne mer plage neige ski printemps été automne hiver rentrée vacances trimestre bulletin
notes examen brevet oral stage entreprise métier orientation lycée avenir projet atelier club journal radio
vidéo photographie exposition spectacle fête carnaval kermesse marché solidarité association collecte
bénévoles santé sommeil alimentation prévention harcèlement citoyenneté égalité laïcité mémoire commémoration
armistice résistance patrimoine château cathédrale abbaye village ville quartier transport bus vélo sécurité
numérique ordinateur tablette robot programmation code internet réseau échange correspondants Europe Erasmus
Allemagne Espagne Italie Angleterre découverte expérience observation microscope laboratoire planète étoiles
astronomie fusée météo saison calendrier emploi du temps devoirs cahier manuel dictionnaire grammaire
conjugaison orthographe roman conte fable auteur rencontre illustrateur bande dessinée manga débat éloquence
chanson danse hip-hop jazz concert répétition costume décor scène public applaudissements remise prix diplôme
félicitations récompense équipe victoire finale médaille podium entraînement effort réussite progrès`
  .split(/\s+/)
  .filter(Boolean);

/** mulberry32: a small seeded generator, so every run writes the same texts. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentence(rand: () => number, n: number): string {
  const words = Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]);
  const s = words.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

function slugOf(s: string): string {
  return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

async function main(): Promise<void> {
  const count = Number(process.argv[2]);
  if (!Number.isInteger(count) || count < 1 || count > 200_000) throw new Error('usage: synthetic-articles.ts <count between 1 and 200000>');
  const cfg = config();
  const database = await openAndUse(cfg);
  try {
    await prepare(database, cfg);
    if (cfg.demo && !(await demoIsSeeded())) await seedDemo();
    const tenant = await systemDb()('tenants').where({ slug: TENANT }).first('id', 'slug');
    if (!tenant) throw new Error(`no school ${TENANT}: is the demo seeded (DEMO=on)?`);
    const started = Date.now();
    const rubricId = await ownerTenantTx(tenant, async (trx) => {
      const existing = await trx('rubrics').where({ tenant_id: tenant.id, slug: RUBRIC_SLUG }).first('id');
      if (existing) return existing.id as string;
      const id = newId();
      await trx('rubrics').insert({
        tenant_id: tenant.id,
        id,
        slug: RUBRIC_SLUG,
        name: 'Archives (banc d’essai)',
        description: 'Articles synthétiques pour mesurer la recherche.',
        position: 99,
        visibility: 'public',
      });
      return id;
    });
    const already = await ownerTenantTx(tenant, async (trx) =>
      Number((await trx('articles').where({ tenant_id: tenant.id, rubric_id: rubricId }).count('* as n'))[0].n),
    );
    const rand = generator(20261123 + already);
    const at = Date.now();
    let written = 0;
    for (let from = already; from < count; from += BATCH) {
      const rows: Record<string, unknown>[] = [];
      for (let i = from; i < Math.min(count, from + BATCH); i++) {
        const title = `${sentence(rand, 5).slice(0, -1)} (${i + 1})`;
        const paragraphs = Array.from({ length: 4 }, () => `<p>${sentence(rand, 10)} ${sentence(rand, 10)}</p>`);
        const { html, text } = sanitizeArticleHtml(paragraphs.join(''));
        const publishAt = new Date(at - Math.floor(rand() * 3 * 365 * DAY) - DAY);
        rows.push({
          tenant_id: tenant.id,
          id: newId(),
          rubric_id: rubricId,
          title,
          slug: slugOf(title),
          summary: '',
          body_html: html,
          body_text: text,
          status: 'published',
          publish_at: publishAt,
          published_at: publishAt,
          created_at: publishAt,
          updated_at: publishAt,
        });
      }
      await ownerTenantTx(tenant, (trx) => trx('articles').insert(rows));
      written += rows.length;
    }
    const stats = await ownerTenantTx(tenant, async (trx) => {
      await trx.raw('analyze articles');
      const { rows } = await trx.raw(
        `select count(*)::int as live,
           count(*) filter (where search @@ websearch_to_tsquery('preau_french', 'eleves college'))::int as matching
         from articles where tenant_id = ? and status = 'published' and deleted_at is null`,
        [tenant.id],
      );
      return rows[0] as { live: number; matching: number };
    });
    console.log(JSON.stringify({ written, seconds: (Date.now() - started) / 1000, liveArticles: stats.live, matchingElevesCollege: stats.matching }));
  } finally {
    await database.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
