// The managers' live board (/kanban): every open order of the followed branches as a card in its state's
// column, moved by drag and drop (mouse and touch) or from the card's menu, live over /kanban.
//
// Snapshot -> subscribe -> apply (DESIGN §5, STYLE 9): one call (GET /api/v1/board/snapshot) brings
// everything the board draws for the followed branches (columns, today's done tail, couriers with their
// load and position, deliveries on the road, open alerts, sales anomalies, busy mode), each branch's part
// tagged with the stream id it is current to; live.js connects with those ids, the server replays what
// the page missed, then sends live events; an event is applied once (ids at or below the last applied one are dropped), and
// an order's version only grows (store.js). There is no refresh button: a `resync` reloads the snapshot.
//
// A move is optimistic: the card goes to its new column at once, the server's answer confirms it, and a
// refusal (409 stale or illegal, 422 missing data, 403) puts it back and says what the server said.

import { connectLive } from "/static/js/shared/live.js";
import { CardMenu, askBranch, askReason } from "./kanban/actions.js";
import { AnomalyBanner } from "./kanban/anomalies.js";
import { BusyPanel } from "./kanban/busy.js";
import { Couriers } from "./kanban/couriers.js";
import { DispatchDialog } from "./kanban/dispatch.js";
import { enableDrag } from "./kanban/drag.js";
import { FilterBar, matches } from "./kanban/filters.js";
import { Renderer, alertText, orderLabel } from "./kanban/render.js";
import { Board } from "./kanban/store.js";
import { TripPicker } from "./kanban/trip.js";
import { serverClock } from "/static/js/shared/clock.js";
import { h } from "/static/js/shared/dom.js";
import { bidi, money, listText } from "/static/js/shared/format.js";
import { t } from "/static/js/shared/i18n.js";
import { STATE_LABELS } from "/static/js/shared/labels.js";
import { pageData } from "/static/js/shared/page.js";
import { uuid4 } from "/static/js/shared/uuid.js";
import { HttpError, describeError, request, signInAgain } from "./kanban/net.js";
import { TERMINAL } from "./kanban/when.js";

const boot = pageData.boot;
const root = document.getElementById("kanban");
const roles = new Set(boot.user.roles);
const branchById = new Map(boot.branches.map((b) => [b.id, b]));

const board = new Board();
const couriers = new Couriers({ board });
let live = null;
let generation = 0;
let followed = [];
let transfersAvailable = true;

// ---------------------------------------------------------------------------------------- the rules

/** Where this user may move an order, by the server's transition table (the server still decides). */
function legalTargets(order) {
  const out = [];
  for (const rule of boot.transitions) {
    if (rule.from !== order.state) continue;
    const roleOk = roles.has("admin") || rule.roles.some((r) => roles.has(r));
    const channelOk = !rule.channels || rule.channels.includes(order.channel);
    if (roleOk && channelOk) out.push(rule.to);
  }
  return out;
}

function ruleFor(from, to) {
  return boot.transitions.find((r) => r.from === from && r.to === to);
}

/** The drop zones a card may land on: open columns, and the done tail for completed/delivered. */
function dropKeys(order) {
  const keys = new Set();
  for (const to of legalTargets(order)) {
    if (to === "completed" || to === "delivered") keys.add("done");
    else if (!TERMINAL.has(to)) keys.add(to);
  }
  return keys;
}

// ---------------------------------------------------------------------------------------- page furniture

const toastEl = document.getElementById("toast");
let toastTimer = null;

function toast(message, { kind = "error", ms = 10_000 } = {}) {
  toastEl.textContent = message;
  toastEl.dataset.kind = kind;
  toastEl.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toastEl.hidden = true;
  }, ms);
}
toastEl.addEventListener("click", () => {
  toastEl.hidden = true;
});

const STATUS_TEXT = {
  connecting: t("Connecting…"),
  live: t("Live"),
  offline: t("Offline · reconnecting…"),
  refused: t("Refused"),
};
const conn = document.getElementById("conn");

function setStatus(status, detail) {
  conn.dataset.status = status;
  conn.querySelector("span").textContent =
    status === "refused" && detail && detail.message ? t("Refused: {message}", { message: detail.message }) : STATUS_TEXT[status] || status;
  if (status === "refused" && detail && detail.data && detail.data.code === "unauthorized") signInAgain();
}

