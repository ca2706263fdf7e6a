// The board's model: every order it shows, built from the branches' snapshots plus the events after them.
//
// The one rule that keeps it right: an order's `version` only grows. A snapshot card or event that says
// an older or equal version than the one held is ignored, so a replayed event, our own move's event
// arriving before or after the HTTP reply, or another manager's move overtaking ours all settle on the
// server's latest word. An optimistic move changes the state but not the version (we do not know the
// new one yet); it is rolled back only if nothing newer arrived meanwhile.

import { idMs, serverClock, toMs } from "/static/js/shared/clock.js";
import { TERMINAL } from "./when.js";

/** What was ordered, as the card lists it, from an event's or the API's lines. */
export function itemsOf(lines) {
  return (lines || []).map((line) => ({
    qty: String(line.qty),
    name: line.name,
    unit: line.unit || "piece",
    note: line.note || "",
    part: line.parent_line_no !== null && line.parent_line_no !== undefined,
  }));
}

function cardFromCreated(data) {
  const delivery = data.delivery || {};
  return {
    token: data.token ?? null,
    channel: data.channel,
    total: data.totals ? data.totals.total : undefined,
    payment_status: data.payment_status,
    created_at: data.created_at,
    customer_name: data.customer ? data.customer.name : null,
    customer_phone: data.customer ? data.customer.phone : null,
    table_label: data.table_label ?? null,
    slot_start: delivery.slot_start ?? null,
    slot_end: delivery.slot_end ?? null,
    territory_id: delivery.territory_id ?? null,
    address: delivery.address ?? null,
    courier_id: null,
    items: itemsOf(data.lines),
  };
}

const DELIVERY_RANK = { assigned: 0, accepted: 1, delivered: 2, returned: 2 };

