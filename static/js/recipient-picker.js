// Préau: the recipient picker of the compose form (templates/messaging/_picker.njk), a combobox over the
// htmx search results: ArrowDown/ArrowUp move through the options, Enter adds the active one as a chip, Escape
// closes the list; each chip's "Retirer" button removes it. Without this file the picker still offers the
// page without JavaScript (/messagerie/destinataires).
(function () {
  function chosenKeys(picker) {
    return Array.prototype.map.call(picker.querySelectorAll('input[name="recipients"]'), function (i) { return i.value; });
  }

  function say(picker, text) {
    var status = picker.querySelector('#picker-status');
    if (!status) return;
    status.textContent = '';
    setTimeout(function () { status.textContent = text; }, 50);
  }

  function options(picker) {
    return Array.prototype.filter.call(picker.querySelectorAll('[role="option"]'), function (o) {
      return !o.hidden && o.getAttribute('aria-disabled') !== 'true';
    });
  }

  function setActive(picker, option) {
    var input = picker.querySelector('[role="combobox"]');
    Array.prototype.forEach.call(picker.querySelectorAll('[role="option"]'), function (o) {
      o.setAttribute('aria-selected', o === option ? 'true' : 'false');
      o.classList.toggle('picker__option--active', o === option);
    });
    if (option) {
      input.setAttribute('aria-activedescendant', option.id);
      option.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function close(picker) {
    var list = picker.querySelector('[role="listbox"]');
    var input = picker.querySelector('[role="combobox"]');
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    setActive(picker, null);
  }

  function open(picker) {
    var list = picker.querySelector('[role="listbox"]');
    var input = picker.querySelector('[role="combobox"]');
    var taken = chosenKeys(picker);
    Array.prototype.forEach.call(list.querySelectorAll('[role="option"][data-key]'), function (o) {
      o.hidden = taken.indexOf(o.getAttribute('data-key')) >= 0;
    });
    var all = list.querySelectorAll('[role="option"]');
    var visible = options(picker);
    list.hidden = all.length === 0;
    input.setAttribute('aria-expanded', list.hidden ? 'false' : 'true');
    setActive(picker, null);
    if (!list.hidden) say(picker, visible.length === 0 ? 'Aucun destinataire trouvé.' : visible.length === 1 ? '1 destinataire proposé.' : visible.length + ' destinataires proposés.');
  }

  function addChip(picker, option) {
    var key = option.getAttribute('data-key');
    var label = option.getAttribute('data-label');
    if (chosenKeys(picker).indexOf(key) < 0) {
      var li = document.createElement('li');
      li.className = 'picker__chip';
      li.setAttribute('data-key', key);
      var span = document.createElement('span');
      span.className = 'picker__chip-label';
      span.textContent = label;
      var hidden = document.createElement('input');
      hidden.type = 'hidden';
      hidden.name = 'recipients';
      hidden.value = key;
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'button button--quiet button--small picker__remove';
      button.setAttribute('data-remove', '');
      button.appendChild(document.createTextNode('Retirer'));
      var sr = document.createElement('span');
      sr.className = 'visually-hidden';
      sr.textContent = ' ' + label;
      button.appendChild(sr);
      li.appendChild(span);
      li.appendChild(hidden);
      li.appendChild(button);
      picker.querySelector('.picker__chips').appendChild(li);
      say(picker, label + ' ajouté aux destinataires.');
    }
    var input = picker.querySelector('[role="combobox"]');
    input.value = '';
    close(picker);
    input.focus();
  }

  function init(picker) {
    if (picker.hasAttribute('data-picker-ready')) return;
    picker.setAttribute('data-picker-ready', '');
    var input = picker.querySelector('[role="combobox"]');
    var list = picker.querySelector('[role="listbox"]');
    Array.prototype.forEach.call(picker.querySelectorAll('[data-remove]'), function (b) { b.hidden = false; });

    input.addEventListener('keydown', function (e) {
      var opts = options(picker);
      var current = picker.querySelector('[role="option"][aria-selected="true"]');
      var i = current ? opts.indexOf(current) : -1;
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        if (list.hidden && list.children.length) open(picker);
        if (opts.length) setActive(picker, opts[(i + 1) % opts.length]);
      } else if (e.key === 'ArrowUp') {
        e.preventDefault();
        if (opts.length) setActive(picker, opts[i <= 0 ? opts.length - 1 : i - 1]);
      } else if (e.key === 'Enter') {
        // Enter never submits the message from the search field.
        e.preventDefault();
        if (current && !list.hidden) addChip(picker, current);
      } else if (e.key === 'Escape') {
        if (!list.hidden) { e.preventDefault(); close(picker); }
      }
    });
    input.addEventListener('blur', function () {
      setTimeout(function () { if (!picker.contains(document.activeElement)) close(picker); }, 150);
    });
    list.addEventListener('mousedown', function (e) { e.preventDefault(); });
    list.addEventListener('click', function (e) {
      var option = e.target.closest('[role="option"][data-key]');
      if (option) addChip(picker, option);
    });
    picker.addEventListener('click', function (e) {
      var button = e.target.closest('[data-remove]');
      if (!button) return;
      var chip = button.closest('.picker__chip');
      var label = chip.querySelector('.picker__chip-label').textContent;
      chip.remove();
      say(picker, label + ' retiré des destinataires.');
      input.focus();
    });
  }

  function initAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll('[data-recipient-picker]'), init);
  }

  document.addEventListener('htmx:after:swap', function (event) {
    var target = event.detail && event.detail.ctx && event.detail.ctx.target;
    if (target && target.id === 'picker-listbox') {
      var picker = target.closest('[data-recipient-picker]');
      if (picker) open(picker);
    } else {
      initAll(document);
    }
  });
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { initAll(document); });
  else initAll(document);
})();
