import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { views } from '../../app/http/render.js';
import { tileSettingsParser, tileView, TILE_TYPE_NAMES, type HomeData, type Tile } from '../../app/modules/homepage/tiles.js';

/** Each tile type: good settings render well-formed, accessible HTML; bad settings are refused with a French message. */

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/** Well-formed (every element closed in order), and the accessibility basics: images have alt, ids unique, labelled sections. */
function checkHtml(html: string): { tags: string[]; problems: string[] } {
  const stack: string[] = [];
  const problems: string[] = [];
  const tags: string[] = [];
  const ids = new Set<string>();
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        tags.push(name);
        if (attrs.id) {
          if (ids.has(attrs.id)) problems.push(`duplicate id ${attrs.id}`);
          ids.add(attrs.id);
        }
        if (name === 'img' && attrs.alt === undefined) problems.push('img without alt');
        if (name === 'a' && !attrs.href) problems.push('a without href');
        if (name === 'script' || name === 'iframe' || attrs.style !== undefined || Object.keys(attrs).some((k) => k.startsWith('on'))) problems.push(`forbidden ${name}`);
        if (!VOID.has(name)) stack.push(name);
      },
      onclosetag(name, implied) {
        if (VOID.has(name)) return;
        const top = stack.pop();
        if (top !== name || implied) problems.push(`unbalanced </${name}> (open: ${top})`);
      },
    },
    { lowerCaseTags: true, recognizeSelfClosing: false },
  );
  parser.write(html);
  parser.end();
  if (stack.length) problems.push(`unclosed ${stack.join(',')}`);
  return { tags, problems };
}

const IMAGE = '11111111-1111-4111-8111-111111111111';
const ART = '22222222-2222-4222-8222-222222222222';
const RUB = '33333333-3333-4333-8333-333333333333';
const picture = { webpSrcset: `/medias/${IMAGE}/320.webp 320w`, jpegSrcset: `/medias/${IMAGE}/320.jpg 320w`, src: `/medias/${IMAGE}/320.jpg`, largest: '', width: 320, height: 200, alt: 'Le CDI' };
const article = (title: string, extra: object = {}) => ({
  id: ART,
  title,
  url: `/articles/${ART}/a`,
  iso: '2026-11-20T08:00:00.000Z',
  publish_at: '2026-11-20T08:00:00.000Z',
  excerpt: 'Un extrait.',
  rubric_id: RUB,
  rubric_name: 'Vie du collège',
  picture,
  ...extra,
});
const data: HomeData = {
  articles: [article('Sortie au musée')],
  selected: [article('Article choisi')],
  institutions: [article('Nouvelle de l’académie', { source: 'Académie de démonstration', url: 'https://academie.example/articles/x/y', picture: null })],
  rubrics: [{ id: RUB, slug: 'vie', name: 'Vie du collège', description: 'Ce qui se passe.' }],
  media: new Map([[IMAGE, { id: IMAGE, alt: 'Le CDI', picture }]]),
  feeds: new Map([
    [
      'https://www.education.gouv.fr/flux.xml',
      {
        items: [
          { title: 'Calendrier scolaire 2027 <b>publié</b>', url: 'https://www.education.gouv.fr/calendrier', date: '2026-11-20T08:00:00.000Z' },
          { title: 'Sans date', url: 'https://www.education.gouv.fr/x', date: null },
        ],
        fetchedAt: new Date('2026-11-23T13:40:00Z'),
      },
    ],
  ]),
  contact: {},
  notices: [{ id: ART, level: 'alert', title: 'Collège fermé demain', body: 'Tempête annoncée.', link_url: null, starts_at: new Date(), ends_at: null }],
  events: [{ starts_at: new Date('2026-12-01T17:30:00Z'), ends_at: null, all_day: false, title: 'Conseil de classe', place: 'Salle 12' }],
};

