import { htmlToText } from '../../lib/html.js';
import sanitizeHtml from 'sanitize-html';

/**
 * Message HTML as stored: a stricter allow-list than articles' (no images, tables, headings, classes, styles,
 * no hx-*, data-*, on* attributes, links only to http(s) and mailto). Headings that trix produces become
 * paragraphs in bold, so a message never breaks its page's outline.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'div', 'strong', 'b', 'em', 'i', 'u', 's', 'del', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'a'],
  allowedAttributes: { a: ['href', 'rel', 'target'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    h1: sanitizeHtml.simpleTransform('strong', {}),
    a: (tagName, attribs) => ({ tagName, attribs: { href: attribs.href ?? '', rel: 'noopener noreferrer nofollow', target: '_blank' } }),
  },
};

/** The safe HTML to store and the plain text (search, e-mail to external addresses, previews). */
export function sanitizeMessageHtml(input: string): { html: string; text: string } {
  const html = sanitizeHtml(input ?? '', OPTIONS).trim();
  return { html, text: htmlToText(html, { keepLines: true }) };
}
