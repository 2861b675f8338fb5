import sanitizeHtml from 'sanitize-html';

/** Escapes text for HTML the server builds itself (quoted replies, mail bodies, search highlights). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// The ends of blocks and line breaks: where the text gets a space (or a line) so words do not run together.
const BLOCK_END = /<\/(p|div|h\d|li|blockquote|pre|tr|figcaption)>|<br\s*\/?>/gi;
// What sanitize-html leaves encoded in text, and the no-break space editors produce.
const ENTITIES: Record<string, string> = { '&nbsp;': ' ', '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/**
 * The plain text of an HTML fragment (search, excerpts, e-mails, feed titles): tags dropped, entities
 * decoded, whitespace collapsed — into single spaces, or with `keepLines` into lines (at most one blank one).
 */
export function htmlToText(html: string | null | undefined, opts: { keepLines?: boolean } = {}): string {
  const marked = (html ?? '').replace(BLOCK_END, opts.keepLines ? '$&\n' : '$& ');
  const text = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {} }).replace(/&(nbsp|amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);
  return (opts.keepLines ? text.replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n') : text.replace(/\s+/g, ' ')).trim();
}
