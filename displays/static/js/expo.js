// The expo screen (/kds/expo): every open order at the pass, with one chip per station ticket, a "hand
// over" button for ready orders and "call again" for the token on the TV.
//
// Same snapshot -> subscribe -> apply rule as the station screens (kds.js): the socket follows every
// station of the branch (no station in its auth) plus the branch's order-level room. Orders are keyed by
// id and tickets by id, and an event the page cannot place (an order it has never seen) reloads the
// snapshot instead of guessing.

import { createToast, followKitchen, kitchenApi, showStatus } from "./kitchen/follow.js";
import { idMs, toMs } from "/static/js/shared/clock.js";
import { t, tp } from "/static/js/shared/i18n.js";
import { channelLabel, orderRef, stateLabel } from "/static/js/shared/labels.js";

/** An element with a class and a text (never parsed as HTML: names come from the menu and customers). */
function h(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

// Orders in these states have left the pass: the customer has them, a courier took them, or they were
// cancelled.
const GONE = new Set(["completed", "delivered", "cancelled", "out_for_delivery"]);
const AT_PASS = new Set(["ready", "returned"]);
const HANDOVER_CHANNELS = new Set(["counter", "pickup", "dine_in", "partner"]);
const TOKEN_CHANNELS = new Set(["counter", "pickup", "dine_in"]);
const EVENT_STATE = { "ticket.started": "started", "ticket.bumped": "bumped", "ticket.recalled": "started" };
const CHIP_MARK = { queued: "·", started: "…", bumped: "✓" };
const TICKET_WORDS = { queued: t("queued"), started: t("cooking"), bumped: tp("ticket", "done") };
const OK_NOTE_MS = 8000;

function expoPage(root) {
  const branchId = Number(root.dataset.branchId);
  const readyEl = document.getElementById("expo-ready");
  const cookingEl = document.getElementById("expo-cooking");
  const countEl = document.getElementById("expo-count");
  const connEl = document.getElementById("conn");
  const toast = createToast();

  let stationOrder = [];
  try {
    stationOrder = JSON.parse(root.dataset.stations || "[]");
  } catch {
    stationOrder = [];
  }
  const stationNames = new Map(stationOrder);
  const stationRank = new Map(stationOrder.map(([code], index) => [code, index]));

  const orders = new Map(); // order id -> order as the server last told us
  const notes = new Map(); // order id -> {text, kind}: the answer to the last button pressed on it
  const busy = new Set(); // order ids with a request in flight
  const elements = new Map(); // order id -> its <article>, one per order
  let seq = 0; // first-seen order, for a stable layout

  function orderFrom(data, state) {
    return {
      order_id: String(data.order_id),
      token: data.token ?? null,
      channel: data.channel || "",
      table_label: data.table_label || "",
      state: data.state || state,
      version: Number(data.version) || 0,
      rush: Boolean(data.rush),
      tickets: new Map(),
      seq: (seq += 1),
      created_ms: toMs(data.created_ms) ?? 0,
      // When it reached the pass: the oldest ready order is handed over first.
      readyAt: toMs(data.entered_ms) ?? 0,
    };
  }

  function setTicket(order, data, state) {
    const id = String(data.ticket_id);
    const known = order.tickets.get(id);
    if (known) known.state = state;
    else order.tickets.set(id, { ticket_id: id, station_code: data.station_code, state });
  }

  // ------------------------------------------------------------------ applying what the server says

  function applySnapshot(snapshot) {
    orders.clear();
    for (const raw of snapshot.orders || []) {
      if (GONE.has(raw.state)) continue;
      const order = orderFrom(raw, "received");
      for (const ticket of raw.tickets || []) setTicket(order, ticket, ticket.state || "queued");
      orders.set(order.order_id, order);
    }
    render();
  }

  function applyEvent(event) {
    const data = event.data || {};
    const orderId = data.order_id ? String(data.order_id) : null;
    if (!orderId) return;
    let order = orders.get(orderId);
    if (event.type === "ticket.created") {
      if (!order) {
        // Orders reach the kitchen as their tickets: the first one brings the order onto the pass.
        order = orderFrom(data, "received");
        if (!order.created_ms) order.created_ms = idMs(event.id);
        orders.set(orderId, order);
      }
      if (order.token === null && data.token !== undefined) order.token = data.token;
      if (typeof data.rush === "boolean") order.rush = data.rush;
      setTicket(order, data, data.state || "queued");
    } else if (event.type in EVENT_STATE) {
      if (!order) return unknown();
      setTicket(order, data, data.state || EVENT_STATE[event.type]);
    } else if (event.type === "order.state_changed") {
      if (GONE.has(data.to)) {
        orders.delete(orderId);
        notes.delete(orderId);
      } else if (order) {
        order.state = data.to;
        order.version = Number(data.version) || order.version;
        if (data.to === "ready") order.readyAt = idMs(event.id);
      } else {
        return unknown();
      }
    } else if (event.type === "order.updated") {
      if (order && typeof data.rush === "boolean") order.rush = data.rush;
    }
    render();
    return undefined;
  }

  function unknown() {
    // An order we have never seen (released from schedule, back from a failed delivery): ask the server.
    follow.reload("unknown_order").catch(() => {});
  }

  // ------------------------------------------------------------------ drawing

  function chipsOf(order) {
    return [...order.tickets.values()].sort(
      (a, b) =>
        (stationRank.get(a.station_code) ?? 999) - (stationRank.get(b.station_code) ?? 999) ||
        String(a.station_code).localeCompare(String(b.station_code)),
    );
  }

  function title(order) {
    return orderRef(order);
  }

  function fill(el, order) {
    el.dataset.state = order.state;
    el.dataset.channel = order.channel;
    el.dataset.rush = order.rush ? "1" : "0";
    const head = h("header", "order-head");
    const token = h("span", "token", title(order));
    token.dir = "ltr";
    head.append(token);
    const meta = h("span", "meta");
    meta.append(h("span", "channel", channelLabel(order.channel)));
    if (order.table_label) meta.append(h("span", "table", order.table_label));
    head.append(meta);
    if (order.rush) head.append(h("span", "flag flag-rush", t("RUSH")));
    head.append(h("span", "state-badge", stateLabel(order.state)));

    const chips = h("ul", "chips");
    for (const ticket of chipsOf(order)) {
      const chip = h("li", "chip");
      chip.dataset.station = ticket.station_code;
      chip.dataset.state = ticket.state;
      chip.dataset.ticketId = ticket.ticket_id;
      chip.append(
        h("span", "chip-name", stationNames.get(ticket.station_code) || ticket.station_code),
        h("span", "chip-mark", CHIP_MARK[ticket.state] || ticket.state),
      );
      chip.title = `${stationNames.get(ticket.station_code) || ticket.station_code}: ${TICKET_WORDS[ticket.state] || ticket.state}`;
      chips.append(chip);
    }

    const actions = h("div", "order-actions");
    const waiting = busy.has(order.order_id);
    if (order.state === "ready" && HANDOVER_CHANNELS.has(order.channel)) {
      const handover = h("button", "act act-handover", t("Hand over"));
      handover.type = "button";
      handover.dataset.action = "handover";
      handover.disabled = waiting;
      actions.append(handover);
    } else if (order.state === "ready") {
      actions.append(h("span", "order-wait", t("Waiting for a courier")));
    }
    if (order.state === "ready" && order.token !== null && TOKEN_CHANNELS.has(order.channel)) {
      const call = h("button", "act act-call", t("Call again"));
      call.type = "button";
      call.dataset.action = "call";
      call.disabled = waiting;
      actions.append(call);
    }
    const parts = [head, chips];
    if (actions.childElementCount) parts.push(actions);
    const said = notes.get(order.order_id);
    if (said) {
      const msg = h("p", `order-msg order-msg-${said.kind}`, said.text);
      msg.setAttribute("role", said.kind === "error" ? "alert" : "status");
      parts.push(msg);
    }
    el.replaceChildren(...parts.filter(Boolean));
  }

  function signature(order) {
    return JSON.stringify([
      order.state,
      order.token,
      order.rush,
      order.table_label,
      chipsOf(order).map((k) => [k.ticket_id, k.state]),
      busy.has(order.order_id),
      notes.get(order.order_id) || null,
    ]);
  }

  function place(container, list) {
    let cursor = container.firstElementChild;
    for (const order of list) {
      let el = elements.get(order.order_id);
      if (!el) {
        el = h("article", "order");
        el.dataset.orderId = order.order_id;
        elements.set(order.order_id, el);
      }
      const sig = signature(order);
      if (el.dataset.sig !== sig) {
        fill(el, order);
        el.dataset.sig = sig;
      }
      if (el === cursor) cursor = cursor.nextElementSibling;
      else container.insertBefore(el, cursor);
    }
  }

  function render() {
    const all = [...orders.values()];
    const ready = all.filter((o) => AT_PASS.has(o.state)).sort((a, b) => a.readyAt - b.readyAt || a.seq - b.seq);
    const cooking = all
      .filter((o) => !AT_PASS.has(o.state))
      .sort((a, b) => Number(b.rush) - Number(a.rush) || a.created_ms - b.created_ms || a.seq - b.seq);
    place(readyEl, ready);
    place(cookingEl, cooking);
    for (const [id, el] of elements) {
      if (!orders.has(id)) {
        el.remove();
        elements.delete(id);
      }
    }
    countEl.textContent = String(all.length);
  }

  // ------------------------------------------------------------------ actions

  function refusal(error, action) {
    const body = error.body || {};
    if (error.status === 409 && body.reason === "unpaid") {
      return t("Not paid yet: take the payment at the till, then hand over.");
    }
    const params = { reason: error.message, state: body.state ? stateLabel(body.state) : "" };
    if (action === "handover") {
      return error.status === 409 && body.state
        ? t("Cannot hand over (it is {state}): {reason}", params)
        : t("Cannot hand over: {reason}", params);
    }
    return error.status === 409 && body.state
      ? t("Cannot call (it is {state}): {reason}", params)
      : t("Cannot call: {reason}", params);
  }

  // A success note fades after a while; a refusal stays until the next press, so nobody misses why.
  function note(orderId, text, kind) {
    const entry = { text, kind };
    notes.set(orderId, entry);
    if (kind === "ok") {
      setTimeout(() => {
        if (notes.get(orderId) === entry) {
          notes.delete(orderId);
          render();
        }
      }, OK_NOTE_MS);
    }
  }

  async function press(orderId, action) {
    const order = orders.get(orderId);
    if (!order || busy.has(orderId)) return;
    busy.add(orderId);
    notes.delete(orderId);
    render();
    try {
      if (action === "handover") {
        await kitchenApi("POST", `/api/v1/orders/${encodeURIComponent(orderId)}/transitions`, {
          to: "completed",
        });
        // The order.state_changed event takes the card off the pass, on every expo screen at once.
        note(orderId, t("Handed over"), "ok");
      } else {
        await kitchenApi("POST", `/api/v1/orders/${encodeURIComponent(orderId)}/call`);
        note(orderId, t("Called {order} again", { order: title(order) }), "ok");
      }
    } catch (error) {
      if (error.status === 401) toast(t("Signed out: sign in again."));
      note(orderId, refusal(error, action), "error");
    } finally {
      busy.delete(orderId);
      render();
    }
  }

  function onClick(event) {
    const button = event.target.closest("button.act");
    if (!button || button.disabled) return;
    const card = button.closest("[data-order-id]");
    if (card) press(card.dataset.orderId, button.dataset.action);
  }
  readyEl.addEventListener("click", onClick);
  cookingEl.addEventListener("click", onClick);

  // ------------------------------------------------------------------ going live

  const follow = followKitchen({
    branchId,
    snapshotPath: `/api/v1/kds/${branchId}/expo`,
    // No station: the expo follows every station of the branch (realtime/namespaces/kds.py).
    auth: { branch_id: branchId },
    applySnapshot,
    applyEvent,
    onStatus: (status, detail) => showStatus(connEl, status, detail),
    onError: (error) => toast(t("Could not load the orders: {reason}", { reason: error.message }), { ms: 15_000 }),
  });
  follow.ready.catch(() => {}); // already shown by onError; the page keeps what it has
  window.expo = { follow, orders };
}

const expoRoot = document.getElementById("expo");
if (expoRoot) expoPage(expoRoot);
