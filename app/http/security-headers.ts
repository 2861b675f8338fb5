/**
 * Headers: a CSP without inline script or style (scripts are static files), no framing, no sniffing; HSTS only
 * behind TLS. They are the same for every response, so they are built once, not per request.
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // trix (the article editor) inserts two <style> elements of its own, empty first and then filled: the
  // empty text and their exact contents are allowed by hash (trix 2.1; the editor's browser test fails on
  // any CSP violation if an upgrade changes them).
  "style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' 'sha256-c5Z9aB2t69CSpeI1aC8dDLr7LZYZlynV8iY/8Uc9ZFk=' 'sha256-jAP18ioNeNaQBBU5RJvT96kjJnVxHvZs+s8WUNiLnvA='",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  // The media tile's click-to-load video players (app/modules/homepage/video-embed.ts, EMBED_FRAME_HOSTS).
  "frame-src https://www.youtube-nocookie.com https://player.vimeo.com https://geo.dailymotion.com",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
const PLAIN_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const TLS_HEADERS: Record<string, string> = {
  ...PLAIN_HEADERS,
  'Content-Security-Policy': `${CSP}; upgrade-insecure-requests`,
  'Strict-Transport-Security': 'max-age=31536000',
};

export function securityHeadersFor(https: boolean): Record<string, string> {
  return https ? TLS_HEADERS : PLAIN_HEADERS;
}
