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

// Files dropped or pasted into trix go to the media library (POST multipart, JSON answer); the saved body then
// points at /medias/<id>/… (an image's WebP, a document's original), the only images the sanitizer keeps.
function csrfToken() {
  try {
    const headers = JSON.parse(document.body.getAttribute('hx-headers:inherited') || document.body.getAttribute('hx-headers') || '{}');
    return headers['X-CSRF-Token'] || '';
  } catch {
    return '';
  }
}

function announceUpload(editor, message) {
  const region = document.getElementById(editor.getAttribute('aria-describedby') || 'body-upload-status');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => { region.textContent = message; }, 50);
}

// trix previews a dropped image through a blob: URL, which the CSP (img-src 'self' data:) blocks: images waiting
// for their upload are shown as files (name, progress bar), and become pictures once served from /medias/.
// Pictures already in a saved text (content type "image", from their <img>) stay previewable.
const TrixAttachment = window.Trix && ((window.Trix.models && window.Trix.models.Attachment) || window.Trix.Attachment);
if (TrixAttachment) TrixAttachment.previewablePattern = /^image$/;

document.addEventListener('trix-file-accept', (event) => {
  // Without an upload address (another trix than the article's), files are refused rather than kept as blobs.
  if (!event.target.getAttribute('data-upload-url')) event.preventDefault();
});

document.addEventListener('trix-attachment-add', (event) => {
  const attachment = event.attachment;
  const editor = event.target;
  const url = editor.getAttribute('data-upload-url');
  if (!attachment.file || !url) return;
  const name = attachment.file.name || 'fichier';
  const form = new FormData();
  form.append('file', attachment.file, name);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', url, true);
  xhr.setRequestHeader('X-CSRF-Token', csrfToken());
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.upload.addEventListener('progress', (e) => {
    if (e.lengthComputable) attachment.setUploadProgress((e.loaded / e.total) * 100);
  });
  const refuse = (message) => {
    attachment.remove();
    announceUpload(editor, `« ${name} » n’a pas été ajouté : ${message}`);
  };
  xhr.addEventListener('load', () => {
    let answer = null;
    try { answer = JSON.parse(xhr.responseText); } catch { answer = null; }
    if (xhr.status >= 200 && xhr.status < 300 && answer && answer.url) {
      // Documents become a link to the file; images show the library's WebP (their caption, edited in trix,
      // describes them: the <img> itself carries an empty alternative so it is not read twice).
      attachment.setAttributes(answer.kind === 'image' ? { url: answer.url, alt: answer.alt || '', previewable: true } : { url: answer.url, href: answer.href });
      announceUpload(editor, `« ${name} » ajouté au texte et à la médiathèque.`);
      return;
    }
    refuse((answer && answer.error) || (xhr.status === 403 ? 'accès refusé (rechargez la page).' : 'l’envoi a échoué, réessayez.'));
  });
  xhr.addEventListener('error', () => refuse('l’envoi a échoué, vérifiez la connexion et réessayez.'));
  xhr.send(form);
});

// Pictures read back from a saved text lose their (empty) alternative in trix's model: give them one again in
// the editor, their caption being what describes them (the sanitizer does the same for the stored text).
function markPictures(event) {
  for (const img of event.target.querySelectorAll('img:not([alt])')) img.setAttribute('alt', '');
}
document.addEventListener('trix-initialize', markPictures);
document.addEventListener('trix-render', markPictures);
