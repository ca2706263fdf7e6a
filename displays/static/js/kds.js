// The kitchen station screen (/kds/{station}), plus what the expo screen shares with it.
//
// A wall tablet runs this all day without a refresh. The rule that keeps it right (DESIGN §5, STYLE 9):
// the page holds the state of one snapshot plus every event after it, applied by ticket id, each event at
// most once (ids at or below the last applied one are dropped). live.js resumes from the last event id
// after a drop and asks for a `resync` when the server cannot replay; the page then reloads the snapshot
// while newer events wait, and applies those newer than the snapshot. The page also reloads on its own
// when an event names a ticket it has never seen (a recall of a ticket bumped before the page loaded).
//
// Every API call and the socket's auth go through credentials.js, so a paired device's token (instead of a
// staff session) drops in there without touching this file.

import { ApiError, csrfToken } from "./api.js";
import { createChime } from "./chime.js";
import { DEVICE_REFUSALS, apiHeaders, deviceCredentials, goPair, socketAuth } from "./credentials.js";
import { formatAge, idMs, serverClock, toMs } from "./clock.js";
import { compareIds, connectLive, isStreamId } from "./live.js";
import { orderRef } from "./ref.js";

export { formatAge, idMs, serverClock, toMs };

// ---------------------------------------------------------------------------------------- shared helpers

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** JSON API call with the device credentials (if any) and the CSRF token; throws ApiError on 4xx/5xx. */
export async function kitchenApi(method, path, body) {
  const headers = { Accept: "application/json", ...apiHeaders() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method)) {
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
  }
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
  serverClock.observeDate(response.headers.get("Date"));
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const CHANNEL_LABELS = {
  counter: "Counter",
  pickup: "Pickup",
  dine_in: "Dine-in",
  delivery: "Delivery",
  partner: "Partner",
};

/** A small element builder: text only (notes come from customers; never parsed as HTML). */
export function h(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

export function signInAgain() {
  const next = window.location.pathname + window.location.search;
  // A paired tablet (a device token, or a page served without a session) pairs again; staff sign in.
  const screen = document.getElementById("kds");
  if (deviceCredentials() || (screen && screen.dataset.session === "0")) {
    goPair(next);
    return;
  }
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

const STATUS_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  offline: "Offline · reconnecting…",
  refused: "Refused",
};

/** The connection indicator in the top bar. */
export function showStatus(el, status, detail) {
  el.dataset.status = status;
  let text = STATUS_TEXT[status] || status;
  if (status === "refused" && detail && detail.message) text = `Refused: ${detail.message}`;
  el.querySelector("span").textContent = text;
  el.title = text;
}

/** A message bar that hides itself again; the latest message wins. */
export function createToast(el) {
  let timer = null;
  return (message, { ms = 6000 } = {}) => {
    el.textContent = message;
    el.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(() => {
      el.hidden = true;
    }, ms);
  };
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Snapshot -> subscribe -> apply, for a kitchen screen of one branch.
 *
 * `applySnapshot(snapshot, reason)` replaces the page's state; `applyEvent(event)` applies one event and is
 * called only for ids newer than the state's. `reload(reason)` fetches a fresh snapshot (requests made
 * while one waits to start share it); events that arrive meanwhile wait and are applied afterwards if newer.
 */
export function followKitchen({ branchId, snapshotPath, auth, applySnapshot, applyEvent, onStatus, onError }) {
  let applied = null; // the last stream id the page's state reflects
  let held = null; // events that arrived while a snapshot was loading
  let queued = null; // a reload that has been asked for and not started: later requests join it
  let chain = Promise.resolve();
  let live = null;
  let socketStatus = "connecting"; // what the socket last said, to show again once the API is back
  let apiTrouble = false;

  function deliver(event) {
    if (held) {
      held.push(event);
      return;
    }
    if (applied !== null && compareIds(event.id, applied) <= 0) return;
    applied = event.id;
    serverClock.observeEvent(event.id);
    applyEvent(event);
  }

  async function fetchSnapshot() {
    // Server trouble and lost networks are retried for as long as it takes: a wall tablet has nobody to
    // press a button. Refusals (the station was removed, the role taken away) are not.
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await kitchenApi("GET", snapshotPath);
      } catch (error) {
        if (error.status === 401) {
          signInAgain();
          throw error;
        }
        if (error.status && error.status < 500 && error.status !== 429) throw error;
        apiTrouble = true;
        onStatus("offline", error);
        await sleep(Math.min(10_000, 500 * 2 ** attempt));
      }
    }
  }

  async function load(reason) {
    held = held || [];
    try {
      const snapshot = await fetchSnapshot();
      if (apiTrouble) {
        // The indicator said "offline" while the API was unreachable; the socket may have stayed up.
        apiTrouble = false;
        onStatus(socketStatus);
      }
      applied = isStreamId(snapshot.stream_id) ? snapshot.stream_id : null;
      applySnapshot(snapshot, reason);
      return snapshot;
    } finally {
      const waiting = held;
      held = null;
      for (const event of waiting) deliver(event);
    }
  }

  function reload(reason) {
    if (queued) return queued;
    const run = chain.then(() => {
      queued = null;
      return load(reason);
    });
    queued = run;
    chain = run.catch((error) => onError(error));
    return run;
  }

  const ready = reload("initial").then(() => {
    live = connectLive({
      namespace: "/kds",
      branchIds: [branchId],
      lastIds: applied ? { [branchId]: applied } : {},
      // A function: Socket.IO asks again on every reconnect, so fresh credentials are always sent.
      auth: () => socketAuth(auth),
      onEvent: deliver,
      // The server could not replay what we missed: the snapshot we return is where events resume.
      onResync: ({ reason }) => reload(reason || "resync"),
      onStatus: (status, detail) => {
        const code = detail && detail.data && detail.data.code;
        if (status === "refused" && (code === "unauthorized" || DEVICE_REFUSALS.has(code))) {
          signInAgain();
          return;
        }
        socketStatus = status;
        onStatus(status, detail);
      },
    });
    return live;
  });

  return {
    ready,
    reload,
    applied: () => applied,
    live: () => live,
  };
}

