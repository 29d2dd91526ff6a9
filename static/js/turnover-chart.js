/*
 * Turnover page: the monthly attrition line, drawn from the JSON the page carries in
 * <script type="application/json" id="attrition-data"> (json_script) onto
 * <canvas id="attrition-chart">. Parsed, never evaluated: no inline script (CSP).
 */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("attrition-data");
    var canvas = document.getElementById("attrition-chart");
    if (!source || !canvas || typeof window.Chart === "undefined") return;
    if (window.Chart.getChart(canvas)) return;
    new window.Chart(canvas, {
      type: "line",
      data: JSON.parse(source.textContent),
      options: {
        animation: false,
        spanGaps: true,
        scales: { y: { beginAtZero: true, title: { display: true, text: "%" } } },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
