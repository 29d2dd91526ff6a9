/*
 * The few behaviours pages used to write inline (onchange=, onsubmit=, javascript: links),
 * declared with data- attributes instead, so that the Content-Security-Policy can refuse
 * every inline script (crm/settings/base.py, CONTENT_SECURITY_POLICY). One listener per
 * kind on the document: content htmx swaps in later works the same.
 *
 *   <select data-autosubmit>            submits its form when the choice changes
 *   <form data-confirm="Sure?">         asks before submitting; Cancel keeps the page
 *   <a href="/fallback/" data-history-back>  goes back a page, or to href when there is none
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var question = form.getAttribute && form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-history-back]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    // A page opened straight (a new tab, a bookmark, a typed address) or from another site
    // has nothing of ours to go back to: the link's own address then.
    var fromHere = document.referrer.indexOf(window.location.origin + "/") === 0;
    if (window.history.length > 1 && fromHere) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
