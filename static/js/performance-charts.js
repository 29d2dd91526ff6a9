/*
 * Performance dashboards: draw every <canvas data-chart="key"> from the JSON the page
 * carries in <script type="application/json" id="performance-charts"> (Django's
 * json_script). The data is parsed as JSON, never evaluated, so the page needs no inline
 * script and names typed by users stay plain text (labels).
 *
 * A chart spec: {type: "bar"|"line", horizontal?: bool, min?: n, max?: n, aspect?: n,
 *                labels: [...], datasets: [{label, data, type?, dashed?, axis?: "right"}]}
 * A null in `data` is no point (a sales line stops at today).
 */
(function () {
  "use strict";

  var COLORS = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];

  function dataset(spec, index, chartType) {
    var color = COLORS[index % COLORS.length];
    var line = (spec.type || chartType) === "line" || spec.dashed;
    var set = {
      label: spec.label,
      data: spec.data,
      borderColor: color,
      backgroundColor: line ? color : color + "99",
      borderWidth: 2,
      spanGaps: true,
      pointRadius: 2,
    };
    if (spec.type) set.type = spec.type;
    if (spec.dashed) {
      set.borderDash = [6, 4];
      set.pointRadius = 0;
      set.type = "line";
      set.fill = false;
    }
    if (spec.axis === "right") set.yAxisID = "right";
    return set;
  }

  // Width over height: a phone gets taller charts; a horizontal bar chart grows with its
  // labels so that each bar keeps room for its name.
  function aspect(spec) {
    if (spec.aspect) return window.innerWidth < 576 ? Math.max(1.2, spec.aspect / 2) : spec.aspect;
    if (spec.horizontal) {
      var rows = Math.max(1, spec.labels.length);
      return Math.max(0.5, Math.min(1.6, 16 / rows));
    }
    return window.innerWidth < 576 ? 1.4 : 2;
  }

  function config(spec) {
    var datasets = spec.datasets.map(function (d, i) { return dataset(d, i, spec.type); });
    var valueAxis = spec.horizontal ? "x" : "y";
    var scales = {};
    scales[valueAxis] = { beginAtZero: spec.min === undefined };
    if (spec.min !== undefined) scales[valueAxis].min = spec.min;
    if (spec.max !== undefined) scales[valueAxis].max = spec.max;
    if (spec.datasets.some(function (d) { return d.axis === "right"; })) {
      scales.right = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } };
    }
    return {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: true,
        aspectRatio: aspect(spec),
        animation: false,
        scales: scales,
        plugins: { legend: { display: datasets.length > 1 } },
      },
    };
  }

  function drawAll() {
    var source = document.getElementById("performance-charts");
    if (!source || typeof window.Chart === "undefined") return;
    var specs = JSON.parse(source.textContent || "{}");
    var canvases = document.querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, function (canvas) {
      var spec = specs[canvas.getAttribute("data-chart")];
      if (!spec || window.Chart.getChart(canvas)) return;
      new window.Chart(canvas, config(spec));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
