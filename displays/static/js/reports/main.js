// /reports: one script for every report page. The page's toolbar (branch, currency, date range with presets,
// compare to the previous period, and for sales the period and grouping) lives in the URL, so a report can be
// bookmarked and shared; the script reads /api/v1/reports/<name> and draws its figures, and each table as a
// chart (Apache ECharts, served by Passline) with the table itself and CSV beside it; XLSX takes the lot.

import * as echarts from "/vendor/echarts/echarts.esm.min.mjs";
import { clear, date, dir, h, http, money, number, pageData, qs, t, toast } from "/static/js/reports/ui.js";
import { hourLabel, optionFor } from "/static/js/reports/charts.js";
import { PRESETS, resolve } from "/static/js/reports/range.js";
import { listText } from "/static/js/shared/format.js";

const report = pageData.report;
const rtl = dir === "rtl";
const charts = [];

function params() {
  return new URLSearchParams(window.location.search);
}

function query() {
  const p = params();
  const out = new URLSearchParams();
  for (const key of ["branch_id", "currency", "period", "by"]) if (p.get(key)) out.set(key, p.get(key));
  if (report !== "dashboard" && report !== "insights") {
    const preset = p.get("preset") || "30d";
    const range = preset === "custom" ? { from: p.get("from"), to: p.get("to") } : resolve(preset, pageData.timezone);
    if (range.from) out.set("from", range.from);
    if (range.to) out.set("to", range.to);
    if (p.get("compare") === "true") out.set("compare", "true");
  }
  return out;
}

function setParam(key, value) {
  const p = params();
  if (value === "" || value === null || value === undefined) p.delete(key);
  else p.set(key, value);
  window.history.replaceState(null, "", `${window.location.pathname}?${p}`);
  load();
}

// ------------------------------------------------------------------ cells

function seconds(value) {
  if (value === null || value === undefined) return "";
  const s = Math.round(Number(value));
  const m = Math.floor(s / 60);
  return m ? t("{m} min {s} s", { m, s: String(s % 60).padStart(2, "0") }) : t("{s} s", { s });
}

export function cell(kind, value, currency) {
  if (value === null || value === undefined || value === "") return "—";
  switch (kind) {
    case "money":
      return money(value, currency);
    case "int":
    case "qty":
      return number(value);
    case "percent":
      return `${number(value)} %`;
    case "seconds":
      return seconds(value);
    case "date":
      return date(`${value}T12:00:00`);
    case "hour":
      return hourLabel(value);
    default:
      return String(value);
  }
}

// ------------------------------------------------------------------ drawing

function figureCard(fig, currency) {
  const change = fig.change === null || fig.change === undefined ? null : Number(fig.change);
  return h(
    "article",
    { class: "card rp-figure", dataset: { key: fig.key } },
    h("h3", { class: "rp-figure-label", text: fig.label }),
    h("p", { class: "rp-figure-value", text: cell(fig.kind, fig.value, currency) }),
    fig.previous === null || fig.previous === undefined
      ? null
      : h(
          "p",
          { class: "rp-figure-previous" },
          h("span", { text: `${t("before")}: ${cell(fig.kind, fig.previous, currency)}` }),
          change === null
            ? null
            : h("span", {
                class: `badge ${change === 0 ? "" : (change > 0) !== Boolean(fig.lower_is_better) ? "badge-ok" : "badge-danger"}`,
                text: `${change > 0 ? "+" : ""}${number(change)} %`,
              }),
        ),
  );
}

function tableElement(table, currency) {
  return h(
    "table",
    { class: "table rp-table" },
    h("thead", {}, h("tr", {}, ...table.columns.map((c) => h("th", { text: c.label, class: c.kind === "text" ? "" : "n" })))),
    h(
      "tbody",
      {},
      ...table.rows.map((row) =>
        h("tr", {}, ...table.columns.map((c) => h("td", { text: cell(c.kind, row[c.key], currency), class: c.kind === "text" ? "" : "n" }))),
      ),
    ),
  );
}

function exportUrl(format, table) {
  const q = query();
  q.set("format", format);
  if (table) q.set("table", table);
  return `/api/v1/reports/${report}?${q}`;
}

function tableCard(table, currency) {
  const chartBox = h("div", { class: "rp-chart", attrs: { role: "img", "aria-label": table.title } });
  const empty = !table.rows.length;
  const details = empty
    ? h("p", { class: "empty", text: t("Nothing in this range.") })
    : h("details", { class: "rp-details" }, h("summary", { text: t("Table") }), tableElement(table, currency));
  const card = h(
    "section",
    // A table of many columns does not fit half the page: its card takes the whole row.
    { class: table.columns.length > 7 ? "card rp-card rp-card-wide" : "card rp-card", dataset: { table: table.name } },
    h(
      "header",
      { class: "rp-card-head" },
      h("h2", { text: table.title }),
      empty
        ? null
        : h("a", { class: "btn btn-ghost", text: t("CSV"), attrs: { href: exportUrl("csv", table.name), download: "" } }),
    ),
    table.chart && table.rows.length ? chartBox : null,
    details,
  );
  if (table.chart && table.rows.length) {
    queueMicrotask(() => {
      const chart = echarts.init(chartBox, null, { renderer: "canvas" });
      chart.setOption(optionFor(table, { rtl }));
      charts.push(chart);
    });
  } else if (!table.chart && !empty) {
    details.open = true;
  }
  return card;
}

