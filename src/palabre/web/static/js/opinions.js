// Opinion map: draws the participants of each opinion group as a 2-D scatter.
// The page holds no inline script (the Content-Security-Policy forbids it): the canvas
// carries the points of the groups large enough to show, in a data-* attribute.
// Points are anonymous positions: no name and no vote travels to the browser.
(function () {
  "use strict";

  var COLOURS = ["#2c7fb8", "#d35400", "#16a085", "#8e44ad", "#c0392b"];
  var LETTERS = "ABCDEFGHIJ";

  function draw(canvas) {
    var groups = JSON.parse(canvas.dataset.groups || "[]");
    var label = canvas.dataset.label || "Group";
    var datasets = groups.map(function (points, index) {
      return {
        label: label + " " + LETTERS.charAt(index),
        data: points.map(function (p) { return { x: p[0], y: p[1] }; }),
        backgroundColor: COLOURS[index % COLOURS.length],
        pointRadius: 3
      };
    });
    new window.Chart(canvas, {
      type: "scatter",
      data: { datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { ticks: { display: false } }, y: { ticks: { display: false } } },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 10 } },
          tooltip: { enabled: false }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }

  function start() {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas.opinion-scatter").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
