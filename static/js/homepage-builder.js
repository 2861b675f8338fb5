// The homepage builder: drag and drop of the tiles with SortableJS (the mouse), by their handle. The move
// buttons stay for the keyboard. A drop sends the tile's new position through the buttons' own form and
// route (POST …/tuiles/<id>/deplacement, position=<index>); htmx swaps the builder back in.
(function () {
  function init(root) {
    if (!window.Sortable) return;
    const list = (root || document).querySelector('[data-sortable]');
    if (!list || list.dataset.sortableReady) return;
    list.dataset.sortableReady = '1';
    window.Sortable.create(list, {
      handle: '.builder-tile__handle',
      animation: 150,
      onEnd(evt) {
        if (evt.oldIndex === evt.newIndex) return;
        const form = evt.item.querySelector('.builder-tile__moves form');
        const input = form && form.querySelector('[data-position]');
        if (!input) return;
        // Sortable leaves inline styles on the items; htmx would copy them onto the new ones (the CSP forbids
        // style attributes), so they go before the builder is swapped.
        list.querySelectorAll('[style]').forEach((el) => el.removeAttribute('style'));
        input.value = String(evt.newIndex);
        input.disabled = false;
        form.requestSubmit();
      },
    });
  }
  document.addEventListener('DOMContentLoaded', () => init(document));
  document.addEventListener('htmx:after:swap', () => init(document));
})();
