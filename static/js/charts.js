// Charts drawn from JSON the page embeds (<script type="application/json">), with the
// Chart.js package served from node_modules (no CDN). Each chart also has a table or
// text beside it, so nothing is said only by the picture.
(function () {
  if (!window.Chart) return;
  const data = (id) => {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  };

  // A label as lines of at most `width` characters, broken at spaces; text without spaces
  // (Chinese) is cut every `width / 2` characters, each being about twice as wide.
  const wrapLabel = (label, width) => {
    const text = String(label);
    if (!/\s/.test(text.trim())) {
      const size = /[\u3000-\u9fff\uff00-\uffef]/.test(text) ? Math.max(4, Math.floor(width / 2)) : width;
      const pieces = [];
      for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
      return pieces.length > 1 ? pieces : text;
    }
    const lines = [];
    for (const word of text.split(/\s+/)) {
      const last = lines.length ? lines[lines.length - 1] : null;
      if (last !== null && (last + " " + word).length <= width) lines[lines.length - 1] = last + " " + word;
      else lines.push(word);
    }
    return lines.length > 1 ? lines : text;
  };

  // Point labels: smaller on a phone, and smaller still in the printed scorecard's column.
  const labelSize = (width) => (width < 240 ? 7 : width < 360 ? 10 : 11);

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
      options: {
        layout: { padding: 6 },
        plugins: {
          legend: {
            position: "bottom",
            labels: { boxWidth: 10, font: (context) => ({ size: context.chart.width < 240 ? 8 : 12 }) },
          },
        },
        scales: {
          r: {
            min: Number(radarCanvas.dataset.min),
            max: Number(radarCanvas.dataset.max),
            ticks: { stepSize: 1 },
            // Long competency names are wrapped onto lines and drawn smaller on a narrow
            // chart: Chart.js shrinks the web to fit its labels, but cannot fit a label
            // wider than the room beside the web, which it then cuts off at the edge.
            pointLabels: {
              padding: 4,
              font: (context) => ({ size: labelSize(context.chart.width) }),
              callback: (label) => wrapLabel(label, radarCanvas.parentElement.clientWidth < 360 ? 12 : 16),
            },
          },
        },
      },
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
