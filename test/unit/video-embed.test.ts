(globalThis as any).__noDatabase = true;
import { describe, expect, it } from 'vitest';
import { securityHeadersFor } from '../../app/http/security-headers.js';
import { tileSettingsParser, tileView, type HomeData, type Tile } from '../../app/modules/homepage/tiles.js';
import { EMBED_FRAME_HOSTS, videoEmbedOf } from '../../app/modules/homepage/video-embed.js';

const YT = 'dQw4w9WgXcQ';

describe('videoEmbedOf: a video address → its privacy-enhanced player, built from a checked id', () => {
  it.each([
    [`https://www.youtube.com/watch?v=${YT}`, `https://www.youtube-nocookie.com/embed/${YT}`],
    [`https://youtube.com/watch?v=${YT}&t=42s&list=PL123`, `https://www.youtube-nocookie.com/embed/${YT}`],
    [`https://m.youtube.com/watch?feature=share&v=${YT}`, `https://www.youtube-nocookie.com/embed/${YT}`],
    [`https://youtu.be/${YT}`, `https://www.youtube-nocookie.com/embed/${YT}`],
    [`https://youtu.be/${YT}?si=abcdef`, `https://www.youtube-nocookie.com/embed/${YT}`],
    ['https://www.youtube.com/shorts/a-b_C1d2E3f', 'https://www.youtube-nocookie.com/embed/a-b_C1d2E3f'],
    ['  https://WWW.YOUTUBE.COM/shorts/a-b_C1d2E3f/  ', 'https://www.youtube-nocookie.com/embed/a-b_C1d2E3f'],
    ['https://vimeo.com/76979871', 'https://player.vimeo.com/video/76979871?dnt=1'],
    ['https://vimeo.com/76979871/8272103f6e', 'https://player.vimeo.com/video/76979871?h=8272103f6e&dnt=1'],
    ['https://player.vimeo.com/video/76979871', 'https://player.vimeo.com/video/76979871?dnt=1'],
    ['https://www.dailymotion.com/video/x8abc12', 'https://geo.dailymotion.com/player.html?video=x8abc12'],
    ['https://www.dailymotion.com/video/x2jvvep_un-ancien-titre', 'https://geo.dailymotion.com/player.html?video=x2jvvep'],
    ['https://dai.ly/x8abc12', 'https://geo.dailymotion.com/player.html?video=x8abc12'],
  ])('%s → %s', (address, embedUrl) => {
    const e = videoEmbedOf(address);
    expect(e?.embedUrl).toBe(embedUrl);
    expect(e?.embeddable).toBe(true);
  });

  it('names the site the visitor knows the video from', () => {
    expect(videoEmbedOf(`https://youtu.be/${YT}`)).toMatchObject({ provider: 'youtube', id: YT, siteName: 'youtube.com' });
    expect(videoEmbedOf('https://vimeo.com/76979871')).toMatchObject({ provider: 'vimeo', id: '76979871', siteName: 'vimeo.com' });
    expect(videoEmbedOf('https://dai.ly/x8abc12')).toMatchObject({ provider: 'dailymotion', id: 'x8abc12', siteName: 'dailymotion.com' });
  });

  it('recognises PeerTube addresses on any instance but never marks them embeddable (the CSP is one for every school)', () => {
    const short = videoEmbedOf('https://tube.ac-lyon.fr/w/9c9de5e8-0a1e-484a-b099-e80766180a6d');
    expect(short).toMatchObject({ provider: 'peertube', embedUrl: 'https://tube.ac-lyon.fr/videos/embed/9c9de5e8-0a1e-484a-b099-e80766180a6d', embeddable: false });
    const b58 = videoEmbedOf('https://framatube.org/w/kkGMgK9ZtnKfYAgnEtQxbv');
    expect(b58).toMatchObject({ provider: 'peertube', embedUrl: 'https://framatube.org/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv', embeddable: false });
    const old = videoEmbedOf('https://peertube.example.org/videos/watch/9c9de5e8-0a1e-484a-b099-e80766180a6d');
    expect(old?.embedUrl).toBe('https://peertube.example.org/videos/embed/9c9de5e8-0a1e-484a-b099-e80766180a6d');
    // base58 has no 0, O, I, l; a playlist is not a video; an IP address is not an instance
    expect(videoEmbedOf('https://framatube.org/w/0kGMgK9ZtnKfYAgnEtQxbv')).toBeNull();
    expect(videoEmbedOf('https://framatube.org/w/p/kkGMgK9ZtnKfYAgnEtQxbv')).toBeNull();
    expect(videoEmbedOf('https://192.168.1.2/w/kkGMgK9ZtnKfYAgnEtQxbv')).toBeNull();
  });

  it.each([
    // ids that are not ids
    'https://www.youtube.com/watch?v=abc',
    `https://www.youtube.com/watch?v=${YT}x`,
    'https://www.youtube.com/watch?v=dQw4w9WgX%22',
    'https://www.youtube.com/watch?v=dQw4w9WgX"><',
    'https://youtu.be/dQw4w9WgX/Q',
    'https://www.youtube.com/shorts/',
    'https://www.youtube.com/channel/UC1234567890',
    'https://www.youtube.com/watch',
    'https://vimeo.com/abc',
    'https://vimeo.com/0123',
    'https://vimeo.com/76979871/not-a-hash',
    'https://vimeo.com/channels/staffpicks/76979871',
    'https://www.dailymotion.com/video/<script>',
    'https://www.dailymotion.com/video/8abc12',
    'https://dai.ly/x8abc12/more',
    // lookalike hosts and tricks
    `https://youtube.com.evil.org/watch?v=${YT}`,
    `https://evilyoutube.com/watch?v=${YT}`,
    `https://www.youtube.com@evil.org/watch?v=${YT}`,
    `https://user:pass@www.youtube.com/watch?v=${YT}`,
    `https://www.youtube.com:8443/watch?v=${YT}`,
    `https://youtu.be.evil.org/${YT}`,
    'https://vimeo.com.evil.org/76979871',
    'https://player.vimeo.com.evil.org/video/76979871',
    'https://dailymotion.com.evil.org/video/x8abc12',
    'https://notdai.ly/x8abc12',
    // not https, not a URL
    `http://www.youtube.com/watch?v=${YT}`,
    `javascript:alert(1)//https://youtu.be/${YT}`,
    `//youtu.be/${YT}`,
    'pas une adresse',
    '',
  ])('refuses %s', (address) => {
    const e = videoEmbedOf(address);
    // lookalike hosts with a PeerTube-like path could still be a PeerTube instance, but never an embeddable one
    expect(e === null || (e.provider === 'peertube' && !e.embeddable)).toBe(true);
    expect(e?.embeddable ?? false).toBe(false);
  });

  it('a lookalike host is never taken for the real one', () => {
    expect(videoEmbedOf(`https://youtube.com.evil.org/watch?v=${YT}`)).toBeNull();
    expect(videoEmbedOf(`https://www.youtube.com@evil.org/watch?v=${YT}`)).toBeNull();
  });

  it('the players an embed may use are exactly the hosts of the CSP frame-src, which keeps frame-ancestors none', () => {
    for (const https of [false, true]) {
      const csp = securityHeadersFor(https)['Content-Security-Policy']!;
      const frameSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('frame-src '));
      expect(frameSrc?.split(' ').slice(1).sort()).toEqual(EMBED_FRAME_HOSTS.map((h) => `https://${h}`).sort());
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/frame-src[^;]*(https:(?!\/\/)|\*)/);
    }
    for (const address of [`https://youtu.be/${YT}`, 'https://vimeo.com/76979871', 'https://dai.ly/x8abc12']) {
      expect(EMBED_FRAME_HOSTS).toContain(new URL(videoEmbedOf(address)!.embedUrl).hostname);
    }
  });
});

