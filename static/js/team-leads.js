/*
 * The team page's selection and bulk bar (templates/leads/team/list.html).
 *
 * Ticking a row shows the bulk bar, fixed at the foot of the window so it is in view
 * wherever the list is scrolled. Ticking the header box ticks the page; when the filters
 * match more than the page, a link offers "all N matching": that sends the filters (the
 * page's query string), never the ids, and the server re-runs them. Above the cap the
 * link is replaced by a message asking to narrow the filters. The number of matching
 * leads is the page's own count, or, when the page counted only up to its cap, asked
 * from the server once (counted up to the bulk cap).
 */
(function () {
  "use strict";

  var form = document.getElementById("bulk-form");
  if (!form) return;
  var texts = JSON.parse(document.getElementById("bulk-texts").textContent);
  var bar = document.getElementById("bulk-bar");
  var spacer = document.getElementById("bulk-spacer");
  var pageBox = document.getElementById("select-page");
  var banner = document.getElementById("select-all-banner");
  var bannerText = document.getElementById("select-all-text");
  var matchingButton = document.getElementById("select-all-matching");
  var clearButton = document.getElementById("select-clear");
  var count = document.getElementById("bulk-count");
  var allMatching = form.querySelector("[name=all_matching]");
  var action = form.querySelector("[name=action]");
  var max = parseInt(form.dataset.max, 10);
  var total = parseInt(form.dataset.total, 10) || 0;
  var capped = form.dataset.capped === "1";
  var matched = capped ? null : { count: total, over: total > max };

  function fill(text, n) {
    return text.split("%(n)s").join(n.toLocaleString()).split("%(max)s").join(max.toLocaleString());
  }
  function picks() {
    return Array.prototype.slice.call(form.querySelectorAll("input.lead-pick"));
  }
  function ticked() {
    return picks().filter(function (box) { return box.checked; });
  }
  function show(element, visible) {
    element.classList.toggle("d-none", !visible);
  }

  function render() {
    var all = picks();
    var chosen = ticked();
    var whole = all.length > 0 && chosen.length === all.length;
    if (!whole && allMatching.value) allMatching.value = "";
    pageBox.checked = whole;
    pageBox.indeterminate = chosen.length > 0 && !whole;
    var matching = !!allMatching.value;
    show(bar, chosen.length > 0);
    show(spacer, chosen.length > 0);
    count.textContent = matching
      ? fill(texts.matching_all, matched.count)
      : fill(texts.selected, chosen.length);
    var more = whole && (capped || total > all.length);
    show(banner, more);
    show(matchingButton, false);
    show(clearButton, matching);
    if (!more) return;
    if (matching) {
      bannerText.textContent = fill(texts.matching_all, matched.count);
    } else if (matched === null) {
      bannerText.textContent = texts.counting;
      askCount();
    } else if (matched.over) {
      bannerText.textContent = fill(texts.page_all, chosen.length) + " " + fill(texts.over, 0);
    } else {
      bannerText.textContent = fill(texts.page_all, chosen.length);
      matchingButton.textContent = fill(texts.select_matching, matched.count);
      show(matchingButton, true);
    }
  }

  var asking = false;
  function askCount() {
    if (asking) return;
    asking = true;
    var query = form.dataset.query;
    fetch(form.dataset.matchingUrl + (query ? "?" + query : ""), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        matched = { count: data.count, over: data.over };
        render();
      });
  }

  function fields() {
    var chosen = action.value;
    form.querySelectorAll("[data-bulk-for]").forEach(function (box) {
      show(box, box.dataset.bulkFor.split(" ").indexOf(chosen) !== -1);
    });
  }

  form.addEventListener("change", function (event) {
    var target = event.target;
    if (target === pageBox) {
      picks().forEach(function (box) { box.checked = pageBox.checked; });
      allMatching.value = "";
    } else if (target.classList.contains("lead-pick")) {
      allMatching.value = "";
    } else if (target === action) {
      fields();
    }
    render();
  });
  matchingButton.addEventListener("click", function () {
    allMatching.value = "1";
    render();
  });
  function clear() {
    picks().forEach(function (box) { box.checked = false; });
    allMatching.value = "";
    render();
  }
  clearButton.addEventListener("click", clear);
  document.getElementById("bulk-clear").addEventListener("click", clear);
  form.querySelectorAll("[data-export-format]").forEach(function (link) {
    link.addEventListener("click", function () {
      var params = new URLSearchParams();
      if (allMatching.value) {
        params = new URLSearchParams(form.dataset.query);
      } else {
        ticked().forEach(function (box) { params.append("lead_ids", box.value); });
      }
      params.set("format", link.dataset.exportFormat);
      link.href = form.dataset.exportUrl + "?" + params.toString();
    });
  });

  fields();
  render();
})();
