// Charts drawn from JSON the page embeds (<script type="application/json">), with the
// Chart.js package served from node_modules (no CDN). Each chart also has a table or
// text beside it, so nothing is said only by the picture.
(function () {
  if (!window.Chart) return;
  const data = (id) => {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  };

  const radar = data("radar-data");
  const radarCanvas = document.getElementById("radar-chart");
  if (radar && radarCanvas) {
    const labels = JSON.parse(radarCanvas.dataset.labels);
    new Chart(radarCanvas, {
      type: "radar",
      data: {
        labels: radar.labels,
        datasets: [
          { label: labels.self, data: radar.self, spanGaps: true },
          { label: labels.leader, data: radar.leader, spanGaps: true },
          { label: labels.peer, data: radar.peer, spanGaps: true },
        ],
      },
      options: { scales: { r: { min: Number(radarCanvas.dataset.min), max: Number(radarCanvas.dataset.max), ticks: { stepSize: 1 } } } },
    });
  }

  const attainment = data("attainment-data");
  const attainmentCanvas = document.getElementById("attainment-chart");
  if (attainment && attainmentCanvas) {
    new Chart(attainmentCanvas, {
      type: "bar",
      data: { labels: attainment.labels, datasets: [{ label: attainmentCanvas.dataset.label, data: attainment.points }] },
      options: { indexAxis: "y", scales: { x: { min: 0, suggestedMax: 120 } }, plugins: { legend: { display: false } } },
    });
  }

  const distribution = data("distribution-data");
  const distributionCanvas = document.getElementById("distribution-chart");
  if (distribution && distributionCanvas) {
    const labels = JSON.parse(distributionCanvas.dataset.labels);
    new Chart(distributionCanvas, {
      type: "bar",
      data: {
        labels: distribution.grades,
        datasets: [
          { label: labels.actual, data: distribution.percent },
          { label: labels.quota, data: distribution.quota },
        ],
      },
      options: { scales: { y: { min: 0, suggestedMax: 60, title: { display: true, text: "%" } } } },
    });
  }

  const trend = data("trend-data");
  const trendCanvas = document.getElementById("trend-chart");
  if (trend && trendCanvas) {
    new Chart(trendCanvas, {
      type: "line",
      data: { labels: trend.labels, datasets: [{ label: trendCanvas.dataset.label, data: trend.scores }] },
      options: { scales: { y: { min: 0, suggestedMax: 100 } } },
    });
  }
})();
