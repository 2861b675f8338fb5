import { describe, expect, it } from 'vitest';
import type { Member } from '../../app/auth/member.js';
import { tenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import { draftSaver, homepagePublisher } from '../../app/modules/homepage/homepage.js';
import type { Tenant } from '../../app/tenancy/tenant.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { Client } from '../fixtures/http.js';

async function publishVideos(school: Tenant, videos: { videoUrl: string; caption: string }[]) {
  const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
  const actor = { accountId: head.accountId, membershipId: head.membershipId } as Member;
  await tenantTx(school, async () => {
    await draftSaver({
      actor,
      tiles: videos.map((v) => ({ id: newId(), type: 'media' as const, width: 1 as const, hidden: false, settings: { kind: 'video', title: '', mediaId: '', alt: '', ...v } })),
    });
    await homepagePublisher({ actor, tenant: school });
  });
}

describe('the public homepage with a video tile', () => {
  it('offers a click-to-load player: a button, the privacy notice and the link, no frame and nothing from the host', async () => {
    const school = await buildTenant();
    await publishVideos(school, [{ videoUrl: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', caption: 'La chorale en concert' }]);
    const res = await Client.for(school).get('/');
    expect(res.status).toBe(200);
    const html = res.text;
    expect(html).toMatch(/<button type="button" class="button button--primary tile-video__load" data-video-load aria-describedby="tile-[0-9a-f-]+-video-notice">Lire la vidéo \(chargée depuis youtube\.com\)<\/button>/);
    // The button is revealed by the script: without it, only the link to the video remains.
    expect(html).toMatch(/<div class="tile-video__consent" data-video-consent hidden>/);
    expect(html).toMatch(/id="tile-[0-9a-f-]+-video-notice">Rien n’est chargé depuis youtube\.com avant que vous lanciez la lecture ; le lecteur vient alors de ce site, qui reçoit votre adresse IP\.</);
    expect(html).toContain('data-embed-url="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"');
    expect(html).toContain('data-embed-title="Vidéo : La chorale en concert"');
    expect(html).toContain('href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"');
    expect(html).toContain('<figcaption>La chorale en concert</figcaption>');
    expect(html).not.toMatch(/<(iframe|video|object|embed)\b/);
    // No address of the host is loaded by the page: only the original link and the data attribute mention them.
    expect(html).not.toMatch(/(src|srcset|poster)="https:\/\/[^"]*(youtube|ytimg|vimeo|dailymotion)/);
    expect(html).toContain('<script src="/static/js/app.js" defer></script>');
    expect(res.headers['set-cookie']).toBeUndefined();

    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain('frame-src https://www.youtube-nocookie.com https://player.vimeo.com https://geo.dailymotion.com;');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self';");
  });

  it('embeds Vimeo and Dailymotion the same way, and leaves PeerTube and unknown hosts as link cards', async () => {
    const school = await buildTenant();
    await publishVideos(school, [
      { videoUrl: 'https://vimeo.com/76979871', caption: 'Le voyage à Rome' },
      { videoUrl: 'https://dai.ly/x8abc12', caption: 'La fête du collège' },
      { videoUrl: 'https://framatube.org/w/kkGMgK9ZtnKfYAgnEtQxbv', caption: 'Le club robotique' },
      { videoUrl: 'https://youtube.com.evil.org/watch?v=dQw4w9WgXcQ', caption: 'Une fausse' },
    ]);
    const html = (await Client.for(school).get('/')).text;
    expect(html).toContain('data-embed-url="https://player.vimeo.com/video/76979871?dnt=1"');
    expect(html).toContain('Lire la vidéo (chargée depuis vimeo.com)');
    expect(html).toContain('data-embed-url="https://geo.dailymotion.com/player.html?video=x8abc12"');
    expect(html).toContain('Lire la vidéo (chargée depuis dailymotion.com)');
    expect(html.match(/data-video-load/g)).toHaveLength(2);
    expect(html).not.toContain('framatube.org/videos/embed');
    expect(html).toContain('href="https://framatube.org/w/kkGMgK9ZtnKfYAgnEtQxbv"');
    expect(html).toContain('Regarder la vidéo sur framatube.org');
    expect(html).toContain('Regarder la vidéo sur youtube.com.evil.org');
    expect(html.match(/data-embed-url=/g)).toHaveLength(2);
  });
});