function flash(orderId) {
  const el = root.querySelector(`.kb-card[data-id="${orderId}"]`);
  if (!el) return;
  el.classList.remove("kb-flash");
  void el.offsetWidth; // restart the animation
  el.classList.add("kb-flash");
}

// ---------------------------------------------------------------------------------------- filters + render

const filterBar = new FilterBar({
  userId: boot.user.id,
  branches: boot.branches,
  onChange: (filters, { branchesChanged }) => {
    if (branchesChanged) follow(filters.branches);
    else renderer.refilter();
  },
});

const renderer = new Renderer({
  board,
  openStates: boot.open_states,
  branches: boot.branches,
  couriers: couriers.byId,
  isDragging: () => dnd.isDragging(),
  matches: (order) => matches(order, filterBar.filters, (branchById.get(order.branch_id) || {}).timezone),
  trip: { offered: (order) => TripPicker.offered(order), isPicked: (id) => trips.isPicked(id) },
});
renderer.afterRender = () => {
  filterBar.showCount(renderer.shown, renderer.total);
  couriers.draw();
  drawAlerts();
  anomalies.draw();
};
couriers.onChange((list) => {
  filterBar.setCouriers(list);
  renderer.invalidate(board.orders.keys()); // courier names on the cards
});

// ---------------------------------------------------------------------------------------- moving cards

const dispatch = new DispatchDialog({
  board,
  couriersOf: (branchId) => couriers.of(branchId),
  branchOf: (branchId) => branchById.get(branchId),
});

/** One move, through whatever the target needs first (dispatch dialog, a reason), then optimistic. */
async function move(order, to, { expectedVersion = order.version, extra = {} } = {}) {
  const label = orderLabel(order);
  const rule = ruleFor(order.state, to);
  const body = { to, expected_version: expectedVersion, ...extra };
  if (to === "out_for_delivery") {
    const choice = await dispatch.open(order, { label });
    if (!choice) return;
    Object.assign(body, choice);
  } else if (rule && rule.requires.includes("reason") && !body.reason) {
    const answer = await askReason({
      title: `${label}: ${STATE_LABELS[to] || to}`,
      summary: to === "returned" ? t("Why did the delivery come back?") : "",
      refundChoice: false,
    });
    if (!answer) return;
    body.reason = answer.reason;
  }
  const token = board.optimistic(order.id, to, { courier_id: body.courier_id });
  try {
    const reply = await request("POST", `/api/v1/orders/${order.id}/transitions`, body);
    board.confirm(order.id, token, reply);
  } catch (error) {
    board.rollback(order.id, token, error instanceof HttpError ? error.body : null);
    renderer.render(); // the card is back before the message shows
    flash(order.id);
    toast(t("{order} was not moved to {state}: {reason}", { order: label, state: STATE_LABELS[to] || to, reason: describeError(error) }));
    if (error instanceof HttpError && error.status === 401) signInAgain();
  }
}

const trips = new TripPicker({ root, board, label: orderLabel, toast, onDispatch: (orders) => dispatchTrip(orders) });

/** Several picked delivery orders out with one courier in one request: all go, or none (a refusal says
 * which order and why, and every card goes back). */
async function dispatchTrip(orders) {
  const labels = listText(orders.map(orderLabel));
  const choice = await dispatch.openTrip(orders, { label: t("trip: {orders}", { orders: labels }), labelOf: orderLabel });
  if (!choice) return;
  // The trip's id is made once per confirmation, so a retried request cannot dispatch it twice.
  const body = { order_ids: orders.map((o) => o.id), trip_id: uuid4(), ...choice };
  const tokens = new Map(orders.map((o) => [o.id, board.optimistic(o.id, "out_for_delivery", { courier_id: choice.courier_id })]));
  trips.clear();
  try {
    const out = await request("POST", "/api/v1/dispatch", body);
    for (const moved of out.orders || []) {
      board.confirm(moved.order_id, tokens.get(moved.order_id), {
        version: moved.version,
        state: moved.state,
        event_id: moved.event_id,
      });
    }
    toast(t("Trip of {n} on the road: {orders}.", { n: orders.length, orders: labels }), { kind: "ok", ms: 6000 });
  } catch (error) {
    for (const [id, token] of tokens) board.rollback(id, token, null);
    renderer.render();
    for (const o of orders) flash(o.id);
    toast(t("The trip ({orders}) was not dispatched: {reason}", { orders: labels, reason: describeError(error) }));
    if (error instanceof HttpError && error.status === 401) signInAgain();
  }
}

