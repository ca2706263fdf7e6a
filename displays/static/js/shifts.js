// Shifts and Z reports (/admin/shifts): a branch's shifts, newest first, with what each sold and its
// over/short; the Z report of the one picked shows beside the list (the server's own printable report).
//
// Live without a refresh button: sales and money move a shift's figures, so payment and order events on
// /kanban re-read the list (a shift opening or closing says nothing on the stream, so the list is also
// read again every minute while the page is open).

import { serverClock } from "/static/js/shared/clock.js";
import { h } from "/static/js/shared/dom.js";
import { bidi, dateTime, money } from "/static/js/shared/format.js";
import { http, signInAgain } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { connectLive } from "/static/js/shared/live.js";
import { pageData } from "/static/js/shared/page.js";

const TEXT = {
  connecting: t("Connecting…"),
  live: t("Live"),
  offline: t("Offline · reconnecting…"),
  refused: t("Refused"),
  open: t("open"),
  balanced: t("balanced"),
  notCounted: "—",
  report: (till, when) => t("Z report · {till} · {when}", { till: bidi(till), when }),
};

const boot = pageData.boot;
const branch = boot.branch;
const currency = branch.currency;
const $ = (id) => document.getElementById(id);

const state = { shifts: [], nextBefore: null, selected: new URL(window.location.href).searchParams.get("shift") };

function setStatus(status) {
  $("conn").dataset.status = status;
  $("conn").querySelector("span").textContent = TEXT[status] || status;
}

/** The branch's date and time (format.js: the branch's timezone, locale and digits, isolated). */
function when(value) {
  return value ? dateTime(value) : "";
}

/** A refused read: the server's message (already in the page's language) under the list. */
class Refused extends Error {
  constructor(result) {
    super(result.error.message);
    this.status = result.status;
  }
}

function fail(error) {
  if (error && error.status === 401) return signInAgain();
  $("error").textContent = error && error.message ? error.message : String(error);
  $("error").hidden = false;
}

async function load({ more = false } = {}) {
  const query = new URLSearchParams({ branch_id: String(branch.id) });
  if (more && state.nextBefore) query.set("before", state.nextBefore);
  const result = await http.get(`/api/v1/shifts?${query}`);
  if (!result.ok) throw new Refused(result);
  const page = result.data;
  state.shifts = more ? [...state.shifts, ...page.items] : page.items;
  if (!more || page.next_before === null) state.nextBefore = page.next_before;
  $("error").hidden = true;
  draw();
}

function differenceCell(s) {
  if (s.status === "open") return h("td", { class: "n ad-open", text: `◷ ${TEXT.open}` });
  if (s.difference === null || s.difference === undefined) return h("td", { class: "n", text: TEXT.notCounted });
  const n = Number(s.difference);
  // Over or short by a sign as well as a colour: "+" over, "−" (in the amount) short, "✓" balanced.
  return h("td", {
    class: `n ${n < 0 ? "ad-short" : n > 0 ? "ad-over" : "ad-settled"}`,
    text: n === 0 ? `✓ ${TEXT.balanced}` : n > 0 ? bidi(`+${money(s.difference, currency)}`) : money(s.difference, currency),
  });
}

function draw() {
  $("no-shifts").hidden = state.shifts.length > 0;
  $("more").hidden = !state.nextBefore;
  $("shift-rows").replaceChildren(
    ...state.shifts.map((s) =>
      h(
        "tr",
        { dataset: { shift: s.id, status: s.status }, attrs: { "aria-selected": String(s.id === state.selected), tabindex: "0" } },
        h("td", null, h("bdi", null, h("strong", { text: s.till_name })), h("div", { class: "mo-muted" }, h("bdi", { text: s.opened_by_name }))),
        h("td", null, when(s.opened_at), s.closed_at ? h("div", { class: "mo-muted", text: `${document.dir === "rtl" ? "←" : "→"} ${when(s.closed_at)}` }) : null),
        h("td", { class: "n", text: String(s.orders) }),
        h("td", { class: "n", text: money(s.sales_total, currency) }),
        differenceCell(s),
      ),
    ),
  );
}

function show(shiftId) {
  const s = state.shifts.find((x) => x.id === shiftId);
  if (!s) return;
  state.selected = shiftId;
  const url = new URL(window.location.href);
  url.searchParams.set("shift", shiftId);
  window.history.replaceState(null, "", url);
  const path = `/api/v1/shifts/${shiftId}/report`;
  $("report").src = path;
  $("report").hidden = false;
  $("pick").hidden = true;
  $("open-report").href = path;
  $("open-report").hidden = false;
  $("print").disabled = false;
  $("report-title").textContent = TEXT.report(s.till_name, when(s.opened_at));
  draw();
}

$("shift-rows").addEventListener("click", (event) => {
  const row = event.target.closest("[data-shift]");
  if (row) show(row.dataset.shift);
});
$("shift-rows").addEventListener("keydown", (event) => {
  const row = event.target.closest("[data-shift]");
  if (row && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    show(row.dataset.shift);
  }
});
$("print").addEventListener("click", () => {
  const frame = $("report");
  if (frame.contentWindow) frame.contentWindow.print();
});
$("more").addEventListener("click", () => load({ more: true }).catch(fail));
$("branch").addEventListener("change", (event) => {
  window.location.assign(`/admin/shifts?branch=${encodeURIComponent(event.target.value)}`);
});

// ---------------------------------------------------------------------------------------- live

let timer = null;
function soon() {
  clearTimeout(timer);
  timer = setTimeout(async () => {
    try {
      await load();
      // The report beside the list follows the money too.
      if (state.selected && $("report").src) $("report").contentWindow.location.reload();
    } catch (error) {
      fail(error);
    }
  }, 1000);
}

function onEvent(event) {
  serverClock.observeEvent(event.id);
  if (event.type.startsWith("payment.") || event.type === "order.created" || event.type === "order.state_changed") soon();
}

async function start() {
  try {
    await load();
    if (state.selected) show(state.selected);
  } catch (error) {
    fail(error);
  }
  $("shifts").dataset.ready = "";
  setInterval(soon, 60_000);
  connectLive({
    namespace: "/kanban",
    branchIds: [branch.id],
    lastIds: { [String(branch.id)]: boot.stream_id },
    onEvent,
    onResync: async () => {
      window.location.reload();
      return null;
    },
    onStatus: setStatus,
  });
}

start();