// ---------------------------------------------------------------------------------------- station board

const BUMPED_KEPT = 60; // bodies of recently bumped tickets kept for a recall, oldest dropped first
// An order in one of these has left the kitchen: its tickets leave the board whatever their state.
const ORDER_GONE = new Set(["completed", "delivered", "cancelled", "out_for_delivery"]);
const EVENT_STATE = { "ticket.started": "started", "ticket.bumped": "bumped", "ticket.recalled": "started" };
const TAP_GUARD_MS = 600;

function ticketFrom(data, fallbackMs) {
  return {
    ticket_id: String(data.ticket_id),
    order_id: String(data.order_id ?? ""),
    station_code: data.station_code,
    token: data.token ?? null,
    channel: data.channel || "",
    table_label: data.table_label || "",
    rush: Boolean(data.rush),
    items: Array.isArray(data.items) ? data.items : [],
    note: data.note || "",
    state: data.state || "queued",
    created_ms: toMs(data.created_ms) ?? toMs(data.created_at) ?? fallbackMs,
    started_ms: toMs(data.started_ms) ?? toMs(data.started_at),
    bumped_ms: toMs(data.bumped_ms) ?? toMs(data.bumped_at),
    recalled: Boolean(data.recalled),
  };
}

function ago(ms) {
  const minutes = Math.floor(ms / 60_000);
  return minutes < 1 ? "just now" : `${minutes} min ago`;
}

function ticketTitle(t) {
  // The order's one reference (ref.js), as on the board, the receipt and the TV.
  return orderRef(t);
}

function itemLine(item) {
  const li = h("li", "item");
  const unit = item.unit && item.unit !== "piece" ? ` ${item.unit}` : "";
  li.append(h("span", "qty", `${item.qty}${unit}`), h("span", "name", item.name));
  // A combo's component says which combo it belongs to, so the cook plates it with the rest of the meal.
  if (item.bundle) li.append(h("span", "item-bundle", `in ${item.bundle}`));
  if (item.note) li.append(h("span", "item-note", item.note));
  // Menu depth: modifiers one per line; the allergy flag says so in words too, not by colour alone.
  for (const text of (item.modifiers || "").split("\n").filter(Boolean)) li.append(h("span", "item-mod", text));
  if (item.allergy) li.append(h("span", "item-allergy", `\u26a0 ALLERGY: ${item.allergy}`));
  if (item.allergens) li.append(h("span", "item-allergens", `Contains: ${item.allergens.split(",").join(", ")}`));
  return li;
}

