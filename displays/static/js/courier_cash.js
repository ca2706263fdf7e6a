// Courier cash for managers (/admin/courier-cash): every courier of the branch with what they hold for it,
// a courier's open deliveries to settle (one, some or all) previewed before the settlement is made, and
// their history with a printable slip per settlement.
//
// Snapshot -> subscribe -> apply (DESIGN §5): the page was rendered with the stream id of the branch read
// before the balances; it follows /kanban from there and re-reads the figures an event changes (a dispatch,
// a delivery, a settlement from another tablet), so nothing needs a refresh button. A settlement is sent
// with an id made when the manager confirms: a double tap or a retry settles once, and a row someone else
// settled meanwhile is the server's 409, shown as such, with the list read again.

import { serverClock } from "/static/js/shared/clock.js";
import { h } from "/static/js/shared/dom.js";
import { bidi, dateTime, money } from "/static/js/shared/format.js";
import { request as send, signInAgain } from "/static/js/shared/http.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { connectLive } from "/static/js/shared/live.js";
import { pageData } from "/static/js/shared/page.js";
import { uuid4 } from "/static/js/shared/uuid.js";

const TEXT = {
  connecting: t("Connecting…"),
  live: t("Live"),
  offline: t("Offline · reconnecting…"),
  refused: t("Refused"),
  owesBranch: (amount) => t("owes the branch {amount}", { amount }),
  branchOwes: (amount) => t("the branch owes {amount}", { amount }),
  settled: t("settled"),
  onTheRoad: (n) => tn("{n} on the road", "{n} on the road", n),
  open: (n) => `(${n})`,
  kinds: { collection: t("Cash collected"), fee: t("Delivery fee"), shortfall: t("Short collected") },
  kindsOnTheRoad: { collection: t("Cash to collect"), fee: t("Delivery fee") },
  deliveryStates: { assigned: t("on the road"), accepted: t("on the road"), delivered: t("delivered"), returned: t("returned") },
  settlementKinds: { single: t("Settlement"), bulk: t("All couriers"), dispatch: t("At dispatch") },
  pickSome: t("Tick what to settle."),
  working: t("Working out the settlement…"),
  collections: t("Collections (cash for the branch)"),
  fees: t("Delivery fees"),
  shortfalls: t("Short collected"),
  netCourier: (name, amount) => t("{name} pays the branch {amount}", { name: bidi(name), amount }),
  netBranch: (name, amount) => t("The branch pays {name} {amount}", { name: bidi(name), amount }),
  netNone: t("No cash changes hands"),
  settleButton: (n) => (n === 0 ? t("Settle") : tn("Settle {n} row", "Settle {n} rows", n)),
  done: (text) => t("Settled: {text}.", { text }),
  paidCourierDone: (name, amount) => t("{name} paid the branch {amount}", { name: bidi(name), amount }),
  paidBranchDone: (name, amount) => t("the branch paid {name} {amount}", { name: bidi(name), amount }),
  printSlip: t("Print slip"),
  slip: t("Slip"),
  alreadySettled: t("Someone settled part of this meanwhile; the list is read again."),
  paidBranch: (amount) => t("courier paid {amount}", { amount }),
  paidCourier: (amount) => t("branch paid {amount}", { amount }),
  noCash: t("no cash"),
};

/** A refused call as a thrown error (status, message in the page's language) for the try/catch flows. */
class ApiError extends Error {
  constructor(result) {
    super(result.error.message);
    this.status = result.status;
    this.body = result.error.body;
  }
}

async function request(method, path, body) {
  const result = await send(method, path, body);
  if (!result.ok) throw new ApiError(result);
  return result.data;
}

function describeError(error) {
  return error && error.message ? error.message : String(error);
}

const boot = pageData.boot;
const branch = boot.branch;
const currency = branch.currency;
const $ = (id) => document.getElementById(id);

const state = {
  balances: [],
  selected: boot.courier_id ? Number(boot.courier_id) : null,
  open: [], // the selected courier's open transactions
  picked: new Set(),
  settling: false,
};

function courierById(id) {
  return state.balances.find((b) => b.courier_id === Number(id)) || null;
}