/** The answer to "is this endpoint on this server?": Litestar's own 404 for an unknown route. */
function missingRoute(error) {
  return error instanceof HttpError && (error.status === 405 || (error.status === 404 && error.body && error.body.detail === "Not Found"));
}

const METHOD_LABELS = {
  cash: t("cash"),
  card: t("card"),
  wallet: t("wallet"),
  bank_transfer: t("bank transfer"),
  on_account: t("on account"),
  cash_on_delivery: t("cash on delivery"),
};

/** What a cancel gave back, for the toast: "10.00 EGP refunded (cash from the till's drawer)". */
function refundText(reply, currency) {
  const done = (reply.refunds || []).filter((r) => r.status === "refunded");
  const failed = (reply.refunds || []).filter((r) => r.status === "failed");
  const parts = done.map((r) => `${METHOD_LABELS[r.method] || r.method} ${bidi(r.amount)}${r.method === "cash" && r.shift_id ? ` ${t("from the till's drawer")}` : ""}`);
  let text = done.length
    ? t("{amount} refunded ({parts})", { amount: money(reply.refunded, currency), parts: listText(parts) })
    : t("nothing refunded");
  if (failed.length) {
    const what = failed.map((r) => `${METHOD_LABELS[r.method] || r.method} ${bidi(r.amount)} — ${r.detail}`).join("; ");
    text += `; ${t("NOT refunded: {what}", { what })}`;
  }
  return text;
}

/** Cancel through the card action, which also answers for money already taken (refund or keep). */
async function cancelOrder(order) {
  const label = orderLabel(order);
  const expectedVersion = order.version;
  const paid = order.payment_status === "paid" || order.payment_status === "partially_paid";
  const currency = (branchById.get(order.branch_id) || {}).currency || "";
  let held = null;
  if (paid) {
    // What the order holds, to show and to prefill the amount given back.
    try {
      const full = await request("GET", `/api/v1/orders/${order.id}`);
      held = full.paid_total;
    } catch {
      held = null;
    }
  }
  const answer = await askReason({
    title: t("Cancel {order}", { order: label }),
    summary: paid
      ? t("{paid}: tick \"Refund the payment\" to give it back, or leave it to keep the money.", {
          paid: held !== null ? t("Paid {amount}", { amount: money(held, currency) }) : t("This order is paid"),
        })
      : "",
    refundChoice: paid,
    paid: held,
    currency,
  });
  if (!answer) return;
  const body = { reason: answer.reason, expected_version: expectedVersion };
  if (paid) body.refund = answer.refund;
  if (answer.refundAmount !== undefined) body.refund_amount = answer.refundAmount;
  const token = board.optimistic(order.id, "cancelled");
  try {
    let reply;
    try {
      reply = await request("POST", `/api/v1/orders/${order.id}/cancel`, body);
    } catch (error) {
      if (!missingRoute(error)) throw error;
      // A server without the card action: the plain state machine move (no money decision to carry).
      reply = await request("POST", `/api/v1/orders/${order.id}/transitions`, {
        to: "cancelled",
        expected_version: expectedVersion,
        reason: answer.reason,
      });
    }
    board.confirm(order.id, token, reply);
    if (reply.refund) {
      const failed = (reply.refunds || []).some((r) => r.status === "failed");
      toast(t("{order} cancelled; {refund}.", { order: label, refund: refundText(reply, currency) }), failed ? {} : { kind: "ok", ms: 8000 });
    }
  } catch (error) {
    board.rollback(order.id, token, error instanceof HttpError ? error.body : null);
    renderer.render();
    flash(order.id);
    toast(t("{order} was not cancelled: {reason}", { order: label, reason: describeError(error) }));
  }
}

