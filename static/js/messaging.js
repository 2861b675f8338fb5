// Préau: messaging pages. Before a file is attached (a plain multipart form that reloads the draft), the
// compose form is saved, so nothing typed since the last autosave is lost.
(function () {
  document.addEventListener('submit', function (event) {
    var upload = event.target;
    if (!(upload instanceof HTMLFormElement) || !upload.dataset.saveFirst || upload.dataset.saved) return;
    var compose = document.getElementById(upload.dataset.saveFirst);
    if (!compose) return;
    event.preventDefault();
    var body = new URLSearchParams(new FormData(compose));
    var token = compose.querySelector('input[name="_csrf"]');
    fetch(compose.action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'HX-Request': 'true', 'X-CSRF-Token': token ? token.value : '' },
      body: body.toString(),
    }).finally(function () {
      upload.dataset.saved = '1';
      upload.requestSubmit();
    });
  });
})();