const GOOD: Record<string, { settings: Record<string, unknown>; expect: string[] }> = {
  news: { settings: { title: 'Actualités', limit: 5 }, expect: ['Sortie au musée', 'Nouvelle de l’académie', 'Source : Académie de démonstration'] },
  latest: { settings: { limit: 3 }, expect: ['Dernières publications', 'Sortie au musée'] },
  rubrics: { settings: {}, expect: ['<a href="/rubriques/vie">Vie du collège</a>'] },
  selection: { settings: { ids: [ART] }, expect: ['Article choisi'] },
  text: { settings: { title: 'Mot du principal', html: '<p>Bonjour <strong>à tous</strong></p><script>alert(1)</script>' }, expect: ['<div class="tile-text" hx-ignore><p>Bonjour <strong>à tous</strong></p>'] },
  contact: {
    settings: { address: '1 rue de l’École, Paris', phone: '01 23 45 67 89', email: 'ce@example.fr', hours: 'Lundi 8 h – 17 h' },
    expect: ['href="tel:0123456789"', 'href="mailto:ce@example.fr"', '<summary>Afficher le plan d’accès</summary>', 'https://www.openstreetmap.org/search?query=1%20rue%20de%20l%E2%80%99%C3%89cole%2C%20Paris'],
  },
  media: { settings: { mediaId: IMAGE, caption: 'Le nouveau CDI', alt: 'Le CDI rénové' }, expect: ['<figcaption>Le nouveau CDI</figcaption>', 'alt="Le CDI rénové"'] },
  feed: {
    settings: { title: 'Ministère', url: 'https://www.education.gouv.fr/flux.xml', limit: 5 },
    expect: ['<a href="https://www.education.gouv.fr/calendrier" rel="noopener noreferrer external nofollow">Calendrier scolaire 2027 &lt;b&gt;publié&lt;/b&gt;', 'Sans date', 'Source : education.gouv.fr · mis à jour le 23 nov. 2026'],
  },
  social: { settings: { network: 'facebook', url: 'https://www.facebook.com/college', label: 'Collège sur Facebook' }, expect: ['href="https://www.facebook.com/college"', 'Suivez-nous sur Facebook'] },
  notices: { settings: {}, expect: ['role="alert"', 'Collège fermé demain', '<h2 id="notices-title"'] },
  agenda: { settings: { limit: 3 }, expect: ['Conseil de classe', 'Salle 12', '<time datetime="2026-12-01T17:30:00.000Z">1 déc. 2026, 18:30</time>', 'href="/agenda"'] },
};

const BAD: Record<string, { settings: unknown; field: string; message: RegExp }> = {
  news: { settings: { limit: 50 }, field: 'limit', message: /Au plus 10/ },
  latest: { settings: { limit: 'beaucoup' }, field: 'limit', message: /nombre/ },
  rubrics: { settings: { title: 'x'.repeat(200) }, field: 'title', message: /120 caractères/ },
  selection: { settings: { ids: [] }, field: 'ids', message: /au moins un article/ },
  text: { settings: { html: '<p> </p><script>x</script>' }, field: 'html', message: /vide/ },
  contact: { settings: { email: 'pas-une-adresse' }, field: 'email', message: /Adresse électronique non valide/ },
  media: { settings: { caption: 'sans image' }, field: 'mediaId', message: /Choisissez une image/ },
  social: { settings: { network: 'facebook', url: 'https://evil.example/page', label: 'x' }, field: 'url', message: /facebook\.com ou x\.com/ },
  feed: { settings: { url: 'javascript:alert(1)' }, field: 'url', message: /http ou https/ },
  notices: { settings: { title: 'Annonces' }, field: '_', message: /pas de réglage/ },
  agenda: { settings: { limit: 0 }, field: 'limit', message: /Au moins 1/ },
};