function setStatus(status) {
  $("conn").dataset.status = status;
  $("conn").querySelector("span").textContent = TEXT[status] || status;
}

function fail(error) {
  if (error instanceof ApiError && error.status === 401) {
    signInAgain();
    return;
  }
  $("error").textContent = describeError(error);
  $("error").hidden = false;
}

function when(value) {
  if (!value) return "";
  return dateTime(value);
}

function balanceText(b) {
  const abs = String(b.net).replace(/^-/, "");
  if (b.owed_by === "courier") return { text: TEXT.owesBranch(money(abs, currency)), cls: "ad-owes-courier" };
  if (b.owed_by === "branch") return { text: TEXT.branchOwes(money(abs, currency)), cls: "ad-owes-branch" };
  return { text: TEXT.settled, cls: "ad-settled" };
}

function onTheRoad(t) {
  return t.delivery_state === "assigned" || t.delivery_state === "accepted";
}

function orderLabel(t) {
  return bidi(t.token !== null && t.token !== undefined ? `#${t.token}` : `№ ${String(t.order_id).slice(0, 6).toUpperCase()}`);
}

// ---------------------------------------------------------------------------------------- couriers

async function loadBalances() {
  state.balances = await request("GET", `/api/v1/couriers/balances?branch_id=${branch.id}`);
  drawCouriers();
}

function drawCouriers() {
  const rows = state.balances.filter((b) => b.active || b.open_transactions);
  $("no-couriers").hidden = rows.length > 0;
  $("courier-rows").replaceChildren(
    ...rows.map((b) => {
      const balance = balanceText(b);
      return h(
        "tr",
        { dataset: { courier: String(b.courier_id) }, attrs: { "aria-selected": String(b.courier_id === state.selected), tabindex: "0" } },
        h(
          "td",
          null,
          h("bdi", null, h("strong", { text: b.name })),
          b.active_deliveries ? h("span", { class: "ad-muted", text: ` · ${TEXT.onTheRoad(b.active_deliveries)}` }) : null,
          h("div", { class: balance.cls, dataset: { balance: String(b.courier_id) }, text: balance.text }),
        ),
        h("td", { class: "n", dataset: { held: String(b.courier_id) }, text: money(b.cash_in_hand, currency) }),
        h("td", { class: "n", text: money(b.to_collect, currency) }),
        h("td", { class: "n", text: money(b.branch_owes, currency) }),
      );
    }),
  );
}

$("courier-rows").addEventListener("click", (event) => {
  const row = event.target.closest("[data-courier]");
  if (row) select(Number(row.dataset.courier));
});
$("courier-rows").addEventListener("keydown", (event) => {
  const row = event.target.closest("[data-courier]");
  if (row && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    select(Number(row.dataset.courier));
  }
});

// ---------------------------------------------------------------------------------------- one courier

async function select(courierId) {
  state.selected = courierId;
  state.picked = new Set();
  $("done").hidden = true;
  const url = new URL(window.location.href);
  url.searchParams.set("courier", String(courierId));
  window.history.replaceState(null, "", url);
  drawCouriers();
  await loadCourier({ pickAll: true });
}

async function loadCourier({ pickAll = false } = {}) {
  const courierId = state.selected;
  if (!courierId) return;
  const [all, history] = await Promise.all([
    request("GET", `/api/v1/couriers/${courierId}/settlements/preview`),
    request("GET", `/api/v1/couriers/${courierId}/settlements`),
  ]);
  if (state.selected !== courierId) return;
  state.open = all.transactions;
  const ids = new Set(state.open.map((t) => t.id));
  // What was ticked stays ticked while it is still open. A courier opened afresh starts with what is done
  // (deliveries finished): the cash they hold and the fees they earned, not what is still on the road.
  state.picked = pickAll
    ? new Set(state.open.filter((t) => !onTheRoad(t)).map((t) => t.id))
    : new Set([...state.picked].filter((id) => ids.has(id)));
  drawCourier();
  drawHistory(history.items);
  await refreshPreview();
}

