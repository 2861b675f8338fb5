/**
 * From the address of a video hosted elsewhere to the address of its privacy-enhanced player, built on the
 * server from a recognised host and a strictly checked id (never from the address as typed): the media tile
 * shows a click-to-load player (nothing is fetched from the host before the click, see static/js/app.js).
 *
 * Hosts are compared exactly (youtube.com.evil.org, evil-youtube.com, youtube.com@evil.org are not YouTube);
 * any other https address stays a plain link card.
 *
 * PeerTube instances are arbitrary hosts while the Content-Security-Policy is one for every school
 * (app/http/security-headers.ts lists the fixed player hosts in frame-src): a PeerTube address is recognised
 * and its embed address computed, but it is marked not embeddable, so its tile stays a link card.
 */

export type VideoProvider = 'youtube' | 'vimeo' | 'dailymotion' | 'peertube';

export interface VideoEmbed {
  provider: VideoProvider;
  id: string;
  /** The player's address (privacy-enhanced variant where the host has one). */
  embedUrl: string;
  /** The host the visitor knows the video from, shown on the card: "youtube.com". */
  siteName: string;
  /** Whether the page may frame it: its player host is one of EMBED_FRAME_HOSTS (the CSP's frame-src). */
  embeddable: boolean;
}

/** The player hosts the CSP's frame-src allows (app/http/security-headers.ts lists exactly these). */
export const EMBED_FRAME_HOSTS = ['www.youtube-nocookie.com', 'player.vimeo.com', 'geo.dailymotion.com'] as const;

const YOUTUBE_ID = /^[A-Za-z0-9_-]{11}$/;
const VIMEO_ID = /^[1-9][0-9]{0,11}$/;
const VIMEO_HASH = /^[0-9a-f]{6,20}$/;
const DAILYMOTION_ID = /^x[0-9a-z]{3,12}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** PeerTube's short uuid: 22 characters of the base58 alphabet (no 0, O, I, l). */
const PEERTUBE_SHORT_ID = /^[1-9A-HJ-NP-Za-km-z]{22}$/;
/** A DNS name of at least two labels (no address literal, no port, no credentials). */
const DNS_NAME = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

const YOUTUBE_HOSTS = new Set(['youtube.com', 'www.youtube.com', 'm.youtube.com', 'music.youtube.com']);
const VIMEO_HOSTS = new Set(['vimeo.com', 'www.vimeo.com']);
const DAILYMOTION_HOSTS = new Set(['dailymotion.com', 'www.dailymotion.com']);

function youtube(id: string | undefined | null): VideoEmbed | null {
  if (!id || !YOUTUBE_ID.test(id)) return null;
  return { provider: 'youtube', id, embedUrl: `https://www.youtube-nocookie.com/embed/${id}`, siteName: 'youtube.com', embeddable: true };
}

/** The path's segments, without empty ones ("/shorts/abc/" → ["shorts", "abc"]). */
function segmentsOf(url: URL): string[] {
  return url.pathname.split('/').filter((s) => s !== '');
}

/** The embed of a video address, or null when it is not one of a recognised host with a valid id. */
export function videoEmbedOf(address: string): VideoEmbed | null {
  let url: URL;
  try {
    url = new URL(address.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return null;
  const host = url.hostname.toLowerCase();
  const seg = segmentsOf(url);

  if (YOUTUBE_HOSTS.has(host)) {
    if (seg.length === 1 && seg[0] === 'watch') return youtube(url.searchParams.get('v'));
    if (seg.length === 2 && ['shorts', 'embed', 'live'].includes(seg[0]!)) return youtube(seg[1]);
    return null;
  }
  if (host === 'youtu.be') return seg.length === 1 ? youtube(seg[0]) : null;
  if (host === 'www.youtube-nocookie.com' || host === 'youtube-nocookie.com') {
    return seg.length === 2 && seg[0] === 'embed' ? youtube(seg[1]) : null;
  }

  if (VIMEO_HOSTS.has(host) || host === 'player.vimeo.com') {
    const parts = host === 'player.vimeo.com' ? (seg[0] === 'video' ? seg.slice(1) : []) : seg;
    const [id, hash] = parts;
    if (!id || !VIMEO_ID.test(id) || parts.length > 2) return null;
    // An unlisted video carries its hash: vimeo.com/<id>/<hash> or ?h=<hash> on the player.
    const h = hash ?? (host === 'player.vimeo.com' ? url.searchParams.get('h') : null);
    if (h != null && !VIMEO_HASH.test(h)) return null;
    const query = h ? `h=${h}&dnt=1` : 'dnt=1';
    return { provider: 'vimeo', id, embedUrl: `https://player.vimeo.com/video/${id}?${query}`, siteName: 'vimeo.com', embeddable: true };
  }

  if (DAILYMOTION_HOSTS.has(host) || host === 'dai.ly') {
    let id: string | undefined;
    if (host === 'dai.ly' && seg.length === 1) id = seg[0];
    // dailymotion.com/video/x8abc12, and the older dailymotion.com/video/x2jvvep_un-titre
    if (host !== 'dai.ly' && seg.length === 2 && seg[0] === 'video') id = seg[1]!.split('_')[0];
    if (!id || !DAILYMOTION_ID.test(id)) return null;
    return { provider: 'dailymotion', id, embedUrl: `https://geo.dailymotion.com/player.html?video=${id}`, siteName: 'dailymotion.com', embeddable: true };
  }

  // PeerTube: any instance, https://<host>/w/<id> or /videos/watch/<id>.
  if (DNS_NAME.test(host)) {
    let id: string | undefined;
    if (seg.length === 2 && seg[0] === 'w') id = seg[1];
    if (seg.length === 3 && seg[0] === 'videos' && seg[1] === 'watch') id = seg[2];
    if (id && (PEERTUBE_SHORT_ID.test(id) || UUID.test(id))) {
      return { provider: 'peertube', id, embedUrl: `https://${host}/videos/embed/${id}`, siteName: host.replace(/^www\./, ''), embeddable: false };
    }
  }
  return null;
}
