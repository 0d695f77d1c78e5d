/* Staff dashboards: fetch the page's JSON, fill in the figures and draw the
   charts with Chart.js, then again every data-refresh-seconds. Text goes in
   with textContent only: merchant names and usernames are never HTML. */
(function () {
  "use strict";

  const root = document.getElementById("dashboard");
  if (!root || typeof window.Chart === "undefined") {
    return;
  }
  const Chart = window.Chart;
  const kind = root.dataset.dashboard;
  const source = root.dataset.source;
  const refreshMs = Math.max(1, Number(root.dataset.refreshSeconds || 10)) * 1000;
  const statusLine = root.querySelector("[data-status]");
  const charts = {};

  const COLORS = {
    approved: "#3b82c4",
    declined: "#c4573b",
    fraud: "#8e44ad",
    rate: "#e67e22",
    good: "#2e8b57",
    bad: "#c0392b",
    neutral: "#7f8c8d",
    tiers: ["#5aa469", "#f0c419", "#e67e22", "#c0392b"],
    versions: ["#3b82c4", "#e67e22", "#2e8b57", "#8e44ad", "#c0392b", "#16a085"],
  };

  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.color = getComputedStyle(document.body).getPropertyValue("--body-fg").trim() || "#333";

  function get(data, path) {
    return path.split(".").reduce((value, key) => (value == null ? value : value[key]), data);
  }

  function percent(value) {
    return value == null ? "–" : (value * 100).toFixed(1) + " %";
  }

  function percentAxis(max) {
    return { position: "right", min: 0, suggestedMax: max, grid: { drawOnChartArea: false },
             ticks: { callback: (value) => Number((value * 100).toFixed(1)) + " %" } };
  }

  function show(value, format) {
    if (value == null || value === "") {
      return { datetime: "never", optional: "" }[format] ?? "–";
    }
    if (format === "percent") {
      return percent(value);
    }
    if (format === "datetime") {
      return new Date(value).toISOString().slice(0, 16).replace("T", " ");
    }
    return String(value);
  }

  function fillValues(data) {
    root.querySelectorAll("[data-value]").forEach((element) => {
      element.textContent = show(get(data, element.dataset.value), element.dataset.format);
    });
  }

  function draw(id, config) {
    const existing = charts[id];
    if (existing) {
      existing.data = config.data;
      existing.options = config.options || {};
      existing.update("none");
      return;
    }
    const canvas = document.getElementById(id);
    if (canvas) {
      charts[id] = new Chart(canvas, config);
    }
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) {
      td.className = className;
    }
    row.appendChild(td);
    return td;
  }

  function fillTable(id, rows, columns) {
    const body = document.querySelector("#" + id + " tbody");
    const fresh = document.createDocumentFragment();
    rows.forEach((item) => {
      const row = document.createElement("tr");
      columns.forEach(([text, className]) => cell(row, text(item), className));
      fresh.appendChild(row);
    });
    body.replaceChildren(fresh);
  }

  function lineSeries(label, values, color, axis) {
    return { type: "line", label: label, data: values, borderColor: color, backgroundColor: color,
             yAxisID: axis || "y", pointRadius: 3, spanGaps: false, tension: 0 };
  }

  /* Overview ------------------------------------------------------------ */

  function overview(data) {
    const labels = data.window.labels;
    const volume = data.volume;
    draw("chart-volume", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          lineSeries("Decline rate", volume.decline_rate, COLORS.rate, "rate"),
          lineSeries("Fraud rate", volume.fraud_rate, COLORS.fraud, "rate"),
          { label: "Approved", data: volume.approved, backgroundColor: COLORS.approved, stack: "volume" },
          { label: "Declined", data: volume.declined, backgroundColor: COLORS.declined, stack: "volume" },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "authorizations" } },
                           rate: percentAxis(0.1) } },
    });

    const tierTotal = data.tiers.counts.reduce((sum, count) => sum + count, 0);
    draw("chart-tiers", {
      type: "doughnut",
      data: tierTotal
        ? { labels: data.tiers.tiers, datasets: [{ data: data.tiers.counts, backgroundColor: COLORS.tiers }] }
        : { labels: ["no scores yet"], datasets: [{ data: [1], backgroundColor: [COLORS.neutral] }] },
      options: { plugins: { legend: { position: "right" } } },
    });

    draw("chart-histogram", {
      type: "bar",
      data: { labels: data.score_histogram.labels,
              datasets: [{ label: "Scores", data: data.score_histogram.counts, backgroundColor: COLORS.approved }] },
      /* A log scale shows the few high scores beside the many low ones. */
      options: { plugins: { legend: { display: false } }, scales: { y: { type: "logarithmic", min: 0.8 } } },
    });

    const hours = data.fraud_by_hour;
    draw("chart-fraud-hour", {
      type: "bar",
      data: {
        labels: hours.hours.map((hour) => String(hour).padStart(2, "0")),
        datasets: [
          lineSeries("Fraud rate", hours.fraud_rate, COLORS.rate, "rate"),
          { label: "Confirmed fraud", data: hours.fraud, backgroundColor: COLORS.fraud },
        ],
      },
      options: { scales: { y: { beginAtZero: true }, rate: percentAxis(0.05) } },
    });

    const queue = data.queue;
    draw("chart-queue", {
      type: "bar",
      data: {
        labels: labels,
        datasets: [
          { label: "Opened", data: queue.opened_series, backgroundColor: COLORS.declined },
          { label: "Closed", data: queue.closed_series, backgroundColor: COLORS.good },
        ],
      },
      options: { scales: { y: { beginAtZero: true } } },
    });

    const analysts = queue.throughput;
    draw("chart-throughput", {
      type: "bar",
      data: {
        labels: analysts.length ? analysts.map((row) => row.analyst) : ["nobody yet"],
        datasets: [
          { label: "Closed within SLA", data: analysts.length ? analysts.map((row) => row.closed - row.late) : [0],
            backgroundColor: COLORS.good, stack: "closed" },
          { label: "Closed past SLA", data: analysts.length ? analysts.map((row) => row.late) : [0],
            backgroundColor: COLORS.bad, stack: "closed" },
        ],
      },
      options: { indexAxis: "y", scales: { x: { stacked: true, beginAtZero: true, suggestedMax: 1 }, y: { stacked: true } } },
    });

    fillTable("latest", data.latest, [
      [(row) => show(row.created_at, "datetime").slice(11)],
      [(row) => (row.card_last_four ? "•••• " + row.card_last_four : "–")],
      [(row) => row.merchant],
      [(row) => row.amount_display + " " + row.currency, "number"],
      [(row) => row.status],
      [(row) => row.response_code],
      [(row) => (row.score == null ? "–" : row.score.toFixed(3)), "number"],
      [(row) => row.tier || "not scored"],
    ]);
  }

  /* Model performance ---------------------------------------------------- */

  function versionLines(data, measure) {
    /* Periods without labels have no value: join the ones that have. */
    return data.versions.map((version, index) => Object.assign(
      lineSeries(version.name + " (" + version.status + ")", version.series[measure],
                 COLORS.versions[index % COLORS.versions.length]),
      { spanGaps: true, pointRadius: 4 }));
  }

  function expectedAt(version, tier) {
    /* What training expected at or above the tier: per day, and its precision. */
    const expected = (version.expected || {})[tier];
    if (!expected) {
      return "";
    }
    return "; expected " + Number(expected.per_day.toPrecision(3)) + "/day at " + percent(expected.precision);
  }

  function atTier(version, tier) {
    const point = version.at_thresholds.find((item) => item.tier === tier);
    if (!point) {
      return "–" + expectedAt(version, tier);
    }
    return percent(point.precision) + " / " + percent(point.recall) + " (≥ " + Number(point.threshold.toPrecision(3)) + ", " + point.flagged + " flagged" + expectedAt(version, tier) + ")";
  }

  function models(data) {
    const labels = data.window.labels;
    const unit = { y: { min: 0, max: 1 } };
    draw("chart-ap", { type: "line", data: { labels: labels, datasets: versionLines(data, "average_precision") }, options: { scales: unit } });
    draw("chart-precision", { type: "line", data: { labels: labels, datasets: versionLines(data, "precision_at_high") }, options: { scales: unit } });
    draw("chart-recall", { type: "line", data: { labels: labels, datasets: versionLines(data, "recall_at_high") }, options: { scales: unit } });
    draw("chart-labelled", {
      type: "bar",
      data: { labels: labels, datasets: data.versions.map((version, index) => ({
        label: version.name, data: version.series.labelled,
        backgroundColor: COLORS.versions[index % COLORS.versions.length] })) },
      options: { scales: { y: { beginAtZero: true } } },
    });
    fillTable("versions", data.versions, [
      [(version) => version.name],
      [(version) => version.status],
      [(version) => String(version.labelled), "number"],
      [(version) => String(version.frauds), "number"],
      [(version) => (version.average_precision == null ? "–" : version.average_precision.toFixed(4)), "number"],
      [(version) => atTier(version, "medium")],
      [(version) => atTier(version, "high")],
      [(version) => atTier(version, "critical")],
    ]);
  }

  /* Business impact ------------------------------------------------------ */

  function impact(data) {
    const scale = Math.pow(10, data.currency_exponent);
    const major = (values) => values.map((value) => value / scale);
    const currency = data.assumptions.currency;
    const series = data.series;
    draw("chart-impact", {
      type: "bar",
      data: {
        labels: data.window.labels,
        datasets: [
          { label: "Fraud prevented", data: major(series.fraud_prevented), backgroundColor: COLORS.good, stack: "saved" },
          { label: "Fraud losses", data: major(series.fraud_losses), backgroundColor: COLORS.bad, stack: "spent" },
          { label: "Review cost", data: major(series.review_cost), backgroundColor: COLORS.rate, stack: "spent" },
          { label: "False-positive cost", data: major(series.false_positive_cost), backgroundColor: COLORS.fraud, stack: "spent" },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: currency } } } },
    });
    const totals = data.totals;
    draw("chart-impact-totals", {
      type: "bar",
      data: {
        labels: ["Prevented", "Losses", "Review", "False positives", "Net"],
        datasets: [{
          label: currency,
          data: major([totals.fraud_prevented, totals.fraud_losses, totals.review_cost, totals.false_positive_cost, totals.net_benefit]),
          backgroundColor: [COLORS.good, COLORS.bad, COLORS.rate, COLORS.fraud, COLORS.approved],
        }],
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { suggestedMin: 0, suggestedMax: 1 } } },
    });
    const link = document.getElementById("assumptions-change");
    if (data.assumptions.change_url) {
      link.href = data.assumptions.change_url;
      link.hidden = false;
    } else {
      link.hidden = true;
    }
  }

  const renderers = { overview: overview, models: models, impact: impact };

  async function refresh() {
    if (document.hidden && root.dataset.refreshCount !== "0") {
      /* No polling from a tab nobody looks at; catch up when it shows. */
      document.addEventListener("visibilitychange", refresh, { once: true });
      return;
    }
    try {
      const response = await fetch(source, {
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-Dashboard-Poll": "1" },
      });
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      if (!(response.headers.get("Content-Type") || "").includes("json")) {
        throw new Error("signed out? Reload the page to sign in");
      }
      const data = await response.json();
      fillValues(data);
      renderers[kind](data);
      root.dataset.refreshCount = String(Number(root.dataset.refreshCount) + 1);
      root.dataset.generatedAt = data.generated_at;
      statusLine.textContent = "Updated " + show(data.generated_at, "datetime").slice(11) + " UTC (" + data.window.label.toLowerCase() + ").";
      statusLine.classList.remove("errornote");
    } catch (error) {
      statusLine.textContent = "Could not refresh: " + error.message + ". Retrying.";
      statusLine.classList.add("errornote");
    } finally {
      window.setTimeout(refresh, refreshMs);
    }
  }

  window.issuerDashboard = { charts: charts, refresh: refresh };
  refresh();
})();
