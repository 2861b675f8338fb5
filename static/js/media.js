// The media library. Its swaps keep their target in the page (outerSync), so app.js announces the message
// found inside it; the focus, though, was on a control that the swap replaced: put it somewhere useful.
document.addEventListener('htmx:after:swap', (event) => {
  const ctx = event.detail && event.detail.ctx;
  const target = ctx && ctx.target;
  if (!target || !target.id || document.activeElement !== document.body) return;
  if (target.id.startsWith('alt-')) {
    // An alternative text saved inline: back to its field.
    const field = target.querySelector('input[name="alt"]');
    if (field) field.focus();
  } else if (target.id === 'mediatheque') {
    // An upload accepted: to the list that now shows it.
    const heading = document.getElementById('media-list-title');
    if (heading) heading.focus();
  }
});
