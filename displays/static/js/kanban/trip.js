// Trips: the manager ticks several delivery cards waiting in received / preparing / ready, then
// "Dispatch as trip" sends them with one courier in one request (`POST /api/v1/dispatch`, all or none).
//
// The tick box is a plain checkbox on the card (a tap on touch; a long press stays the drag). Only orders
// that go out with a courier can join: ticking a pickup or counter card says so and stays unticked, and
// a trip is one branch's. A ticked card that leaves those columns (moved, dispatched, cancelled by
// someone else) drops out of the selection by itself.

import { h } from "/static/js/shared/dom.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { CHANNEL_LABELS } from "/static/js/shared/labels.js";

export const TRIP_STATES = new Set(["received", "preparing", "ready"]);
const TRIP_CHANNELS = new Set(["delivery", "partner"]);

export class TripPicker {
  constructor({ root, board, label, toast, onDispatch }) {
    this.board = board;
    this.label = label;
    this.toast = toast;
    this.onDispatch = onDispatch;
    this.picked = new Set();
    this.bar = document.getElementById("trip-bar");
    this.count = document.getElementById("trip-count");
    this.go = document.getElementById("trip-dispatch");

    root.addEventListener("change", (event) => {
      const box = event.target.closest("input[data-pick]");
      if (box) this.toggle(box);
    });
    this.go.addEventListener("click", () => {
      const orders = this.orders();
      if (orders.length) this.onDispatch(orders);
    });
    document.getElementById("trip-clear").addEventListener("click", () => this.clear());
    board.onChange(() => this.prune());
  }

  isPicked(id) {
    return this.picked.has(String(id));
  }

  /** Whether an order could join a trip at all (the card then shows a tick box). */
  static offered(order) {
    return TRIP_STATES.has(order.state) && !order.pending;
  }

  toggle(box) {
    const order = this.board.get(box.dataset.pick);
    if (!order) return;
    if (!box.checked) {
      this.picked.delete(order.id);
      this.update();
      return;
    }
    if (!TRIP_CHANNELS.has(order.channel)) {
      box.checked = false;
      const kind = (CHANNEL_LABELS[order.channel] || order.channel).toLowerCase();
      this.toast(`${this.label(order)} is a ${kind} order: only delivery and partner orders go out with a courier, so it cannot join a trip.`);
      return;
    }
    const other = this.orders().find((o) => o.branch_id !== order.branch_id);
    if (other) {
      box.checked = false;
      this.toast(t("A trip takes the orders of one branch: {order} is not in {other}'s branch.", { order: this.label(order), other: this.label(other) }));
      return;
    }
    this.picked.add(order.id);
    this.update();
  }

  orders() {
    return [...this.picked].map((id) => this.board.get(id)).filter(Boolean);
  }

  clear() {
    this.picked.clear();
    this.update();
  }

  prune() {
    let dropped = false;
    for (const id of this.picked) {
      const order = this.board.get(id);
      if (!order || !TripPicker.offered(order)) {
        this.picked.delete(id);
        dropped = true;
      }
    }
    if (dropped) this.update();
  }

  update() {
    const n = this.picked.size;
    this.bar.hidden = n === 0;
    const parts = [
      tn("{n} order picked", "{n} orders picked", n),
      n === 1 ? h("small", { text: ` — ${t("pick another to make a trip")}` }) : null,
    ];
    this.count.replaceChildren(...parts.filter(Boolean)); // replaceChildren would write a null as "null"
    this.go.disabled = n < 2;
    for (const box of document.querySelectorAll("input[data-pick]")) box.checked = this.picked.has(box.dataset.pick);
  }
}
