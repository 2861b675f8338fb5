import { htmlToText } from '../../lib/html.js';
import sanitizeHtml from 'sanitize-html';

/**
 * Article HTML as stored: an allow-list of tags and attributes (no hx-*, data-*, on*, style, no javascript:
 * or data: links), links opened safely, headings shifted below the page's own h1 so the outline stays valid.
 * Trix produces h1 for its single heading level; an article page has its title as h1, so h1 → h2, h2 → h3…
 */
const ALLOWED_TAGS = [
  'p', 'br', 'div', 'span', 'strong', 'b', 'em', 'i', 'u', 's', 'del', 'sub', 'sup', 'mark', 'small',
  'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'a', 'hr',
  'figure', 'figcaption', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'caption',
];

const SHIFT: Record<string, string> = { h1: 'h2', h2: 'h3', h3: 'h4', h4: 'h5', h5: 'h6', h6: 'h6' };

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ALLOWED_TAGS,
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'width', 'height', 'srcset', 'sizes', 'loading'],
    th: ['scope', 'colspan', 'rowspan'],
    td: ['colspan', 'rowspan'],
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: [] }, // images only from this site (relative URLs)
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    ...Object.fromEntries(Object.entries(SHIFT).map(([from, to]) => [from, sanitizeHtml.simpleTransform(to, {})])),
    a: (tagName, attribs) => {
      const external = /^https?:\/\//i.test(attribs.href ?? '');
      const out: Record<string, string> = { href: attribs.href ?? '' };
      if (attribs.title) out.title = attribs.title;
      if (external) {
        out.rel = 'noopener noreferrer';
        out.target = '_blank';
      }
      return { tagName, attribs: out };
    },
    // Every picture gets an alternative: one inserted in trix without any is described by its caption.
    img: (tagName, attribs) => ({ tagName, attribs: { ...attribs, alt: attribs.alt ?? '', loading: 'lazy' } }),
  },
  exclusiveFilter: (frame) => frame.tag === 'img' && !/^\/(medias|static)\//.test(frame.attribs.src ?? ''),
};

export interface SanitizedArticle {
  /** Safe HTML to store and render (inside an element that htmx ignores). */
  html: string;
  /** The plain text, for search and excerpts. */
  text: string;
}

export function sanitizeArticleHtml(input: string): SanitizedArticle {
  const html = sanitizeHtml(input ?? '', OPTIONS).trim();
  return { html, text: htmlToText(html) };
}

/** A plain excerpt of at most `max` characters, cut on a word. */
export function excerpt(text: string, max = 220): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), max - 30)).trim()}…`;
}

const IMG = /<img\b[^>]*>/g;
const withoutAlt = (html: string) => (html.match(IMG) ?? []).filter((tag) => !/\balt="[^"]*[^"\s][^"]*"/.test(tag)).length;

/**
 * How many images of a sanitized body are described neither by an alternative text nor by a caption (trix
 * writes an image with its "légende" as <figure><img><figcaption>…</figcaption></figure>). Publishing asks
 * for none: an editor cannot publish an image nobody described.
 */
export function undescribedImages(html: string): number {
  let count = 0;
  const outside = html.replace(/<figure>([\s\S]*?)<\/figure>/g, (_whole, inner: string) => {
    const caption = /<figcaption>([\s\S]*?)<\/figcaption>/.exec(inner)?.[1].replace(/<[^>]*>/g, '').trim() ?? '';
    // Without a caption of its own, trix shows the file's name and size there: that describes nothing.
    const onlyFileName = /^\S+\.(jpe?g|png|webp|gif|avif|heic)(\s+[\d.,]+\s*[KMGk]?o?B?)?$/i.test(caption);
    if (!caption || onlyFileName) count += withoutAlt(inner);
    return '';
  });
  return count + withoutAlt(outside);
}
