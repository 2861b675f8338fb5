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