async function transferOrder(order) {
  const label = orderLabel(order);
  const expectedVersion = order.version;
  const targets = boot.branches.filter((b) => b.id !== order.branch_id);
  const branchId = await askBranch({ label, branches: targets });
  if (!branchId) return;
  try {
    const out = await request("POST", `/api/v1/orders/${order.id}/transfer`, {
      branch_id: branchId,
      expected_version: expectedVersion,
    });
    const to = branchById.get(branchId).name;
    const message =
      out.token !== null && out.token !== undefined
        ? t("{order} transferred to {branch} as {token}.", { order: label, branch: bidi(to), token: bidi(`#${out.token}`) })
        : t("{order} transferred to {branch}.", { order: label, branch: bidi(to) });
    toast(message, { kind: "ok", ms: 6000 });
  } catch (error) {
    if (missingRoute(error)) {
      transfersAvailable = false;
      toast(t("Transfers between branches are not available on this server."));
      return;
    }
    flash(order.id);
    toast(t("{order} was not transferred: {reason}", { order: label, reason: describeError(error) }));
  }
}

const dnd = enableDrag(root, {
  canDrag: (el) => {
    const order = board.get(el.dataset.id);
    return Boolean(order && !TERMINAL.has(order.state) && !order.pending && dropKeys(order).size);
  },
  targetsFor: (el) => dropKeys(board.get(el.dataset.id)),
  onDrop: (el, key) => {
    const order = board.get(el.dataset.id);
    if (!order) return;
    // The version the manager saw when they picked the card up: anything newer is a conflict.
    const expectedVersion = Number(el.dataset.version);
    let to = key;
    if (key === "done") to = legalTargets(order).includes("completed") ? "completed" : "delivered";
    move(order, to, { expectedVersion });
  },
  onRefused: (el, key) => {
    const order = board.get(el.dataset.id);
    if (!order) return;
    const where = key === "done" ? t("done") : STATE_LABELS[key] || key;
    flash(order.id);
    toast(t("{order} cannot move from {from} to {to}.", { order: orderLabel(order), from: STATE_LABELS[order.state] || order.state, to: where }));
  },
  onEnd: () => renderer.refilter(),
});

new CardMenu({
  root,
  board,
  branches: boot.branches,
  legalTargets,
  label: orderLabel,
  onMove: (order, to) => move(order, to),
  onCancel: (order) => cancelOrder(order),
  onTransfer: (order) => (transfersAvailable ? transferOrder(order) : toast(t("Transfers are not available on this server."))),
  toast,
});

// ---------------------------------------------------------------------------------------- alerts

const alertsToggle = document.getElementById("alerts-toggle");
const alertsPanel = document.getElementById("alerts-panel");
const alertsList = document.getElementById("alerts-list");

function drawAlerts() {
  const alerts = [...board.alerts.values()].sort((a, b) => (b.raised_ms || 0) - (a.raised_ms || 0));
  alertsToggle.hidden = alerts.length === 0;
  document.getElementById("alerts-count").textContent = String(alerts.length);
  if (!alerts.length) alertsPanel.hidden = true;
  alertsList.replaceChildren(
    ...alerts.map((alert) => {
      const order = board.get(alert.order_id);
      return h(
        "li",
        { dataset: { alert: alert.key } },
        // An alert with no order names what it is about: a locked second factor a person, stock its product.
        h("strong", {
          text: alert.order_id
            ? orderLabel(order || { token: alert.token, order_id: alert.order_id })
            : alert.kind === "second_factor_locked"
              ? t("Sign-in")
              : alert.kind === "clock_open"
                ? t("Time clock")
                : t("Stock"),
        }),
        " ",
        h("span", { text: alertText(alert, order, (branchById.get(alert.branch_id) || {}).timezone) }),
        alert.alert_id !== undefined && alert.alert_id !== null
          ? h("button", { class: "kb-link", dataset: { ack: alert.key }, text: t("Acknowledge"), attrs: { type: "button" } })
          : !alert.order_id
            ? // An account's alert has no row to acknowledge (the audit trail keeps it): dismissed here.
              h("button", { class: "kb-link", dataset: { dismiss: alert.key }, text: t("Dismiss"), attrs: { type: "button" } })
            : null,
      );
    }),
  );
}

alertsToggle.addEventListener("click", () => {
  alertsPanel.hidden = !alertsPanel.hidden;
  alertsToggle.setAttribute("aria-expanded", String(!alertsPanel.hidden));
});
alertsPanel.addEventListener("click", async (event) => {
  if (event.target.closest("[data-close]")) {
    alertsPanel.hidden = true;
    alertsToggle.setAttribute("aria-expanded", "false");
    return;
  }
  const dismiss = event.target.closest("[data-dismiss]");
  if (dismiss) {
    board.removeAlert(dismiss.dataset.dismiss);
    return;
  }
  const ack = event.target.closest("[data-ack]");
  if (!ack) return;
  try {
    await request("POST", `/api/v1/alerts/${ack.dataset.ack}/ack`);
    board.acknowledge(ack.dataset.ack);
  } catch (error) {
    toast(t("Alert not acknowledged: {reason}", { reason: describeError(error) }));
  }
});

