// Segment watch: draws each segment's daily signal shares (lines) and volume (bars).
// The page holds no inline script (the Content-Security-Policy forbids it): each
// canvas names its JSON endpoint and its labels in data-* attributes.
(function () {
  "use strict";

  var COLOURS = {
    discontent: "#c0392b",
    drifting_away: "#8e44ad",
    disappointment: "#d35400",
    misunderstanding: "#2c7fb8",
    suggestion: "#16a085",
    praise: "#27ae60"
  };

  function draw(canvas, data) {
    var labels = JSON.parse(canvas.dataset.labels || "{}");
    var datasets = Object.keys(data.shares).map(function (signal) {
      return {
        type: "line",
        label: labels[signal] || signal,
        data: data.shares[signal].map(function (v) { return v === null ? null : v * 100; }),
        borderColor: COLOURS[signal] || "#555",
        backgroundColor: COLOURS[signal] || "#555",
        borderWidth: 1.5,
        pointRadius: 0,
        spanGaps: true,
        yAxisID: "share"
      };
    });
    datasets.push({
      type: "bar",
      label: canvas.dataset.volumeLabel || "volume",
      data: data.volume,
      backgroundColor: "rgba(120, 120, 120, 0.25)",
      yAxisID: "volume"
    });
    new window.Chart(canvas, {
      data: { labels: data.days, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          share: { position: "left", beginAtZero: true, ticks: { callback: function (v) { return v + " %"; } } },
          volume: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
          x: { ticks: { maxTicksLimit: 8 } }
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 10 } } }
      }
    });
    canvas.dataset.drawn = "true";
  }

  function load(canvas) {
    fetch(canvas.dataset.seriesUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { draw(canvas, data); })
      .catch(function () { canvas.dataset.drawn = "failed"; });
  }

  function start() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas.segment-series[data-series-url]").forEach(load);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