describe('the media tile with a video', () => {
  const data = { media: new Map() } as unknown as HomeData;
  const view = (videoUrl: string) => {
    const parsed = tileSettingsParser('media', { kind: 'video', videoUrl, caption: 'La chorale en concert' });
    expect(parsed.ok).toBe(true);
    const tile: Tile = { id: '22222222-2222-4222-8222-222222222222', type: 'media', width: 1, hidden: false, settings: parsed.ok ? parsed.settings : {} };
    return tileView(tile, data) as { video: { url: string; host: string; player: { embedUrl: string; site: string; title: string } | null } };
  };

  it('gets a player for a recognised host, titled by its caption, and keeps the original address', () => {
    expect(view(`https://youtu.be/${YT}`).video).toEqual({
      url: `https://youtu.be/${YT}`,
      host: 'youtu.be',
      player: { embedUrl: `https://www.youtube-nocookie.com/embed/${YT}`, site: 'youtube.com', title: 'Vidéo : La chorale en concert' },
    });
  });

  it('stays a link card for PeerTube, an unknown host or a bad id', () => {
    expect(view('https://framatube.org/w/kkGMgK9ZtnKfYAgnEtQxbv').video.player).toBeNull();
    expect(view('https://videos.example.org/ma-video').video.player).toBeNull();
    expect(view('https://www.youtube.com/watch?v=abc').video).toEqual({ url: 'https://www.youtube.com/watch?v=abc', host: 'youtube.com', player: null });
  });

  it('refuses bad settings with French messages', () => {
    const errorsOf = (settings: unknown) => {
      const r = tileSettingsParser('media', settings);
      expect(r.ok).toBe(false);
      return r.ok ? {} : r.errors;
    };
    expect(errorsOf({ kind: 'video', videoUrl: `http://www.youtube.com/watch?v=${YT}`, caption: 'x' })).toEqual({
      videoUrl: 'Indiquez l’adresse https de la vidéo (YouTube, Vimeo, Dailymotion, PeerTube…).',
    });
    expect(errorsOf({ kind: 'video', videoUrl: 'youtube', caption: 'x' }).videoUrl).toMatch(/^Indiquez l’adresse https/);
    expect(errorsOf({ kind: 'video', videoUrl: `https://youtu.be/${YT}`, caption: '' })).toEqual({ caption: 'Une vidéo a besoin d’une légende qui dit ce qu’elle montre.' });
    expect(errorsOf({ kind: 'video', videoUrl: `https://youtu.be/${YT}?${'a'.repeat(500)}`, caption: 'x' }).videoUrl).toBe('L’adresse ne peut dépasser 500 caractères.');
    expect(errorsOf({ kind: 'video', videoUrl: `https://youtu.be/${YT}`, caption: 'é'.repeat(301) }).caption).toBe('La légende ne peut dépasser 300 caractères.');
    expect(errorsOf({ kind: 'film', videoUrl: `https://youtu.be/${YT}`, caption: 'x' }).kind).toBe('Choisissez une image ou une vidéo.');
  });
});