function drawCourier() {
  const b = courierById(state.selected);
  $("detail").hidden = false;
  $("detail-title").textContent = b ? b.name : "";
  const balance = b ? balanceText(b) : { text: "", cls: "" };
  $("detail-balance").textContent = balance.text;
  $("detail-balance").className = `ad-balance ${balance.cls}`;
  $("open-count").textContent = TEXT.open(state.open.length);
  $("nothing-open").hidden = state.open.length > 0;
  $("open").hidden = state.open.length === 0;
  $("open-rows").replaceChildren(
    ...state.open.map((t) => {
      const credit = t.kind !== "collection";
      return h(
        "tr",
        { dataset: { transaction: String(t.id), kind: t.kind } },
        h(
          "td",
          null,
          // The label around the box is the 44 px touch target.
          h(
            "label",
            { class: "mo-pick" },
            h("input", { dataset: { pick: String(t.id) }, attrs: { type: "checkbox", checked: state.picked.has(t.id), "aria-label": `${orderLabel(t)} ${TEXT.kinds[t.kind] || t.kind}` } }),
          ),
        ),
        h("td", { text: orderLabel(t) }),
        h("td", { text: (onTheRoad(t) ? TEXT.kindsOnTheRoad[t.kind] : null) || TEXT.kinds[t.kind] || t.kind }),
        h(
          "td",
          { class: onTheRoad(t) ? "ad-road" : "" },
          `${TEXT.deliveryStates[t.delivery_state] || t.delivery_state || ""} ${when(t.delivered_at || t.created_at)}`,
        ),
        h("td", { class: "n", text: bidi(`${credit ? "−" : ""}${money(t.amount, currency)}`) }),
      );
    }),
  );
  $("pick-all").checked = state.open.length > 0 && state.picked.size === state.open.length;
  $("pick-all").indeterminate = state.picked.size > 0 && state.picked.size < state.open.length;
}

function drawHistory(items) {
  $("no-history").hidden = items.length > 0;
  $("history").hidden = items.length === 0;
  $("history-rows").replaceChildren(
    ...items.map((s) => {
      const abs = String(s.net).replace(/^-/, "");
      const cash =
        s.owed_by === "courier" ? TEXT.paidBranch(money(abs, currency)) : s.owed_by === "branch" ? TEXT.paidCourier(money(abs, currency)) : TEXT.noCash;
      return h(
        "tr",
        { dataset: { settlement: s.id } },
        h("td", { text: when(s.created_at) }),
        h("td", { text: TEXT.settlementKinds[s.kind] || s.kind }),
        h("td", { class: "n", text: s.collections }),
        h("td", { class: "n", text: s.fees }),
        h("td", { class: "n", text: s.shortfalls ?? "0" }),
        h("td", { text: cash }),
        h("td", null, h("a", { text: TEXT.slip, attrs: { href: `/api/v1/settlements/${s.id}/slip`, target: "_blank", rel: "noopener" } })),
      );
    }),
  );
}

$("open-rows").addEventListener("change", (event) => {
  const box = event.target.closest("[data-pick]");
  if (!box) return;
  const id = Number(box.dataset.pick);
  if (box.checked) state.picked.add(id);
  else state.picked.delete(id);
  $("done").hidden = true;
  drawCourier();
  refreshPreview();
});
$("pick-all").addEventListener("change", (event) => {
  state.picked = event.target.checked ? new Set(state.open.map((t) => t.id)) : new Set();
  $("done").hidden = true;
  drawCourier();
  refreshPreview();
});

let previewSeq = 0;
/** The server's own figures for what is ticked: what the settlement will move, before it is made. */
async function refreshPreview() {
  const seq = ++previewSeq;
  const picked = [...state.picked];
  $("error").hidden = true;
  $("settle").disabled = true;
  $("settle").textContent = TEXT.settleButton(picked.length);
  if (!picked.length) {
    $("preview").replaceChildren(state.open.length ? h("p", { class: "ad-muted", text: TEXT.pickSome }) : "");
    return;
  }
  $("preview").replaceChildren(h("p", { class: "ad-muted", text: TEXT.working }));
  const query = new URLSearchParams(picked.map((id) => ["transaction_ids", String(id)]));
  try {
    const p = await request("GET", `/api/v1/couriers/${state.selected}/settlements/preview?${query}`);
    if (seq !== previewSeq) return;
    $("preview").replaceChildren(previewView(p));
    $("settle").disabled = state.settling;
  } catch (error) {
    if (seq !== previewSeq) return;
    $("preview").replaceChildren();
    if (error instanceof ApiError && error.status === 409) await reloadAfterConflict(error);
    else fail(error);
  }
}

