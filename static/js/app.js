// Préau: small behaviours kept out of the HTML (the CSP allows no inline script).
// After an htmx swap: announce what changed to screen readers and put the focus somewhere sensible.
document.addEventListener('htmx:after:swap', (event) => {
  const target = event.detail && event.detail.ctx && event.detail.ctx.target;
  const root = target && target.isConnected ? target : document;
  const region = document.getElementById('annonce');
  const message = root.querySelector && root.querySelector('[data-announce]');
  if (region && message) {
    region.textContent = '';
    setTimeout(() => { region.textContent = message.textContent.trim(); }, 50);
  }
  const invalid = root.querySelector && root.querySelector('[aria-invalid="true"]');
  if (invalid) { invalid.focus(); return; }
  const swapped = event.detail && event.detail.ctx && event.detail.ctx.target;
  if (swapped && !swapped.isConnected && event.detail.ctx.swap && String(event.detail.ctx.swap).startsWith('outerHTML')) {
    const id = swapped.id;
    const fresh = id && document.getElementById(id);
    const heading = fresh && fresh.querySelector('h2[tabindex="-1"], h1[tabindex="-1"]');
    if (heading) heading.focus();
  }
});

// The media tile's click-to-load video (templates/tiles/media.njk): nothing comes from the video host until the
// visitor asks for it. The button is revealed here (without JavaScript the link to the video remains); on click
// the card gives way to the player's frame, whose address the server built from a checked id.
function revealVideoButtons(root) {
  root.querySelectorAll('[data-video-player] [data-video-consent][hidden]').forEach((el) => { el.hidden = false; });
}
revealVideoButtons(document);
document.addEventListener('htmx:after:swap', () => revealVideoButtons(document));
document.addEventListener('click', (event) => {
  const button = event.target instanceof Element && event.target.closest('[data-video-load]');
  const player = button && button.closest('[data-video-player]');
  if (!player) return;
  const src = player.getAttribute('data-embed-url') || '';
  if (!src.startsWith('https://')) return;
  const frame = document.createElement('iframe');
  frame.src = src;
  frame.title = player.getAttribute('data-embed-title') || 'Vidéo';
  frame.allow = 'autoplay; fullscreen; picture-in-picture; encrypted-media';
  frame.allowFullscreen = true;
  // The site sends no referrer elsewhere (Referrer-Policy: same-origin), but players refuse to start without
  // knowing the embedding site: the frame's request carries our origin only, never the page's path.
  frame.referrerPolicy = 'strict-origin';
  frame.className = 'tile-video__frame';
  player.replaceChildren(frame);
  player.classList.add('tile-video__player--playing');
  frame.focus();
});
