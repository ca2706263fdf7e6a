// Report tables as Apache ECharts options. Each table from the API says how to draw itself (chart.kind, x,
// series, stack, y, band, compare); this turns that and the rows into an option object. Colours come from
// the design tokens, so the dark theme and contrast fixes reach the charts too.

import { t } from "/static/js/reports/ui.js";

const TOKEN_COLOURS = [
  "--color-primary",
  "--color-info",
  "--color-ok",
  "--color-warn",
  "--color-danger",
  "--color-border-strong",
  "--color-muted",
  "--color-text",
];

export function palette() {
  const style = getComputedStyle(document.documentElement);
  return TOKEN_COLOURS.map((name) => style.getPropertyValue(name).trim()).filter(Boolean);
}

function token(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

const WEEKDAYS = () => [t("Mon"), t("Tue"), t("Wed"), t("Thu"), t("Fri"), t("Sat"), t("Sun")];

export function hourLabel(hour) {
  return `${String(hour).padStart(2, "0")}:00`;
}

function num(value) {
  if (value === null || value === undefined || value === "") return null;
  return Number(value);
}

function columnLabel(table, key) {
  const column = table.columns.find((c) => c.key === key);
  return column ? column.label : key;
}

function category(table, key, value) {
  const column = table.columns.find((c) => c.key === key);
  if (column && column.kind === "hour") return hourLabel(value);
  return String(value);
}

function base(rtl) {
  const text = token("--color-text");
  const muted = token("--color-muted");
  return {
    color: palette(),
    textStyle: { color: text },
    tooltip: { trigger: "axis", confine: true },
    legend: { top: 0, type: "scroll", textStyle: { color: muted } },
    grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "category", inverse: rtl, axisLabel: { color: muted } },
    yAxis: { type: "value", position: rtl ? "right" : "left", axisLabel: { color: muted } },
    animationDuration: 300,
  };
}

// A line or bar chart; `previous` rows add a dashed series per value (compare to the previous period),
// `band` adds a shaded interval under the first series (a forecast).
function textAxis(option, table, key, count) {
  const column = table.columns.find((c) => c.key === key);
  if (column && column.kind === "text" && count > 3) {
    option.xAxis.axisLabel = { ...option.xAxis.axisLabel, interval: 0, rotate: 35, width: 110, overflow: "truncate" };
    // A slanted label hangs left of its tick; the leftmost one would be cut at the chart's edge.
    option.grid = { ...option.grid, left: 72 };
  }
}

function cartesian(table, { rtl, kind }) {
  const chart = table.chart;
  const option = base(rtl);
  const xs = table.rows.map((row) => category(table, chart.x, row[chart.x]));
  option.xAxis.data = xs;
  textAxis(option, table, chart.x, xs.length);
  option.series = chart.series.map((key) => ({
    name: columnLabel(table, key),
    type: kind,
    data: table.rows.map((row) => num(row[key])),
    smooth: kind === "line",
    showSymbol: kind === "line" && xs.length < 40,
  }));
  if (chart.compare && table.previous) {
    for (const key of chart.series) {
      option.series.push({
        name: `${columnLabel(table, key)} · ${t("previous period")}`,
        type: "line",
        lineStyle: { type: "dashed" },
        showSymbol: false,
        data: xs.map((_, i) => (table.previous[i] ? num(table.previous[i][key]) : null)),
      });
    }
  }
  option.legend.data = option.series.map((series) => series.name);
  if (chart.band && chart.band.length === 2 && kind === "bar") {
    // Bars get their interval as two marker series (low, high) rather than a shaded area.
    for (const key of chart.band) {
      option.series.push({
        name: columnLabel(table, key),
        type: "line",
        data: table.rows.map((row) => num(row[key])),
        lineStyle: { opacity: 0 },
        symbol: "diamond",
        symbolSize: 10,
      });
    }
    option.legend.data = option.series.map((series) => series.name);
  } else if (chart.band && chart.band.length === 2) {
    const [lowKey, highKey] = chart.band;
    const low = table.rows.map((row) => num(row[lowKey]));
    const spread = table.rows.map((row) => num(row[highKey]) - num(row[lowKey]));
    option.series.push(
      { name: columnLabel(table, lowKey), type: "line", stack: "band", data: low, lineStyle: { opacity: 0 }, showSymbol: false },
      {
        name: t("Band"),
        type: "line",
        stack: "band",
        data: spread,
        lineStyle: { opacity: 0 },
        showSymbol: false,
        areaStyle: { color: token("--color-info"), opacity: 0.18 },
        tooltip: { show: false },
      },
    );
    option.tooltip.formatter = (items) => {
      const i = items[0].dataIndex;
      const row = table.rows[i];
      return `${xs[i]}<br>${columnLabel(table, chart.series[0])}: ${row[chart.series[0]]}<br>${columnLabel(table, lowKey)} – ${columnLabel(table, highKey)}: ${row[lowKey]} – ${row[highKey]}`;
    };
  }
  return option;
}