// ---------------------------------------------------------------------------------------- busy mode, anomalies

const busy = new BusyPanel({ bar: root.querySelector(".kb-bar"), before: conn });
const anomalies = new AnomalyBanner({
  el: document.getElementById("anomalies"),
  board,
  branchOf: (id) => branchById.get(Number(id)),
  toast,
});

// ---------------------------------------------------------------------------------------- live

function snapshotUrl(branchIds) {
  return `/api/v1/board/snapshot?${branchIds.map((b) => `branch_id=${encodeURIComponent(b)}`).join("&")}`;
}

/** One snapshot (of some followed branches) into the board: open cards first, then what sits on them. */
function applySnapshot(snap) {
  const branchIds = snap.branches.map((b) => b.branch_id);
  for (const part of snap.branches) {
    board.loadSnapshot(part.branch_id, part);
    board.loadDone(part.branch_id, part.done || []);
  }
  const covered = new Set(branchIds);
  // A snapshot is the whole truth for its branches: alerts and anomalies not in it are gone.
  for (const [key, alert] of [...board.alerts]) if (covered.has(alert.branch_id)) board.removeAlert(key);
  for (const item of snap.alerts || []) {
    if (item.acknowledged_at) continue;
    board.addAlert({ ...item, alert_id: item.id, raised_ms: Date.parse(item.raised_at || "") || 0 });
  }
  for (const [key, anomaly] of [...board.anomalies]) if (covered.has(anomaly.branch_id)) board.anomalies.delete(key);
  for (const anomaly of snap.anomalies || []) board.addAnomaly(anomaly);
  couriers.load(branchIds, snap.couriers || [], snap.deliveries || [], { following: followed });
  busy.load(
    followed.map((b) => branchById.get(b)).filter(Boolean),
    new Map(snap.branches.map((b) => [b.branch_id, b.pauses || []])),
  );
  return { stream_ids: Object.fromEntries(snap.branches.map((b) => [String(b.branch_id), b.stream_id])) };
}

const fetching = new Set();

async function fetchUnknown(orderId) {
  // An event about an order the board never saw (restored after a rebuild, or an older page).
  if (fetching.has(orderId)) return;
  fetching.add(orderId);
  try {
    board.adopt(await request("GET", `/api/v1/orders/${orderId}`));
  } catch (error) {
    console.warn("order", orderId, error);
  } finally {
    fetching.delete(orderId);
  }
}

function onEvent(event) {
  serverClock.observeEvent(event.id);
  couriers.apply(event);
  busy.apply(event);
  const unknown = board.apply(event);
  if (unknown) fetchUnknown(unknown);
}

/** Follow these branches: their snapshot first (one call), then one /kanban connection resuming from it. */
async function follow(branchIds) {
  const gen = ++generation;
  followed = [...branchIds];
  if (live) {
    live.close();
    live = null;
  }
  board.dropBranches(new Set(followed));
  delete root.dataset.ready;
  setStatus("connecting");
  let ids;
  for (;;) {
    try {
      const snap = await request("GET", snapshotUrl(followed));
      if (gen !== generation) return;
      ids = applySnapshot(snap).stream_ids;
      break;
    } catch (error) {
      if (error instanceof HttpError && error.status === 401) {
        signInAgain();
        return;
      }
      setStatus("offline", error);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      if (gen !== generation) return;
    }
  }
  // Everything that changes the layout has arrived (tests and people can aim at a card now).
  root.dataset.ready = "true";
  live = connectLive({
    namespace: "/kanban",
    branchIds: followed,
    lastIds: ids,
    auth: { branch_ids: followed },
    onEvent,
    // The ids fell out of the retained window: that branch's snapshot again (the others are current).
    onResync: async ({ branch_id: branchId }) => applySnapshot(await request("GET", snapshotUrl([branchId]))),
    onStatus: (status, detail) => {
      if (gen === generation) setStatus(status, detail);
    },
  });
}

filterBar.load(boot.filters).then((filters) => follow(filters.branches));
