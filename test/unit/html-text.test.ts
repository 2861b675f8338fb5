(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlToText } from '../../app/lib/html.js';

// One HTML → text for articles (search, excerpts), messages (e-mails, previews) and external feed titles.
describe('htmlToText', () => {
  it('drops tags, keeps words apart at block ends, decodes what sanitize-html leaves encoded', () => {
    expect(htmlToText('<h2>Titre</h2><p>Un&nbsp;<strong>beau</strong> voyage</p><ul><li>A &amp; B</li><li>&lt;C&gt; “d’été”</li></ul>')).toBe(
      'Titre Un beau voyage A & B <C> “d’été”',
    );
    expect(htmlToText('Sortie&nbsp;au <em>musée</em>\n\n  jeudi')).toBe('Sortie au musée jeudi');
    expect(htmlToText(null)).toBe('');
  });

  it('keeps lines when asked (messages), at most one blank line in a row', () => {
    expect(htmlToText('<div>Bonjour,</div><div><br></div><div><br></div><div>la sortie a lieu   jeudi.</div>', { keepLines: true })).toBe(
      'Bonjour,\n\nla sortie a lieu jeudi.',
    );
  });

  it('never lets markup through, even encoded', () => {
    expect(htmlToText('<script>alert(1)</script>&lt;b&gt;gras&lt;/b&gt;')).toBe('<b>gras</b>');
    expect(escapeHtml(htmlToText('&lt;img src=x onerror=alert(1)&gt;'))).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });
});