function stationPage(root) {
  const branchId = Number(root.dataset.branchId);
  const station = root.dataset.station;
  const container = document.getElementById("tickets");
  const countEl = document.getElementById("kds-count");
  const emptyEl = document.getElementById("kds-empty");
  const connEl = document.getElementById("conn");
  const toast = createToast(document.getElementById("kds-toast"));
  const drawer = document.getElementById("recall-drawer");
  const recallList = document.getElementById("recall-list");
  const recallStatus = document.getElementById("recall-status");
  const overlay = document.getElementById("sound-overlay");
  const chime = createChime();

  let warnAfter = Number(root.dataset.warnAfter) || 300;
  let lateAfter = Number(root.dataset.lateAfter) || 600;
  const tickets = new Map(); // open tickets (queued, started) as the server last told us, by id
  const bumped = new Map(); // recently bumped tickets, by id, so a recall can bring one back
  const pending = new Map(); // id -> {state, confirmed}: a start/bump shown before the server confirms it
  const elements = new Map(); // id -> its <article> on screen (one per id, whatever happens)
  const lastTap = new Map();
  let ring = false;
  let chimes = 0;

  function remember(t) {
    bumped.delete(t.ticket_id);
    bumped.set(t.ticket_id, t);
    while (bumped.size > BUMPED_KEPT) bumped.delete(bumped.keys().next().value);
  }

  function serverState(id) {
    const t = tickets.get(id);
    if (t) return t.state;
    return bumped.has(id) ? "bumped" : null;
  }

  // ------------------------------------------------------------------ applying what the server says

  function applySnapshot(snapshot) {
    if (Number.isFinite(snapshot.warn_after_seconds)) warnAfter = snapshot.warn_after_seconds;
    if (Number.isFinite(snapshot.late_after_seconds)) lateAfter = snapshot.late_after_seconds;
    const now = serverClock.now();
    tickets.clear();
    for (const raw of snapshot.tickets || []) {
      const t = ticketFrom(raw, now);
      if (t.state !== "bumped") tickets.set(t.ticket_id, t);
    }
    // A confirmed action is in this snapshot or was overtaken by a later one; in-flight ones still wait.
    for (const [id, p] of pending) if (p.confirmed) pending.delete(id);
    render();
  }

  function settle(id, state, at, data, recalled) {
    let t = tickets.get(id);
    if (state === "bumped") {
      if (t) {
        tickets.delete(id);
        t.state = "bumped";
        t.bumped_ms = at;
        remember(t);
      }
    } else {
      if (!t && bumped.has(id)) {
        t = bumped.get(id);
        bumped.delete(id);
        tickets.set(id, t);
      }
      if (!t && Array.isArray(data.items) && data.station_code === station) {
        // Events carry the whole ticket: one bumped before this page loaded can come back from it alone.
        t = ticketFrom(data, at);
        tickets.set(id, t);
      }
      if (!t) return false; // never seen and no items to show: the caller reloads the snapshot
      t.state = state;
      t.started_ms = toMs(data.started_ms) ?? t.started_ms ?? (state === "started" ? at : null);
    }
    if (t) {
      if (typeof data.rush === "boolean") t.rush = data.rush;
      if (recalled) t.recalled = true;
    }
    const p = pending.get(id);
    if (p && (p.confirmed || p.state === state)) pending.delete(id);
    return true;
  }

  function applyEvent(event) {
    const data = event.data || {};
    const at = toMs(data.at) ?? idMs(event.id);
    if (event.type === "ticket.created") {
      if (data.station_code !== station || !data.ticket_id) return render();
      const fresh = ticketFrom(data, idMs(event.id));
      const known = tickets.get(fresh.ticket_id);
      if (known) Object.assign(known, { ...fresh, state: known.state, started_ms: known.started_ms });
      else if (fresh.state !== "bumped") {
        tickets.set(fresh.ticket_id, fresh);
        ring = true;
      }
    } else if (event.type in EVENT_STATE) {
      if (data.station_code && data.station_code !== station) return render();
      const state = data.state || EVENT_STATE[event.type];
      const known = settle(String(data.ticket_id), state, at, data, event.type === "ticket.recalled");
      if (!known && state !== "bumped") follow.reload("unknown_ticket").catch(() => {});
    } else if (event.type === "order.state_changed") {
      if (ORDER_GONE.has(data.to)) {
        for (const [id, t] of tickets) {
          if (t.order_id === data.order_id) {
            tickets.delete(id);
            pending.delete(id);
          }
        }
      }
    } else if (event.type === "order.updated") {
      if (typeof data.rush === "boolean") {
        for (const t of tickets.values()) if (t.order_id === data.order_id) t.rush = data.rush;
      }
    }
    render();
    if (ring) {
      ring = false;
      if (chime.play()) root.dataset.chimes = String((chimes += 1));
    }
  }

  // ------------------------------------------------------------------ drawing

  function visibleTickets() {
    const list = [];
    for (const [id, t] of tickets) {
      const p = pending.get(id);
      if (p && p.confirmed && p.state === t.state) pending.delete(id);
      const state = pending.has(id) ? pending.get(id).state : t.state;
      const inFlight = pending.has(id) && !pending.get(id).confirmed;
      if (state !== "bumped") list.push({ t, state, busy: inFlight || cooling(id) });
    }
    for (const id of pending.keys()) if (!tickets.has(id)) pending.delete(id);
    for (const id of lastTap.keys()) if (!tickets.has(id)) lastTap.delete(id);
    // Rush first, then oldest first: what the cook should pick up next is always top left.
    list.sort(
      (a, b) =>
        Number(b.t.rush) - Number(a.t.rush) ||
        a.t.created_ms - b.t.created_ms ||
        (a.t.ticket_id < b.t.ticket_id ? -1 : 1),
    );
    return list;
  }

  // A second tap this soon after the first is a bounce, not a decision: the button that replaced the one
  // tapped (Start became Bump) stays disabled for a moment, and comes back by itself.
  function cooling(id) {
    const left = TAP_GUARD_MS - (Date.now() - (lastTap.get(id) || 0));
    if (left <= 0) {
      lastTap.delete(id);
      return false;
    }
    setTimeout(render, left + 10);
    return true;
  }

  function fill(el, t, state, busy) {
    el.dataset.state = state;
    el.dataset.rush = t.rush ? "1" : "0";
    el.setAttribute("aria-busy", busy ? "true" : "false");
    const head = h("header", "ticket-head");
    head.append(h("span", "token", ticketTitle(t)));
    const meta = h("span", "meta");
    meta.append(h("span", "channel", CHANNEL_LABELS[t.channel] || t.channel));
    if (t.table_label) meta.append(h("span", "table", t.table_label));
    head.append(meta);
    if (t.rush) head.append(h("span", "flag flag-rush", "RUSH"));
    if (t.recalled) head.append(h("span", "flag flag-recalled", "RECALLED"));
    head.append(h("time", "age"));
    const items = h("ul", "items");
    for (const item of t.items) items.append(itemLine(item));
    const parts = [head, items];
    if (t.note) parts.push(h("p", "ticket-note", t.note));
    const action = state === "queued" ? "start" : "bump";
    const button = h("button", `act act-${action}`, action === "start" ? "Start" : "Bump ✓");
    button.type = "button";
    button.dataset.action = action;
    button.disabled = busy;
    parts.push(button);
    el.replaceChildren(...parts);
  }

  function signature(t, state, busy) {
    return JSON.stringify([state, busy, t.rush, t.recalled, t.token, t.table_label, t.note, t.items]);
  }

  function render() {
    const list = visibleTickets();
    const shown = new Set();
    let cursor = container.firstElementChild;
    for (const { t, state, busy } of list) {
      shown.add(t.ticket_id);
      let el = elements.get(t.ticket_id);
      if (!el) {
        el = h("article", "ticket");
        el.dataset.ticketId = t.ticket_id;
        if (!initialRender) el.classList.add("is-new");
        elements.set(t.ticket_id, el);
      }
      const sig = signature(t, state, busy);
      if (el.dataset.sig !== sig) {
        fill(el, t, state, busy);
        el.dataset.sig = sig;
      }
      if (el === cursor) cursor = cursor.nextElementSibling;
      else container.insertBefore(el, cursor);
    }
    for (const [id, el] of elements) {
      if (!shown.has(id)) {
        el.remove();
        elements.delete(id);
      }
    }
    countEl.textContent = String(list.length);
    emptyEl.hidden = list.length > 0;
    tick();
  }

  function tick() {
    const now = serverClock.now();
    for (const [id, el] of elements) {
      const t = tickets.get(id);
      if (!t) continue;
      const age = now - t.created_ms;
      const level = age >= lateAfter * 1000 ? "late" : age >= warnAfter * 1000 ? "warn" : "ok";
      if (el.dataset.age !== level) el.dataset.age = level;
      const time = el.querySelector(".age");
      const text = formatAge(age);
      if (time && time.textContent !== text) time.textContent = text;
    }
  }

  // ------------------------------------------------------------------ actions

  async function act(id, action) {
    const t = tickets.get(id);
    if (!t) return;
    if (cooling(id)) return;
    lastTap.set(id, Date.now());
    const current = pending.get(id);
    if (current && !current.confirmed) return;
    const target = action === "start" ? "started" : "bumped";
    const mine = { state: target, confirmed: false };
    pending.set(id, mine);
    render();
    try {
      await kitchenApi("POST", `/api/v1/tickets/${encodeURIComponent(id)}/${action}`);
      if (pending.get(id) === mine) {
        mine.confirmed = true;
        if (serverState(id) === target) pending.delete(id);
      }
    } catch (error) {
      // Roll back to what the server last said, and say why.
      if (pending.get(id) === mine) pending.delete(id);
      if (error.status === 401) signInAgain();
      toast(`${action === "start" ? "Start" : "Bump"} ${ticketTitle(t)} failed: ${error.message}`);
      // The ticket changed under us (gone, already moved): the snapshot says how it really is.
      if (error.status === 404 || error.status === 409) follow.reload("action_refused").catch(() => {});
    }
    render();
  }

  container.addEventListener("click", (event) => {
    const button = event.target.closest("button.act");
    if (!button || button.disabled) return;
    const card = button.closest("[data-ticket-id]");
    if (card) act(card.dataset.ticketId, button.dataset.action);
  });

  // ------------------------------------------------------------------ recall drawer

  function recentRows(data) {
    if (Array.isArray(data)) return data;
    return (data && (data.tickets || data.items)) || [];
  }

  async function openRecall() {
    drawer.hidden = false;
    recallList.replaceChildren();
    recallStatus.textContent = "Loading…";
    try {
      const path = `/api/v1/kds/${branchId}/${encodeURIComponent(station)}/recent?limit=20`;
      const rows = recentRows(await kitchenApi("GET", path));
      const now = serverClock.now();
      for (const raw of rows) {
        const t = ticketFrom(raw, now);
        t.state = "bumped";
        if (!tickets.has(t.ticket_id)) remember(t);
        const li = h("li", "recall-row");
        li.dataset.ticketId = t.ticket_id;
        const what = h("div", "recall-what");
        what.append(
          h("span", "token", ticketTitle(t)),
          h("span", "recall-items", t.items.map((i) => `${i.qty} ${i.name}`).join(", ")),
        );
        if (t.bumped_ms) what.append(h("span", "recall-when", `bumped ${ago(now - t.bumped_ms)}`));
        const button = h("button", "act act-recall", "Recall");
        button.type = "button";
        button.dataset.ticketId = t.ticket_id;
        li.append(what, button);
        recallList.append(li);
      }
      recallStatus.textContent = rows.length ? "" : "Nothing bumped lately.";
    } catch (error) {
      recallStatus.textContent = `Could not load: ${error.message}`;
    }
  }

  async function recall(id, button) {
    button.disabled = true;
    button.textContent = "Recalling…";
    try {
      await kitchenApi("POST", `/api/v1/tickets/${encodeURIComponent(id)}/recall`);
      // The ticket comes back through its ticket.recalled event, like on every other screen.
      drawer.hidden = true;
    } catch (error) {
      button.disabled = false;
      button.textContent = "Recall";
      recallStatus.textContent = `Recall failed: ${error.message}`;
    }
  }

  document.getElementById("recall-open").addEventListener("click", openRecall);
  document.getElementById("recall-close").addEventListener("click", () => {
    drawer.hidden = true;
  });
  recallList.addEventListener("click", (event) => {
    const button = event.target.closest("button.act-recall");
    if (button && !button.disabled) recall(button.dataset.ticketId, button);
  });

  // ------------------------------------------------------------------ sound

  // Browsers keep audio off until the page is touched once; the overlay asks for that touch.
  function enableSound() {
    chime.unlock().then((on) => {
      root.dataset.sound = on ? "on" : "off";
    });
    overlay.hidden = true;
  }
  if (chime.supported) {
    overlay.addEventListener("click", enableSound);
    overlay.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") enableSound();
    });
  } else {
    overlay.hidden = true;
    root.dataset.sound = "unsupported";
  }

  // ------------------------------------------------------------------ going live

  let initialRender = true;
  const follow = followKitchen({
    branchId,
    snapshotPath: `/api/v1/kds/${branchId}/${encodeURIComponent(station)}`,
    auth: { branch_id: branchId, station },
    applySnapshot,
    applyEvent,
    onStatus: (status, detail) => showStatus(connEl, status, detail),
    onError: (error) => toast(`Could not load the tickets: ${error.message}`, { ms: 15_000 }),
  });
  follow.ready
    .then(() => {
      initialRender = false;
    })
    .catch(() => {});
  setInterval(tick, 1000);
  // For tests and for anyone debugging a tablet from its console.
  window.kds = { follow, tickets, pending, bumped };
}

const stationRoot = document.getElementById("kds");
if (stationRoot) stationPage(stationRoot);