// Long rows (x, stack label, value) pivoted into one series per label; wide rows stack their series.
function stacked(table, { rtl }) {
  const chart = table.chart;
  const option = base(rtl);
  if (chart.stack) {
    const xs = [...new Set(table.rows.map((row) => String(row[chart.x])))];
    const value = chart.series[0];
    const totals = new Map();
    for (const row of table.rows) {
      const label = String(row[chart.stack]);
      totals.set(label, (totals.get(label) || 0) + (num(row[value]) || 0));
    }
    // Biggest first, as the split's own table and donut rank them, so colours match between the charts.
    const labels = [...totals.keys()].sort((a, b) => totals.get(b) - totals.get(a));
    const cell = new Map(table.rows.map((row) => [`${row[chart.x]}|${row[chart.stack]}`, num(row[value])]));
    option.xAxis.data = xs.map((x) => category(table, chart.x, x));
    option.series = labels.map((label) => ({
      name: label,
      type: "bar",
      stack: "all",
      data: xs.map((x) => cell.get(`${x}|${label}`) ?? 0),
    }));
  } else {
    option.xAxis.data = table.rows.map((row) => category(table, chart.x, row[chart.x]));
    textAxis(option, table, chart.x, table.rows.length);
    option.series = chart.series.map((key) => ({
      name: columnLabel(table, key),
      type: "bar",
      stack: "all",
      data: table.rows.map((row) => num(row[key])),
    }));
  }
  return option;
}

function donut(table) {
  const chart = table.chart;
  const value = chart.series[0];
  return {
    color: palette(),
    textStyle: { color: token("--color-text") },
    tooltip: { trigger: "item", confine: true },
    legend: { bottom: 0, type: "scroll", textStyle: { color: token("--color-muted") } },
    series: [
      {
        name: columnLabel(table, value),
        type: "pie",
        radius: ["42%", "70%"],
        center: ["50%", "45%"],
        itemStyle: { borderColor: token("--color-surface"), borderWidth: 2 },
        label: { color: token("--color-text") },
        // Slivers (a few refunds among 80 k paid invoices) would print their labels on top of each other:
        // those go unlabelled on the ring and stay in the legend, the tooltip and the table.
        minShowLabelAngle: 4,
        labelLayout: { hideOverlap: true },
        data: table.rows.map((row) => ({ name: String(row[chart.x]), value: num(row[value]) })),
      },
    ],
  };
}

function heatmap(table, { rtl }) {
  const chart = table.chart;
  const value = chart.series[0];
  const hours = [...new Set(table.rows.map((row) => row[chart.x]))].sort((a, b) => a - b);
  const days = WEEKDAYS();
  const data = table.rows.map((row) => [hours.indexOf(row[chart.x]), row[chart.y] - 1, num(row[value])]);
  const max = Math.max(1, ...data.map((d) => d[2] || 0));
  return {
    textStyle: { color: token("--color-text") },
    tooltip: {
      position: "top",
      formatter: (p) => `${days[p.value[1]]} ${hourLabel(hours[p.value[0]])}: ${p.value[2]}`,
    },
    grid: { left: 8, right: 16, top: 8, bottom: 56, containLabel: true },
    xAxis: { type: "category", inverse: rtl, data: hours.map(hourLabel), splitArea: { show: true } },
    yAxis: { type: "category", data: days, position: rtl ? "right" : "left", splitArea: { show: true } },
    visualMap: {
      min: 0,
      max,
      calculable: true,
      orient: "horizontal",
      left: "center",
      bottom: 0,
      inRange: { color: [token("--color-surface-2"), token("--color-warn"), token("--color-primary")] },
      textStyle: { color: token("--color-muted") },
    },
    series: [{ name: columnLabel(table, value), type: "heatmap", data, label: { show: false } }],
  };
}

export function optionFor(table, { rtl = false } = {}) {
  const chart = table.chart;
  if (!chart) return null;
  switch (chart.kind) {
    case "line":
      return cartesian(table, { rtl, kind: "line" });
    case "bar":
      return cartesian(table, { rtl, kind: "bar" });
    case "stacked_bar":
      return stacked(table, { rtl });
    case "donut":
      return donut(table);
    case "heatmap":
      return heatmap(table, { rtl });
    default:
      return null;
  }
}
