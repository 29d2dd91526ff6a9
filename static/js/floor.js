/*
 * The calling floor: the state control in the header and the wallboard's clocks.
 *
 *   Alt+1  ready      Alt+2  open the pause menu (arrows, Enter)      Alt+3  offline
 *
 * Keys are ignored while typing in a field. A key or a click in the page tells the server,
 * at most once a minute, that the agent is at the keyboard (the idle timeout starts again);
 * polling never does. Clocks ([data-elapsed], seconds when rendered) count on by
 * themselves, so time in a state moves between two refreshes of the board.
 */
(function () {
  "use strict";

  var SEEN_EVERY_MS = 60 * 1000;
  var lastSeen = 0;

  function control() {
    return document.getElementById("floor-state-control");
  }

  function typing(target) {
    return !!(
      target &&
      target.closest &&
      target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']")
    );
  }

  function submit(form) {
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function noteActivity() {
    var box = control();
    var now = Date.now();
    if (!box || now - lastSeen < SEEN_EVERY_MS) return;
    lastSeen = now;
    var url = box.getAttribute("data-seen-url");
    if (!url || !window.fetch) return;
    window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    });
  }

  document.addEventListener("keydown", function (event) {
    noteActivity();
    if (!event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    var box = control();
    if (!box) return;
    var code = event.code || "";
    if (code === "Digit1" || code === "Numpad1") {
      event.preventDefault();
      submit(box.querySelector("form[data-floor-hotkey='ready']"));
    } else if (code === "Digit2" || code === "Numpad2") {
      event.preventDefault();
      var toggle = box.querySelector("[data-bs-toggle='dropdown']");
      if (toggle && window.bootstrap) window.bootstrap.Dropdown.getOrCreateInstance(toggle).show();
      var first = box.querySelector(".floor-pause");
      if (first) first.focus();
    } else if (code === "Digit3" || code === "Numpad3") {
      event.preventDefault();
      submit(box.querySelector("form[data-floor-hotkey='offline']"));
    }
  });

  document.addEventListener("click", noteActivity);

  // Never refresh the control under an open menu (it would close in the agent's hand).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "floor-state" && elt.querySelector(".dropdown-menu.show")) {
      event.preventDefault();
    }
  });

  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    var two = function (n) {
      return (n < 10 ? "0" : "") + n;
    };
    return (hours ? hours + ":" + two(minutes) : minutes) + ":" + two(rest);
  }

  function tick() {
    var now = Date.now();
    var clocks = document.querySelectorAll("[data-elapsed]");
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      if (!el.dataset.shownAt) el.dataset.shownAt = String(now);
      var elapsed = Number(el.dataset.elapsed) + (now - Number(el.dataset.shownAt)) / 1000;
      el.textContent = clock(elapsed);
    }
  }

  window.setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);
})();
