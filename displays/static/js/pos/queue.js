// Sales made while the server cannot be reached, kept in IndexedDB until the server has acknowledged them.
//
// An entry is one sale: the order body (with its client UUID, made when the cashier pressed Pay) and its
// payments (each with its own client UUID). Replay sends the orders through POST /api/v1/orders/sync, then
// each payment; an entry is marked step by step as the server acknowledges (order created or existed,
// payment 201 or 200) and deleted only once everything in it was acknowledged. Every request is
// idempotent on its UUID, so a replay cut short (a reload, a second tab, the network dropping again) is
// simply run again: nothing is sent twice into the books, and nothing is dropped before the server has it.
//
// A sale the server refuses (4xx: a product withdrawn, stock gone, a value it cannot take) is kept as
// "refused" with the reason and the field at fault, not retried by itself: the cashier fixes it in the cart
// or discards it (pos/refused.js).

import { Offline, Refused, call } from "./net.js";
import { t } from "/static/js/shared/i18n.js";

const DB = "passline-pos";
const STORE = "sales";
const BATCH = 50;
const MAX_FAILURES = 5;

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const store = t.objectStore(STORE);
      let result;
      Promise.resolve(work(store)).then((value) => {
        result = value;
      }, reject);
      t.oncomplete = () => resolve(result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

function wrap(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

export class SaleQueue {
  constructor() {
    this.listeners = new Set();
    this.running = null;
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  async changed() {
    const entries = await this.all();
    for (const listener of this.listeners) listener(entries);
  }

  all() {
    return tx("readonly", (store) => wrap(store.getAll())).then((rows) =>
      rows.sort((a, b) => a.created_ms - b.created_ms),
    );
  }

  /** Store a sale: {id, body, payments: [{id, body}], summary}. Written before the page says "saved". */
  async add(sale) {
    const entry = {
      ...sale,
      state: "queued",
      order_done: Boolean(sale.order_done),
      payments: sale.payments.map((p) => ({ ...p, done: Boolean(p.done) })),
      created_ms: sale.created_ms || Date.now(),
    };
    await tx("readwrite", (store) => wrap(store.put(entry)));
    await this.changed();
    return entry;
  }

  async put(entry) {
    await tx("readwrite", (store) => wrap(store.put(entry)));
  }

  /** A refused sale queued again (the cashier's "Send again"): it goes with the next replay. */
  async retry(id) {
    const entry = (await this.all()).find((e) => e.id === id);
    if (!entry) return;
    Object.assign(entry, { state: "queued", reason: null, field: null, failures: 0 });
    await this.put(entry);
    await this.changed();
  }

  async remove(id) {
    await tx("readwrite", (store) => wrap(store.delete(id)));
    await this.changed();
  }

  /** Send what is waiting; one replay at a time across this tablet's tabs (Web Locks). */
  replay() {
    if (this.running) return this.running;
    const run = () => this._replay();
    const task = navigator.locks ? navigator.locks.request("passline-pos-replay", run) : run();
    this.running = task.finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async _replay() {
    // `made`: the sales the server now has, with the reference it gave each ({id, order}).
    const summary = { sent: 0, refused: 0, offline: false, made: [] };
    try {
      await this._sendOrders(summary);
      await this._sendPayments(summary);
    } catch (error) {
      if (error instanceof Offline || (error instanceof Refused && error.status >= 500)) {
        summary.offline = true;
      } else {
        throw error;
      }
    } finally {
      await this.changed();
    }
    return summary;
  }

  async _sendOrders(summary) {
    const waiting = (await this.all()).filter((e) => e.state === "queued" && !e.order_done);
    for (let i = 0; i < waiting.length; i += BATCH) {
      await this._sendBatch(waiting.slice(i, i + BATCH), summary);
    }
  }

  async _sendBatch(batch, summary) {
    let answer;
    try {
      answer = await call("POST", "/api/v1/orders/sync", { orders: batch.map((e) => e.body) });
    } catch (error) {
      // The server refused the batch as a whole (not signed out, not busy), or failed on it (a 500: a bug
      // one of its sales trips): sent one by one, the bad one is refused alone; the rest go through.
      const failed = error instanceof Refused && error.status === 500;
      if (!wholeBatchRefused(error) && !failed) throw error;
      if (batch.length > 1) {
        for (const entry of batch) await this._sendBatch([entry], summary);
        return;
      }
      if (failed) {
        // One sale the server keeps failing on must not hold up the till forever: a few tries, then it
        // is shown to the cashier like a refused one (who may send it again once the server is fixed).
        const [entry] = batch;
        entry.failures = (entry.failures || 0) + 1;
        if (entry.failures < MAX_FAILURES) {
          await this.put(entry);
          return;
        }
        const reason = error.body && error.body.request_id
          ? t("The server failed on this sale {n} times (request {request}).", { n: entry.failures, request: error.body.request_id })
          : t("The server failed on this sale {n} times.", { n: entry.failures });
        answer = { results: [{ index: 0, result: "rejected", status: 500, reason }] };
      } else {
        answer = { results: [{ index: 0, result: "rejected", status: error.status, reason: describe(error) }] };
      }
    }
    for (const result of answer.results) {
      const entry = batch[result.index];
      if (!entry) continue;
      if (result.result === "created" || result.result === "existed") {
        entry.order_done = true;
        entry.order = result.order ? { token: result.order.token, totals: result.order.totals } : null;
        summary.sent += 1;
        summary.made.push({ id: entry.id, order: { id: entry.id, token: entry.order ? entry.order.token : null } });
      } else {
        entry.state = "refused";
        entry.reason = result.reason || `HTTP ${result.status}`;
        entry.field = result.field || null;
        entry.refused_ms = Date.now();
        summary.refused += 1;
      }
      await this.put(entry);
    }
  }

  async _sendPayments(summary) {
    for (const entry of await this.all()) {
      if (entry.state !== "queued" || !entry.order_done) continue;
      for (const payment of entry.payments) {
        if (payment.done) continue;
        try {
          await call("POST", `/api/v1/orders/${entry.id}/payments`, payment.body);
          payment.done = true;
        } catch (error) {
          if (!(error instanceof Refused) || error.status >= 500) throw error;
          entry.state = "refused";
          entry.reason = t("payment {method} {amount}: {reason}", { method: payment.body.method, amount: payment.body.amount, reason: describe(error) });
          summary.refused += 1;
        }
        await this.put(entry);
        if (entry.state !== "queued") break;
      }
      if (entry.state === "queued" && entry.payments.every((p) => p.done)) {
        await tx("readwrite", (store) => wrap(store.delete(entry.id)));
      }
    }
  }
}

function wholeBatchRefused(error) {
  return error instanceof Refused && error.status >= 400 && error.status < 500 && ![401, 403, 408, 429].includes(error.status);
}

function describe(error) {
  return error.message || `HTTP ${error.status}`;
}
