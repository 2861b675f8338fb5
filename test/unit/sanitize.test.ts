(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import { excerpt, sanitizeArticleHtml, undescribedImages } from '../../app/modules/publication/sanitize.js';

// A corpus of XSS and htmx payloads: none may survive in the stored HTML.
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '<img src="/medias/x/640.webp" onerror="alert(1)">',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="data:text/html,<script>alert(1)</script>">x</a>',
  '<svg onload=alert(1)></svg>',
  '<iframe src="https://evil.example"></iframe>',
  '<div hx-get="/admin/services" hx-trigger="load">x</div>',
  '<div data-hx-post="/deconnexion" data-hx-trigger="load">x</div>',
  '<button hx-on:click="alert(1)">x</button>',
  '<form action="/deconnexion" method="post"><button>x</button></form>',
  '<p style="background:url(javascript:alert(1))">x</p>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<object data="x"></object><embed src="x">',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<base href="https://evil.example/">',
  '<img src="https://evil.example/track.gif">',
  '<a href="//evil.example">x</a>',
  '<p onclick="alert(1)">x</p>',
  '<input autofocus onfocus=alert(1)>',
];

describe('article HTML sanitizer', () => {
  it.each(PAYLOADS)('neutralises %s', (payload) => {
    const { html } = sanitizeArticleHtml(`<p>avant</p>${payload}<p>après</p>`);
    expect(html).not.toMatch(/<script|<iframe|<svg|<object|<embed|<meta|<base|<form|<input|<style|<button/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/hx-|data-/i);
    expect(html).not.toMatch(/javascript:|data:text/i);
    expect(html).not.toMatch(/evil\.example/);
    expect(html).not.toMatch(/style=/i);
    expect(html).toContain('<p>avant</p>');
  });

  it('keeps the formatting trix produces and shifts headings under the page title', () => {
    const { html, text } = sanitizeArticleHtml(
      '<h1>Sortie</h1><div>Le <strong>jeudi</strong> et <em>vendredi</em><br>suivant</div><ul><li>un</li></ul><blockquote>cité</blockquote>',
    );
    expect(html).toBe('<h2>Sortie</h2><div>Le <strong>jeudi</strong> et <em>vendredi</em><br />suivant</div><ul><li>un</li></ul><blockquote>cité</blockquote>');
    expect(text).toBe('Sortie Le jeudi et vendredi suivant un cité');
  });

  it('opens external links safely and keeps local ones as they are', () => {
    const { html } = sanitizeArticleHtml('<a href="https://www.education.gouv.fr">site</a> <a href="/rubriques/vie">local</a>');
    expect(html).toContain('<a href="https://www.education.gouv.fr" rel="noopener noreferrer" target="_blank">site</a>');
    expect(html).toContain('<a href="/rubriques/vie">local</a>');
  });

  it('keeps images of this site only, lazily loaded', () => {
    const { html } = sanitizeArticleHtml('<img src="/medias/abc/640.webp" alt="La classe"><img src="https://elsewhere.example/a.png" alt="x">');
    expect(html).toBe('<img src="/medias/abc/640.webp" alt="La classe" loading="lazy" />');
  });

  it('cuts excerpts on a word', () => {
    expect(excerpt('un deux trois quatre', 100)).toBe('un deux trois quatre');
    expect(excerpt('Les élèves de troisième partent en voyage à Strasbourg au mois de mai', 40)).toBe('Les élèves de troisième partent en…');
  });
});

describe('images of the body must be described', () => {
  it('counts images with neither alt nor caption', () => {
    const body = (html: string) => undescribedImages(sanitizeArticleHtml(html).html);
    expect(body('<p>texte</p>')).toBe(0);
    expect(body('<img src="/medias/a/640.webp" alt="La cour">')).toBe(0);
    expect(body('<img src="/medias/a/640.webp">')).toBe(1);
    expect(body('<figure><img src="/medias/a/640.webp"><figcaption>Le potager en mai</figcaption></figure>')).toBe(0);
    // trix's default caption is the file's name and size
    expect(body('<figure><img src="/medias/a/640.webp"><figcaption><span>tomates.jpg</span> <span>45.3 KB</span></figcaption></figure>')).toBe(1);
    expect(body('<figure><img src="/medias/a/640.webp"><figcaption> </figcaption></figure><img src="/medias/b/640.webp" alt="">')).toBe(2);
  });
});
