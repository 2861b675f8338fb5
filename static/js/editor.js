// Publication back-office: small behaviours kept out of the HTML (the CSP allows no inline script).

// After an htmx swap of the rubric tree, give the focus back to the button that was used (its id is named by
// the fragment), so moving a rubric up or down several times works from the keyboard.
document.addEventListener('htmx:after:swap', () => {
  const marked = document.querySelector('[data-refocus]');
  if (!marked) return;
  const id = marked.getAttribute('data-refocus');
  marked.removeAttribute('data-refocus');
  const button = id && document.getElementById(id);
  if (button) setTimeout(() => button.focus(), 0);
});

// Files dropped or pasted into trix are not uploaded from here (the media library does that): refuse them
// instead of keeping a blob that would vanish on save.
document.addEventListener('trix-file-accept', (event) => event.preventDefault());
