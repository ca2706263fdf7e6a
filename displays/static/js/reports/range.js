// Date ranges for the reports: presets resolved in the branch's time zone, as ISO dates (YYYY-MM-DD).

import { t } from "/static/js/reports/ui.js";

export function todayIn(timeZone) {
  // en-CA writes dates as YYYY-MM-DD whatever the page language.
  return new Intl.DateTimeFormat("en-CA", { timeZone: timeZone || undefined }).format(new Date());
}

function parse(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function iso(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(isoDate, days) {
  const d = parse(isoDate);
  d.setUTCDate(d.getUTCDate() + days);
  return iso(d);
}

export const PRESETS = [
  ["today", () => t("Today")],
  ["yesterday", () => t("Yesterday")],
  ["7d", () => t("Last 7 days")],
  ["30d", () => t("Last 30 days")],
  ["month", () => t("This month")],
  ["last_month", () => t("Last month")],
  ["90d", () => t("Last 90 days")],
  ["year", () => t("This year")],
  ["custom", () => t("Custom")],
];

export function resolve(preset, timeZone) {
  const today = todayIn(timeZone);
  const d = parse(today);
  switch (preset) {
    case "today":
      return { from: today, to: today };
    case "yesterday":
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case "7d":
      return { from: addDays(today, -6), to: today };
    case "90d":
      return { from: addDays(today, -89), to: today };
    case "month":
      return { from: iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1))), to: today };
    case "last_month": {
      const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1));
      const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 0));
      return { from: iso(first), to: iso(last) };
    }
    case "year":
      return { from: iso(new Date(Date.UTC(d.getUTCFullYear(), 0, 1))), to: today };
    default:
      return { from: addDays(today, -29), to: today };
  }
}
