// adrs web: the only script. Submits filter menus on Enter and keeps a running run's page live over server-sent events.
/* global document, EventSource */
(function () {
  'use strict';

  // Filters apply on the form's button or on Enter, never on a change alone: arrowing through a menu must
  // not reload the page (WCAG 3.2.2). A <select> does not submit on Enter by itself, hence this.
  document.querySelectorAll('form.filters select').forEach(function (select) {
    select.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && select.form) {
        e.preventDefault();
        select.form.requestSubmit();
      }
    });
  });

  var body = document.body;
  var live = body.dataset.live;
  var fragment = body.dataset.fragment;
  if (!live || !fragment || typeof EventSource === 'undefined') return;

  var main = document.getElementById('main');
  var pending = false;
  var running = false;
  var ended = false;

  /** Keeps the <details> a reader opened open across a refresh (matched by their summary text). */
  function openDetails() {
    var open = {};
    main.querySelectorAll('details[open] > summary').forEach(function (s) {
      open[s.textContent.replace(/\(.*\)/, '')] = true;
    });
    return open;
  }

  function refresh() {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    pending = false;
    fetch(fragment, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.text();
      })
      .then(function (text) {
        var open = openDetails();
        main.innerHTML = text;
        main.querySelectorAll('details > summary').forEach(function (s) {
          if (open[s.textContent.replace(/\(.*\)/, '')]) s.parentElement.setAttribute('open', '');
        });
        body.dataset.refreshes = String(Number(body.dataset.refreshes || '0') + 1);
      })
      .catch(function (e) {
        console.warn('adrs: refresh failed', e);
      })
      .then(function () {
        running = false;
        if (pending) setTimeout(refresh, 250);
      });
  }

  var timer = null;
  function schedule() {
    if (timer) return;
    timer = setTimeout(function () {
      timer = null;
      refresh();
    }, 250);
  }

  var sep = live.indexOf('?') >= 0 ? '&' : '?';
  var source = new EventSource(live + sep + 'after=' + encodeURIComponent(body.dataset.lastEventId || '0'));
  source.onmessage = function (msg) {
    var event;
    try {
      event = JSON.parse(msg.data);
    } catch {
      return;
    }
    body.dataset.lastEvent = event.type;
    schedule();
    if (event.type === 'run:end' && !ended) {
      ended = true;
      source.close();
    }
  };
  source.onerror = function () {
    var dot = document.getElementById('live-indicator');
    if (dot) dot.classList.add('stale');
  };
})();