function render(body) {
  for (const chart of charts.splice(0)) chart.dispose();
  const currency = body.currency;
  const figures = clear(qs("#figures"));
  for (const fig of body.figures) figures.append(figureCard(fig, currency));
  const tables = clear(qs("#tables"));
  for (const table of body.tables) tables.append(tableCard(table, currency));
  const range = qs("#range-shown");
  if (range) {
    range.textContent =
      body.date_from === body.date_to
        ? cell("date", body.date_from)
        : `${cell("date", body.date_from)} – ${cell("date", body.date_to)}`;
  }
  const xlsx = qs("#xlsx");
  if (xlsx) xlsx.href = exportUrl("xlsx");
  const others = qs("#other-currencies");
  if (others) {
    others.hidden = !body.other_currencies.length;
    others.textContent = body.other_currencies.length
      ? t("Showing {currency}; your branches also trade in {others}.", { currency, others: listText(body.other_currencies) })
      : "";
  }
  const currencySelect = qs("#currency");
  if (currencySelect) currencySelect.value = currency;
  document.body.dataset.loaded = "true";
}

let loading = 0;
async function load() {
  const mine = ++loading;
  qs("#status").textContent = t("Loading…");
  const result = await http.get(`/api/v1/reports/${report}?${query()}`);
  if (mine !== loading) return;
  qs("#status").textContent = "";
  if (!result.ok) {
    const message = result.offline ? t("No connection to the server.") : result.error.message;
    qs("#problem").textContent = message;
    qs("#problem").hidden = false;
    toast.error(message);
    return;
  }
  qs("#problem").hidden = true;
  render(result.data);
}

// ------------------------------------------------------------------ toolbar

function wire() {
  const p = params();
  const preset = qs("#preset");
  if (preset) {
    for (const [value, label] of PRESETS) preset.append(h("option", { text: label(), attrs: { value } }));
    preset.value = p.get("preset") || "30d";
    const custom = qs("#custom-range");
    const show = () => {
      custom.hidden = preset.value !== "custom";
    };
    show();
    preset.addEventListener("change", () => {
      show();
      if (preset.value !== "custom") setParam("preset", preset.value);
    });
    const from = qs("#from");
    const to = qs("#to");
    const range = preset.value === "custom" ? { from: p.get("from"), to: p.get("to") } : resolve(preset.value, pageData.timezone);
    from.value = range.from || "";
    to.value = range.to || "";
    qs("#apply-range").addEventListener("click", () => {
      const q = params();
      q.set("preset", "custom");
      q.set("from", from.value);
      q.set("to", to.value);
      window.history.replaceState(null, "", `${window.location.pathname}?${q}`);
      load();
    });
  }
  for (const [id, key] of [
    ["#branch", "branch_id"],
    ["#currency", "currency"],
    ["#period", "period"],
    ["#by", "by"],
  ]) {
    const el = qs(id);
    if (!el) continue;
    if (p.get(key)) el.value = p.get(key);
    el.addEventListener("change", () => {
      // A branch trades in one currency: picking one clears the other choice, so they never disagree.
      const other = { branch_id: ["currency", "#currency"], currency: ["branch_id", "#branch"] }[key];
      if (other) {
        const q = params();
        q.delete(other[0]);
        window.history.replaceState(null, "", `${window.location.pathname}?${q}`);
        const otherEl = qs(other[1]);
        if (otherEl && key === "currency") otherEl.value = "";
      }
      setParam(key, el.value);
    });
  }
  const compare = qs("#compare");
  if (compare) {
    compare.checked = p.get("compare") === "true";
    compare.addEventListener("change", () => setParam("compare", compare.checked ? "true" : ""));
  }
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
}

// The dashboard's own setting: whether this manager gets the daily summary e-mail, and where.
async function wireSummaryMail() {
  const form = qs("#summary-mail");
  if (!form) return;
  const wanted = qs("#mail-wanted");
  const address = qs("#mail-address");
  const problem = qs("#mail-problem");
  const current = await http.get("/api/v1/reports/summary-mail");
  if (current.ok) {
    wanted.checked = current.data.daily_summary;
    address.value = current.data.email || "";
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const saved = await http.put("/api/v1/reports/summary-mail", {
      daily_summary: wanted.checked,
      email: address.value.trim() || null,
    });
    problem.hidden = saved.ok;
    if (saved.ok) {
      toast.ok(t("Saved."));
    } else {
      problem.textContent = saved.offline ? t("No connection to the server.") : saved.error.message;
    }
  });
}

wire();
load();
wireSummaryMail();