export class Board {
  constructor() {
    /** order id -> order (open and done today) */
    this.orders = new Map();
    /** alert id (or order:kind) -> alert, for the board-wide list */
    this.alerts = new Map();
    this.acknowledged = new Set();
    /** anomaly id -> an hour of sales far outside its forecast (the reports' `sales.anomaly`) */
    this.anomalies = new Map();
    this.dismissed = new Set();
    this.listeners = new Set();
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  changed(ids) {
    const set = ids instanceof Set ? ids : new Set(ids);
    for (const listener of this.listeners) listener(set);
  }

  get(id) {
    return this.orders.get(String(id));
  }

  // ------------------------------------------------------------------ snapshots

  /** A branch's board snapshot replaces that branch's open orders (done ones stay). */
  loadSnapshot(branchId, snapshot) {
    const branch = Number(branchId);
    const ids = new Set();
    const seen = new Set();
    for (const [state, cards] of Object.entries(snapshot.columns || {})) {
      for (const item of cards) {
        const card = item.card || {};
        const previous = this.orders.get(item.order_id);
        this.orders.set(item.order_id, {
          id: item.order_id,
          branch_id: branch,
          state: item.state || state,
          version: item.version,
          channel: item.channel || card.channel,
          token: item.token ?? card.token ?? null,
          payment_status: item.payment_status || card.payment_status,
          entered_ms: item.entered_ms,
          created_ms: toMs(card.created_at),
          card: { ...(previous ? previous.card : {}), ...card },
          rush: previous ? previous.rush : false,
          delivery: previous ? previous.delivery : null,
          alerts: previous ? previous.alerts : new Map(),
          pending: null,
        });
        seen.add(item.order_id);
        ids.add(item.order_id);
      }
    }
    for (const [id, order] of this.orders) {
      if (order.branch_id === branch && !TERMINAL.has(order.state) && !seen.has(id)) {
        this.orders.delete(id);
        ids.add(id);
      }
    }
    this.changed(ids);
  }

  /** Today's finished orders of a branch (summaries from the order list). */
  loadDone(branchId, summaries) {
    const ids = new Set();
    for (const item of summaries) {
      const id = String(item.id);
      const held = this.orders.get(id);
      if (held && held.version >= item.version) continue;
      this.orders.set(id, {
        id,
        branch_id: Number(branchId),
        state: item.state,
        version: item.version,
        channel: item.channel,
        token: item.token ?? null,
        payment_status: item.payment_status,
        entered_ms: null,
        created_ms: toMs(item.created_at),
        card: {
          ...(held ? held.card : {}),
          token: item.token ?? null,
          channel: item.channel,
          total: String(item.total),
          payment_status: item.payment_status,
          created_at: item.created_at,
        },
        rush: false,
        delivery: held ? held.delivery : null,
        alerts: new Map(),
        pending: null,
      });
      ids.add(id);
    }
    this.changed(ids);
  }

  /** Orders of branches no longer followed leave the board. */
  dropBranches(keep) {
    const ids = new Set();
    for (const [id, order] of this.orders) {
      if (!keep.has(order.branch_id)) {
        this.orders.delete(id);
        ids.add(id);
      }
    }
    for (const [key, alert] of this.alerts) if (!keep.has(alert.branch_id)) this.alerts.delete(key);
    for (const [key, anomaly] of this.anomalies) if (!keep.has(anomaly.branch_id)) this.anomalies.delete(key);
    this.changed(ids);
  }

  /** An order read whole from the API (one the board learnt of from an event only). */
  adopt(out) {
    const id = String(out.id);
    const held = this.orders.get(id);
    if (held && held.version >= out.version) return;
    const delivery = out.delivery || {};
    this.orders.set(id, {
      id,
      branch_id: out.branch_id,
      state: out.state,
      version: out.version,
      channel: out.channel,
      token: out.token ?? null,
      payment_status: out.payment_status,
      entered_ms: held ? held.entered_ms : null,
      created_ms: toMs(out.created_at),
      card: {
        ...(held ? held.card : {}),
        token: out.token ?? null,
        channel: out.channel,
        total: out.totals ? String(out.totals.total) : undefined,
        payment_status: out.payment_status,
        created_at: out.created_at,
        table_label: out.table_label,
        slot_start: delivery.slot_start ?? null,
        slot_end: delivery.slot_end ?? null,
        address: delivery.address ?? null,
        territory_id: delivery.territory_id ?? null,
        courier_id: delivery.courier_id ?? null,
        items: itemsOf(out.lines),
      },
      rush: held ? held.rush : false,
      delivery: held ? held.delivery : null,
      alerts: held ? held.alerts : new Map(),
      pending: null,
    });
    this.changed([id]);
  }

  // ------------------------------------------------------------------ events

  /**
   * Applies one live event. Returns the id of an order the event is about but the board has never seen
   * (the caller may fetch it), else null.
   */
  apply(event) {
    const data = event.data || {};
    const handler = HANDLERS[event.type];
    if (!handler) return null;
    return handler.call(this, event, data) || null;
  }

  // ------------------------------------------------------------------ optimistic moves

  /** Moves a card before the server answers; returns the token that confirm/rollback take. */
  optimistic(id, to, extra = {}) {
    const order = this.get(id);
    if (!order) return null;
    const token = {
      to,
      baseVersion: order.version,
      prevState: order.state,
      prevEntered: order.entered_ms,
      prevCourier: order.card.courier_id ?? null,
    };
    order.pending = token;
    order.state = to;
    order.entered_ms = serverClock.now();
    if (extra.courier_id !== undefined) order.card = { ...order.card, courier_id: extra.courier_id };
    this.changed([order.id]);
    return token;
  }

  confirm(id, token, reply) {
    const order = this.get(id);
    if (!order) return;
    if (reply && reply.version > order.version) {
      order.version = reply.version;
      order.state = reply.state;
      if (reply.event_id) order.entered_ms = idMs(reply.event_id);
    }
    if (order.pending === token) order.pending = null;
    this.changed([order.id]);
  }

  /**
   * The server refused: put the card back where it was, unless something newer already moved it, then
   * take the state and version the refusal reports (a 409 says where the order really is).
   */
  rollback(id, token, body) {
    const order = this.get(id);
    if (!order) return;
    if (order.pending === token) {
      order.pending = null;
      // Only if nothing newer arrived meanwhile (a lost answer to a move that did happen, say).
      if (order.version === token.baseVersion) {
        order.state = token.prevState;
        order.entered_ms = token.prevEntered;
        order.card = { ...order.card, courier_id: token.prevCourier };
      }
    }
    if (body && typeof body.version === "number" && typeof body.state === "string") {
      if (body.version > order.version) {
        order.version = body.version;
        order.state = body.state;
        order.entered_ms = null;
        order.stale = true; // its time in the column is unknown until the event or a snapshot
      }
    }
    this.changed([order.id]);
  }

  /**
   * A delivery row read from the API. It may be older than an event already applied, so it only moves a
   * delivery forward (assigned -> accepted), never back.
   */
  noteDelivery(d) {
    const order = this.get(d.order_id);
    if (!order || order.state !== "out_for_delivery") return;
    const held = order.delivery;
    if (held && held.id === d.id && DELIVERY_RANK[held.state] >= DELIVERY_RANK[d.state]) return;
    order.delivery = {
      id: d.id,
      state: d.state,
      settle_mode: d.settle_mode,
      amount_to_collect: d.amount_to_collect,
      courier_fee: d.courier_fee,
    };
    if (!order.card.courier_id) order.card = { ...order.card, courier_id: d.courier_id };
    this.changed([order.id]);
  }

  // ------------------------------------------------------------------ queries

  open() {
    return [...this.orders.values()].filter((o) => !TERMINAL.has(o.state));
  }

  done() {
    return [...this.orders.values()].filter((o) => TERMINAL.has(o.state));
  }

  /** Cards currently on the road with a courier: the courier's load. */
  loadOf(courierId) {
    let n = 0;
    for (const order of this.orders.values()) {
      if (order.state === "out_for_delivery" && Number(order.card.courier_id) === Number(courierId)) n += 1;
    }
    return n;
  }

  /** A dealt-with alert leaves every board, and a late copy of it (an older list, a replay) stays out. */
  acknowledge(alertId) {
    this.acknowledged.add(String(alertId));
    this.removeAlert(String(alertId));
  }

  addAlert(alert) {
    if (alert.alert_id !== undefined && this.acknowledged.has(String(alert.alert_id))) return;
    const key = alert.alert_id !== undefined && alert.alert_id !== null
      ? String(alert.alert_id)
      : `${alert.order_id ?? `user-${alert.user_id}`}:${alert.kind}`; // an account's alert names no order
    this.alerts.set(key, { ...alert, key });
    const order = this.get(alert.order_id);
    if (order) {
      order.alerts.set(key, alert);
      this.changed([order.id]);
    } else {
      this.changed([]);
    }
  }

  /** An anomaly from a snapshot or a live event (by id: a replayed copy changes nothing). */
  addAnomaly(anomaly) {
    const id = String(anomaly.id);
    if (this.dismissed.has(id)) return;
    this.anomalies.set(id, { ...anomaly, id });
    this.changed([]);
  }

  /** A dismissed anomaly leaves every board, and a late copy of it (a replay, an older snapshot) stays out. */
  dismissAnomaly(id) {
    this.dismissed.add(String(id));
    if (this.anomalies.delete(String(id))) this.changed([]);
  }

  removeAlert(key) {
    const alert = this.alerts.get(String(key));
    this.alerts.delete(String(key));
    const order = alert ? this.get(alert.order_id) : null;
    if (order) {
      order.alerts.delete(String(key));
      this.changed([order.id]);
    } else {
      this.changed([]);
    }
  }
}

// An alert about the time an order spends in one state is moot once it leaves that state; a missed slot
// stays until the order is finished.
function clearMootAlerts(board, order) {
  for (const [key, alert] of order.alerts) {
    const moot = TERMINAL.has(order.state) || (alert.kind !== "slot_missed" && alert.state && alert.state !== order.state);
    if (moot) {
      order.alerts.delete(key);
      board.alerts.delete(key);
    }
  }
}

/** The order's payment status, from the change with the highest payment sequence seen (they may cross). */
function paymentChanged(data) {
  const order = this.orders.get(String(data.order_id));
  if (!order || !data.payment_status) return null;
  if (typeof data.seq === "number") {
    if (data.seq < (order.payment_seq || 0)) return null;
    order.payment_seq = data.seq;
  }
  order.payment_status = data.payment_status;
  order.card = { ...order.card, payment_status: data.payment_status };
  this.changed([order.id]);
  return null;
}

const HANDLERS = {
  "order.created"(event, data) {
    const id = String(data.order_id);
    const held = this.orders.get(id);
    if (held && held.version >= (data.version ?? 1)) return null;
    this.orders.set(id, {
      id,
      branch_id: Number(event.branch_id),
      state: data.state,
      version: data.version ?? 1,
      channel: data.channel,
      token: data.token ?? null,
      payment_status: data.payment_status,
      entered_ms: idMs(event.id),
      created_ms: toMs(data.created_at) ?? idMs(event.id),
      card: cardFromCreated(data),
      rush: false,
      delivery: null,
      alerts: held ? held.alerts : new Map(),
      pending: null,
      transferred_from: data.transferred_from ?? null,
    });
    this.changed([id]);
    return null;
  },

  "order.state_changed"(event, data) {
    const id = String(data.order_id);
    const order = this.orders.get(id);
    if (!order) return id;
    if (order.stale && data.version === order.version && data.to === order.state) {
      // The event of a state a refusal already told us about: it brings the time it was entered.
      order.entered_ms = idMs(event.id);
      order.stale = false;
      this.changed([id]);
      return null;
    }
    if (typeof data.version === "number" && data.version <= order.version) return null;
    // Our own move's event may come before the HTTP answer (the server announces once it has committed,
    // then answers): the card stays "saving" until the answer. Anyone else's move ends our hope at once.
    const ours = order.pending && data.to === order.pending.to && data.version === order.pending.baseVersion + 1;
    if (!ours) order.pending = null;
    order.version = data.version;
    order.state = data.to;
    order.entered_ms = idMs(event.id);
    order.stale = false;
    if (data.courier_id !== undefined && data.courier_id !== null) {
      order.card = { ...order.card, courier_id: Number(data.courier_id) };
    }
    if (data.to === "returned" && order.delivery) order.delivery = { ...order.delivery, state: "returned" };
    if (data.to === "delivered" && order.delivery) order.delivery = { ...order.delivery, state: "delivered" };
    if (data.to === "ready" && data.from === "returned") order.delivery = null;
    clearMootAlerts(this, order);
    this.changed([id]);
    return null;
  },

  "order.updated"(event, data) {
    const id = String(data.order_id);
    const order = this.orders.get(id);
    if (!order) return null;
    if (typeof data.version === "number") {
      if (data.version < order.version) return null;
      order.version = data.version;
    }
    const card = { ...order.card };
    if (data.payment_status) {
      order.payment_status = data.payment_status;
      card.payment_status = data.payment_status;
    }
    if (data.totals && data.totals.total !== undefined) card.total = data.totals.total;
    else if (data.total !== undefined) card.total = data.total;
    if (data.customer) card.customer_name = data.customer.name;
    if (data.table_label !== undefined) card.table_label = data.table_label;
    if (data.delivery) {
      card.slot_start = data.delivery.slot_start ?? card.slot_start;
      card.slot_end = data.delivery.slot_end ?? card.slot_end;
      card.address = data.delivery.address ?? card.address;
    }
    if (data.courier_id !== undefined) card.courier_id = data.courier_id;
    if (typeof data.rush === "boolean") order.rush = data.rush;
    order.card = card;
    this.changed([id]);
    return null;
  },

  "payment.collected"(event, data) {
    return paymentChanged.call(this, data);
  },

  // A refund (a cancel that gave the money back) or a void moves the status too.
  "payment.refunded"(event, data) {
    return paymentChanged.call(this, data);
  },

  "payment.voided"(event, data) {
    return paymentChanged.call(this, data);
  },

  "courier.assigned"(event, data) {
    const order = this.orders.get(String(data.order_id));
    if (!order) return data.order_id ? String(data.order_id) : null;
    order.card = { ...order.card, courier_id: Number(data.courier_id) };
    order.delivery = {
      id: data.delivery_id,
      state: "assigned",
      settle_mode: data.settle_mode,
      amount_to_collect: data.amount_to_collect,
      courier_fee: data.courier_fee,
    };
    this.changed([order.id]);
    return null;
  },

  "courier.updated"(event, data) {
    // A delivery's own progress (accepted on the phone); location pings are the couriers panel's.
    if (!data.order_id) return null;
    const order = this.orders.get(String(data.order_id));
    if (!order) return null;
    const state = data.delivery_state || data.state;
    if (state) order.delivery = { ...(order.delivery || {}), id: data.delivery_id, state };
    this.changed([order.id]);
    return null;
  },

  "alert.raised"(event, data) {
    if (this.acknowledged.has(String(data.alert_id))) return null;
    this.addAlert({ ...data, branch_id: Number(event.branch_id), raised_ms: idMs(event.id) });
    return null;
  },

  "alert.acknowledged"(event, data) {
    this.acknowledge(data.alert_id);
    return null;
  },

  "sales.anomaly"(event, data) {
    this.addAnomaly({
      id: data.anomaly_id,
      branch_id: Number(event.branch_id),
      business_date: data.business_date,
      hour: data.hour,
      direction: data.direction,
      actual: data.actual,
      expected: data.expected,
      low: data.low,
      high: data.high,
      currency: data.currency,
      raised_at: data.raised_at,
    });
    return null;
  },

  "sales.anomaly_dismissed"(event, data) {
    this.dismissAnomaly(data.anomaly_id);
    return null;
  },
};
