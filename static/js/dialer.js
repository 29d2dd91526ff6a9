/*
 * The calling session's keys (templates/calling/session.html), only on that page:
 *   C call · 1–9 outcome · H +2 h · T tomorrow 09:00 · M next Monday 10:00 · F pick a time
 *   N save & next · S skip (asks why) · Esc leaves a field
 * Plain keys are ignored while typing in a field, except Ctrl+Enter (save & next).
 * Keys with Alt or Meta are left alone (the header's state keys use Alt+digit).
 * Calling starts a timer; through the phone system the call's status is followed until
 * it ends. The held lead is renewed while the page is open.
 */
(function () {
  "use strict";

  var root = document.getElementById("dialer");
  if (!root) return;

  var timerEl = document.getElementById("call-timer");
  var statusEl = document.getElementById("call-status");
  var errorEl = document.getElementById("dial-error");
  var saveForm = document.getElementById("save-form");
  var dialForm = document.getElementById("dial-form");
  var followupInput = saveForm.querySelector("input[name=next_followup_at]");
  var callInput = saveForm.querySelector("input[name=phone_call]");
  var csrf = dialForm.querySelector("input[name=csrfmiddlewaretoken]").value;
  var loadedAt = Date.now();
  var timer = null;
  var poller = null;
  var dialing = false;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function showTime(seconds) {
    timerEl.textContent = pad(Math.floor(seconds / 60)) + ":" + pad(seconds % 60);
  }

  function startTimer(from) {
    var started = from || Date.now();
    if (timer) window.clearInterval(timer);
    showTime(0);
    timer = window.setInterval(function () {
      showTime(Math.max(0, Math.floor((Date.now() - started) / 1000)));
    }, 250);
  }

  function stopTimer() {
    if (timer) window.clearInterval(timer);
    timer = null;
  }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.classList.remove("d-none");
  }

  function follow(url) {
    if (poller) window.clearInterval(poller);
    poller = window.setInterval(function () {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (call) {
          if (!call) return;
          statusEl.textContent = call.status_label;
          root.setAttribute("data-call-status", call.status);
          if (call.status === "answered" && call.answered_at && !root.hasAttribute("data-answered")) {
            root.setAttribute("data-answered", "1");
            startTimer(Date.parse(call.answered_at));
          }
          if (call.status === "ended" || call.status === "failed") {
            stopTimer();
            showTime(call.talk_seconds || 0);
            window.clearInterval(poller);
          }
        })
        .catch(function () {});
    }, 1000);
  }

  function dial() {
    if (dialing) return;
    dialing = true;
    errorEl.classList.add("d-none");
    statusEl.textContent = root.getAttribute("data-label-calling");
    startTimer();
    var body = new FormData(dialForm);
    fetch(dialForm.action, {
      method: "POST",
      body: body,
      headers: { Accept: "application/json", "X-CSRFToken": csrf },
      credentials: "same-origin",
    })
      .then(function (r) {
        return r.json().then(function (answer) { return { ok: r.ok, answer: answer }; });
      })
      .then(function (result) {
        if (!result.ok) {
          dialing = false;
          stopTimer();
          statusEl.textContent = "";
          showError(result.answer.error || "");
          return;
        }
        if (result.answer.mode === "tel") {
          statusEl.textContent = root.getAttribute("data-label-dialed");
          window.location.href = result.answer.href;
        } else {
          callInput.value = result.answer.call;
          root.setAttribute("data-call", result.answer.call);
          follow(result.answer.status_url);
        }
      })
      .catch(function () {
        dialing = false;
        stopTimer();
      });
  }

  function setFollowup(value) {
    followupInput.value = value;
    followupInput.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // The center's local time at page load ("YYYY-MM-DDTHH:MM") plus what has passed since.
  function inTwoHours() {
    var base = root.getAttribute("data-now").split(/[-T:]/).map(Number);
    var ms = Date.UTC(base[0], base[1] - 1, base[2], base[3], base[4]);
    var at = new Date(ms + (Date.now() - loadedAt) + 2 * 3600 * 1000);
    return at.getUTCFullYear() + "-" + pad(at.getUTCMonth() + 1) + "-" + pad(at.getUTCDate()) +
      "T" + pad(at.getUTCHours()) + ":" + pad(at.getUTCMinutes());
  }

  function shortcut(kind) {
    if (kind === "+2h") setFollowup(inTwoHours());
    else if (kind === "pick") followupInput.focus();
    else if (kind === "clear") setFollowup("");
  }

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  }

  dialForm.addEventListener("submit", function (event) {
    event.preventDefault();
    dial();
  });

  document.getElementById("followup-shortcuts").addEventListener("click", function (event) {
    var button = event.target.closest("button");
    if (!button) return;
    if (button.hasAttribute("data-followup-at")) setFollowup(button.getAttribute("data-followup-at"));
    else shortcut(button.getAttribute("data-followup"));
  });

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) return true;
    if (tag !== "input") return false;
    var type = (target.getAttribute("type") || "text").toLowerCase();
    return ["radio", "checkbox", "button", "submit", "hidden"].indexOf(type) === -1;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.metaKey || event.isComposing) return;
    if (event.ctrlKey) {
      if (event.key === "Enter") {
        event.preventDefault();
        submit(saveForm);
      }
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var handled = true;
    if (key >= "1" && key <= "9") {
      var radio = saveForm.querySelector('input[data-key="' + key + '"]');
      if (radio) {
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      } else handled = false;
    } else if (key === "c") dial();
    else if (key === "n") submit(saveForm);
    else if (key === "s") document.querySelector("#skip-form input[name=reason]").focus();
    else if (key === "h") shortcut("+2h");
    else if (key === "t") setFollowup(document.querySelector("[data-followup-at][aria-keyshortcuts=T]").getAttribute("data-followup-at"));
    else if (key === "m") setFollowup(document.querySelector("[data-followup-at][aria-keyshortcuts=M]").getAttribute("data-followup-at"));
    else if (key === "f") shortcut("pick");
    else handled = false;
    if (handled) event.preventDefault();
  });

  // Keep holding the lead while the page is open (the lease expires by itself otherwise).
  var every = Math.max(15, Math.floor(Number(root.getAttribute("data-renew-seconds")) / 3)) * 1000;
  window.setInterval(function () {
    var body = new FormData();
    body.append("lead", root.getAttribute("data-lead"));
    fetch(root.getAttribute("data-renew-url"), {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrf },
      credentials: "same-origin",
    }).catch(function () {});
  }, every);
})();
