import { describe, expect, it } from 'vitest';
import type { Member } from '../../app/auth/member.js';
import { tenantTx } from '../../app/db/index.js';
import { newId } from '../../app/lib/ids.js';
import { draftSaver, homepagePublisher } from '../../app/modules/homepage/homepage.js';
import { buildMember, buildTenant } from '../fixtures/factories.js';
import { chromiumAvailable, expectNoAxeViolations, useBrowser } from './support.js';

const b = useBrowser();
const PLAYER = 'https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ';
/** What the test serves in place of YouTube's player: the test needs no network, and the request is still seen. */
const FAKE_PLAYER = '<!doctype html><html lang="fr"><head><title>Lecteur</title></head><body><main><p>Lecteur factice</p></main></body></html>';

async function schoolWithVideo() {
  const school = await buildTenant({ name: 'Collège Jean Moulin' });
  const head = await buildMember(school, { profile: 'staff', functions: ['head'] });
  const actor = { accountId: head.accountId, membershipId: head.membershipId } as Member;
  await tenantTx(school, async () => {
    await draftSaver({
      actor,
      tiles: [
        { id: newId(), type: 'media', width: 2, hidden: false, settings: { kind: 'video', videoUrl: 'https://youtu.be/dQw4w9WgXcQ', caption: 'La chorale en concert', title: 'Notre chorale', mediaId: '', alt: '' } },
      ],
    });
    await homepagePublisher({ actor, tenant: school });
  });
  return school;
}

describe.skipIf(!chromiumAvailable)('a visitor and a video tile', () => {
  it('loads nothing from the video host until asking for it, then gets the privacy-enhanced player, by keyboard', async () => {
    const school = await schoolWithVideo();
    const { page, context, problems } = await b.newPage();
    const asked: string[] = [];
    await context.route('https://www.youtube-nocookie.com/**', async (route) => {
      asked.push(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: FAKE_PLAYER });
    });
    await page.goto(b.url(school, '/'));
    const button = page.getByRole('button', { name: 'Lire la vidéo (chargée depuis youtube.com)' });
    await expect.poll(() => button.isVisible()).toBe(true);
    expect(await button.getAttribute('aria-describedby')).toMatch(/-video-notice$/);
    expect(await page.getByText(/le lecteur vient alors de ce site, qui reçoit votre adresse IP/).isVisible()).toBe(true);
    expect(await page.getByText('La chorale en concert', { exact: true }).count()).toBe(1);
    expect(await page.getByRole('link', { name: /Regarder la vidéo sur youtu\.be : La chorale en concert/ }).count()).toBe(1);
    expect(await page.locator('iframe').count()).toBe(0);
    await expectNoAxeViolations(page, 'homepage with a video, before the click');
    // Nothing asked of any other host so far (useBrowser records every foreign request).
    expect(asked).toEqual([]);
    expect(problems).toEqual([]);

    // The keyboard reaches the button; Enter loads the player and the focus goes into it.
    await button.focus();
    await page.keyboard.press('Enter');
    const frame = page.locator('iframe');
    await expect.poll(() => frame.count()).toBe(1);
    expect(await frame.getAttribute('src')).toBe(PLAYER);
    expect(await frame.getAttribute('title')).toBe('Vidéo : La chorale en concert');
    expect(await frame.getAttribute('referrerpolicy')).toBe('strict-origin');
    expect(await button.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('IFRAME');
    await expect.poll(() => page.frameLocator('iframe').getByText('Lecteur factice').count()).toBe(1);
    // The link to the original stays.
    expect(await page.getByRole('link', { name: /Regarder la vidéo sur youtu\.be/ }).count()).toBe(1);
    await expectNoAxeViolations(page, 'homepage with a video, after the click');
    // Exactly one foreign request, the player's, made after the click; no CSP violation (frame-src allows it).
    expect(asked).toEqual([PLAYER]);
    expect(problems).toEqual([`third-party request: ${PLAYER}`]);
    await context.close();
  });

  it('plays on a mouse click too', async () => {
    const school = await schoolWithVideo();
    const { page, context, problems } = await b.newPage({ width: 320 });
    await context.route('https://www.youtube-nocookie.com/**', (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: FAKE_PLAYER }));
    await page.goto(b.url(school, '/'));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(problems).toEqual([]);
    await page.getByRole('button', { name: /Lire la vidéo/ }).click();
    await expect.poll(() => page.locator(`iframe[src="${PLAYER}"]`).count()).toBe(1);
    const box = await page.locator('iframe').boundingBox();
    expect(box && box.width > 200 && Math.abs(box.width / box.height - 16 / 9) < 0.05).toBe(true);
    expect(problems).toEqual([`third-party request: ${PLAYER}`]);
    await context.close();
  });

  it('without JavaScript: no button, the link to the video, and nothing from the host', async () => {
    const school = await schoolWithVideo();
    const { page, context } = await b.newPage();
    const browser = context.browser()!;
    const noJs = await browser.newContext({ javaScriptEnabled: false, locale: 'fr-FR' });
    const p = await noJs.newPage();
    const foreign: string[] = [];
    p.on('request', (r) => {
      if (!new URL(r.url()).hostname.endsWith('.localhost')) foreign.push(r.url());
    });
    await p.goto(b.url(school, '/'));
    expect(await p.getByRole('button', { name: /Lire la vidéo/ }).count()).toBe(0);
    expect(await p.getByRole('link', { name: /Regarder la vidéo sur youtu\.be : La chorale en concert/ }).isVisible()).toBe(true);
    expect(await p.getByText('Vidéo hébergée par youtube.com.').isVisible()).toBe(true);
    expect(await p.locator('iframe').count()).toBe(0);
    expect(foreign).toEqual([]);
    await noJs.close();
    await page.close();
    await context.close();
  });
});