function netText(p) {
  const name = (courierById(state.selected) || {}).name || "";
  const abs = money(String(p.net).replace(/^-/, ""), currency);
  if (p.owed_by === "courier") return TEXT.netCourier(name, abs);
  if (p.owed_by === "branch") return TEXT.netBranch(name, abs);
  return TEXT.netNone;
}

function previewView(p) {
  return h(
    "dl",
    { dataset: { net: p.net } },
    h("dt", { text: TEXT.collections }),
    h("dd", { text: money(p.collections, currency) }),
    h("dt", { text: TEXT.fees }),
    h("dd", { text: bidi(`−${money(p.fees, currency)}`) }),
    Number(p.shortfalls) ? h("dt", { text: TEXT.shortfalls }) : null,
    Number(p.shortfalls) ? h("dd", { text: bidi(`−${money(p.shortfalls, currency)}`) }) : null,
    h("p", { class: "ad-net", text: netText(p), attrs: { id: "preview-net" } }),
  );
}

async function reloadAfterConflict(error) {
  $("error").textContent = `${describeError(error)}. ${TEXT.alreadySettled}`;
  $("error").hidden = false;
  await loadBalances();
  await loadCourier();
  $("error").hidden = false;
}

$("settle").addEventListener("click", async () => {
  if (state.settling || !state.picked.size) return;
  state.settling = true;
  $("settle").disabled = true;
  $("error").hidden = true;
  const all = state.picked.size === state.open.length;
  const body = { id: uuid4(), note: $("note").value.trim() };
  // Everything ticked names the rows too: a row that arrived since the preview is not settled unseen.
  body.transaction_ids = [...state.picked];
  try {
    const out = await request("POST", `/api/v1/couriers/${state.selected}/settlements`, body);
    $("note").value = "";
    const abs = money(String(out.net).replace(/^-/, ""), currency);
    const name = (courierById(state.selected) || {}).name || "";
    const text =
      out.owed_by === "courier" ? TEXT.paidCourierDone(name, abs) : out.owed_by === "branch" ? TEXT.paidBranchDone(name, abs) : TEXT.netNone;
    $("done").replaceChildren(
      TEXT.done(text),
      h("a", { text: TEXT.printSlip, attrs: { href: `/api/v1/settlements/${out.id}/slip`, target: "_blank", rel: "noopener", id: "slip-link" } }),
    );
    $("done").hidden = false;
    await loadBalances();
    await loadCourier({ pickAll: all });
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) await reloadAfterConflict(error);
    else fail(error);
  } finally {
    state.settling = false;
    $("settle").disabled = !state.picked.size;
  }
});

$("branch").addEventListener("change", (event) => {
  window.location.assign(`/admin/courier-cash?branch=${encodeURIComponent(event.target.value)}`);
});

// ---------------------------------------------------------------------------------------- live

// What changes a courier's cash: onto and off the road, cash on delivery, settlements from anywhere.
const CASH_EVENTS = new Set(["courier.assigned", "order.state_changed", "payment.collected", "settlement.completed"]);
let reloadTimer = null;

function onEvent(event) {
  serverClock.observeEvent(event.id);
  if (!CASH_EVENTS.has(event.type)) return;
  if (event.type === "order.state_changed" && !["out_for_delivery", "delivered", "returned"].includes((event.data || {}).to)) return;
  // Several events of one dispatch or settlement arrive together: one read after them.
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(async () => {
    try {
      await loadBalances();
      if (state.selected && !state.settling) await loadCourier();
      $("cash").dataset.ready = "";
    } catch (error) {
      fail(error);
    }
  }, 250);
}

async function start() {
  try {
    await loadBalances();
    if (state.selected && courierById(state.selected)) await loadCourier({ pickAll: true });
    else if (state.selected) state.selected = null;
  } catch (error) {
    fail(error);
  }
  $("cash").dataset.ready = "";
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