describe('tile registry', () => {
  it('covers every tile type in both tables below', () => {
    expect(Object.keys(GOOD).sort()).toEqual([...TILE_TYPE_NAMES].sort());
    expect(Object.keys(BAD).sort()).toEqual([...TILE_TYPE_NAMES].sort());
  });

  for (const type of TILE_TYPE_NAMES) {
    it(`${type}: renders well-formed, accessible HTML from good settings`, () => {
      const parsed = tileSettingsParser(type, GOOD[type].settings);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const tile: Tile = { id: '44444444-4444-4444-8444-444444444444', type, width: 1, hidden: false, settings: parsed.settings };
      const html = views.render('homepage/_tiles.njk', { homepage: { tiles: [{ tile, template: `tiles/${type}.njk`, view: tileView(tile, data) }] } });
      const { tags, problems } = checkHtml(html);
      expect(problems).toEqual([]);
      for (const e of GOOD[type].expect) expect(html).toContain(e);
      // A labelled region: its heading carries the id the section points at (or the section has a label).
      const labelledBy = html.match(/aria-labelledby="([^"]+)"/)?.[1];
      if (labelledBy) expect(html).toMatch(new RegExp(`<h2 id="${labelledBy}"( class="[^"]*")?>`));
      else expect(html).toContain('aria-label=');
      expect(tags).not.toContain('script');
      expect(tags).not.toContain('iframe');
    });

    it(`${type}: refuses bad settings with a French message on the field`, () => {
      const parsed = tileSettingsParser(type, BAD[type].settings);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.errors[BAD[type].field]).toMatch(BAD[type].message);
    });
  }

  it('media: a hosted video is a link card with its caption, nothing embedded; a video needs an https address and a caption', () => {
    const parsed = tileSettingsParser('media', { kind: 'video', videoUrl: 'https://www.youtube.com/watch?v=abc', caption: 'La chorale du collège' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const tile: Tile = { id: ART, type: 'media', width: 1, hidden: false, settings: parsed.settings };
    const html = views.render('homepage/_tiles.njk', { homepage: { tiles: [{ tile, template: 'tiles/media.njk', view: tileView(tile, data) }] } });
    expect(checkHtml(html).problems).toEqual([]);
    expect(html).toContain('aria-label="Vidéo"');
    expect(html).toContain('href="https://www.youtube.com/watch?v=abc"');
    expect(html).toContain('Regarder la vidéo sur youtube.com');
    expect(html).toContain('<figcaption>La chorale du collège</figcaption>');
    expect(html).not.toMatch(/<(iframe|video|img)/);
    const bad = tileSettingsParser('media', { kind: 'video', videoUrl: 'http://video.example/x', caption: '' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors.videoUrl).toMatch(/https/);
    expect(bad.errors.caption).toMatch(/légende/);
  });

  it('feed: refuses loopback and private addresses when the policy does not allow them', async () => {
    const { feedPolicy } = await import('../../app/modules/homepage/external-feed.js');
    const before = feedPolicy.allowPrivate;
    feedPolicy.allowPrivate = false;
    try {
      for (const url of ['http://127.0.0.1:8080/flux.xml', 'http://localhost/flux.xml', 'http://10.1.2.3/rss', 'http://[::1]/rss', 'http://169.254.169.254/latest']) {
        const r = tileSettingsParser('feed', { url });
        expect(r.ok, url).toBe(false);
        if (!r.ok) expect(r.errors.url).toMatch(/Internet/);
      }
      expect(tileSettingsParser('feed', { url: 'https://www.education.gouv.fr/flux.xml' }).ok).toBe(true);
    } finally {
      feedPolicy.allowPrivate = before;
    }
  });

  it('refuses an unknown type', () => {
    expect(tileSettingsParser('iframe', {})).toEqual({ ok: false, errors: { type: 'Type de tuile inconnu.' } });
  });

  it('news: only the chosen rubrics, institutions optional, newest first, limited', () => {
    const other = { ...article('Autre rubrique'), rubric_id: '55555555-5555-4555-8555-555555555555', iso: '2026-11-21T08:00:00.000Z' };
    const d = { ...data, articles: [...data.articles, other] };
    const tile = (settings: object): Tile => ({ id: ART, type: 'news', width: 2, hidden: false, settings: (tileSettingsParser('news', settings) as any).settings });
    const titles = (t: Tile) => (tileView(t, d).articles as any[]).map((a) => a.title);
    expect(titles(tile({}))).toEqual(['Autre rubrique', 'Sortie au musée', 'Nouvelle de l’académie']);
    expect(titles(tile({ rubricIds: [RUB], institutions: false }))).toEqual(['Sortie au musée']);
    expect(titles(tile({ limit: 1 }))).toEqual(['Autre rubrique']);
  });
});
