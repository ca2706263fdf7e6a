// A station's tickets as the server last told us, plus the taps not yet confirmed: no DOM here, so the
// rules (what an event does, what is shown, how late a ticket is) read in one place — as the kanban's
// store does for the board. The screen (kds.js) applies snapshots and events here, then draws `visible()`.

import { idMs, toMs } from "/static/js/shared/clock.js";

const BUMPED_KEPT = 60; // bodies of recently bumped tickets kept for a recall, oldest dropped first
// An order in one of these has left the kitchen: its tickets leave the board whatever their state.
const ORDER_GONE = new Set(["completed", "delivered", "cancelled", "out_for_delivery"]);
const EVENT_STATE = { "ticket.started": "started", "ticket.bumped": "bumped", "ticket.recalled": "started" };
export const TAP_GUARD_MS = 600;

export function ticketFrom(data, fallbackMs) {
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

export function createStationStore({ station, warnAfter = 300, lateAfter = 600 }) {
  const tickets = new Map(); // open tickets (queued, started) by id
  const bumped = new Map(); // recently bumped tickets, by id, so a recall can bring one back
  const pending = new Map(); // id -> {state, confirmed}: a start/bump shown before the server confirms it
  const lastTap = new Map(); // id -> ms of the last tap, against bounces
  const limits = { warnAfter, lateAfter };

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

  function applySnapshot(snapshot, now) {
    if (Number.isFinite(snapshot.warn_after_seconds)) limits.warnAfter = snapshot.warn_after_seconds;
    if (Number.isFinite(snapshot.late_after_seconds)) limits.lateAfter = snapshot.late_after_seconds;
    tickets.clear();
    for (const raw of snapshot.tickets || []) {
      const t = ticketFrom(raw, now);
      if (t.state !== "bumped") tickets.set(t.ticket_id, t);
    }
    // A confirmed action is in this snapshot or was overtaken by a later one; in-flight ones still wait.
    for (const [id, p] of pending) if (p.confirmed) pending.delete(id);
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

  /** One event: {ring} when a new ticket arrived, {unknown} when the snapshot must be reloaded. */
  function applyEvent(event) {
    const data = event.data || {};
    const at = toMs(data.at) ?? idMs(event.id);
    const out = { ring: false, unknown: false };
    if (event.type === "ticket.created") {
      if (data.station_code !== station || !data.ticket_id) return out;
      const fresh = ticketFrom(data, idMs(event.id));
      const known = tickets.get(fresh.ticket_id);
      if (known) Object.assign(known, { ...fresh, state: known.state, started_ms: known.started_ms });
      else if (fresh.state !== "bumped") {
        tickets.set(fresh.ticket_id, fresh);
        out.ring = true;
      }
    } else if (event.type in EVENT_STATE) {
      if (data.station_code && data.station_code !== station) return out;
      const state = data.state || EVENT_STATE[event.type];
      const known = settle(String(data.ticket_id), state, at, data, event.type === "ticket.recalled");
      out.unknown = !known && state !== "bumped";
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
    return out;
  }

  /** Milliseconds a just-tapped ticket stays guarded against a bounce (0: not guarded). */
  function cooling(id, nowMs = Date.now()) {
    const left = TAP_GUARD_MS - (nowMs - (lastTap.get(id) || 0));
    if (left <= 0) {
      lastTap.delete(id);
      return 0;
    }
    return left;
  }

  /** What the cook sees, in order: rush first, then oldest first (the next to pick up is top start). */
  function visible() {
    const list = [];
    for (const [id, t] of tickets) {
      const p = pending.get(id);
      if (p && p.confirmed && p.state === t.state) pending.delete(id);
      const state = pending.has(id) ? pending.get(id).state : t.state;
      const inFlight = pending.has(id) && !pending.get(id).confirmed;
      if (state !== "bumped") list.push({ t, state, busy: inFlight || cooling(id) > 0 });
    }
    for (const id of pending.keys()) if (!tickets.has(id)) pending.delete(id);
    for (const id of lastTap.keys()) if (!tickets.has(id)) lastTap.delete(id);
    list.sort(
      (a, b) =>
        Number(b.t.rush) - Number(a.t.rush) ||
        a.t.created_ms - b.t.created_ms ||
        (a.t.ticket_id < b.t.ticket_id ? -1 : 1),
    );
    return list;
  }

  /** "ok", "warn" or "late": how long the ticket has waited against the station's thresholds. */
  function lateness(t, nowMs) {
    const age = nowMs - t.created_ms;
    if (age >= limits.lateAfter * 1000) return "late";
    if (age >= limits.warnAfter * 1000) return "warn";
    return "ok";
  }

  /** A start or bump shown at once; returns its token, or null when a tap is bouncing or one is in flight. */
  function begin(id, action) {
    if (!tickets.has(id) || cooling(id) > 0) return null;
    lastTap.set(id, Date.now());
    const current = pending.get(id);
    if (current && !current.confirmed) return null;
    const mine = { state: action === "start" ? "started" : "bumped", confirmed: false };
    pending.set(id, mine);
    return mine;
  }

  function confirm(id, mine) {
    if (pending.get(id) !== mine) return;
    mine.confirmed = true;
    if (serverState(id) === mine.state) pending.delete(id);
  }

  /** Back to what the server last said. */
  function rollback(id, mine) {
    if (pending.get(id) === mine) pending.delete(id);
  }

  return {
    tickets,
    bumped,
    pending,
    limits,
    applySnapshot,
    applyEvent,
    visible,
    lateness,
    cooling,
    begin,
    confirm,
    rollback,
    remember,
    get: (id) => tickets.get(id),
    has: (id) => tickets.has(id),
  };
}
