// Drawing the board: one column per open state, one element per card (kept across updates, so focus and
// a running drag survive an event), the done-today tail, and the live ages that tick every second.

import { formatAge, serverClock } from "/static/js/shared/clock.js";
import { h } from "/static/js/shared/dom.js";
import { money, listText } from "/static/js/shared/format.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { CHANNEL_LABELS, PAYMENT_LABELS, STATE_LABELS, orderRef } from "/static/js/shared/labels.js";
import { TERMINAL, clockTime, slotText } from "./when.js";
import { bidi } from "/static/js/shared/format.js";

/** The order's one reference (labels.js): "#42" on the card, in menus, dialogs and messages; isolated so
 * "#42" stays whole inside Arabic text. */
export function orderLabel(order) {
  return bidi(orderRef(order));
}

function itemCount(n) {
  return tn("{n} item", "{n} items", n);
}

const DELIVERY_LABELS = { assigned: t("assigned"), accepted: t("accepted"), delivered: t("delivered"), returned: t("returned") };

function deliveryLabel(state) {
  return DELIVERY_LABELS[state] || state;
}

function qtyText(item) {
  return item.unit && item.unit !== "piece" ? bidi(`${item.qty} ${item.unit}`) : bidi(`${item.qty} ×`);
}

/**
 * What an alert says now. A missed slot stays on the card while the order moves on, so its words are made
 * from the order as it is (its state now, the slot's end in the branch's time) rather than the message
 * written when it was raised ("still received" would be wrong once it is out for delivery).
 */
export function alertText(alert, order, timeZone) {
  if (alert.kind === "slot_missed" && order && order.card && order.card.slot_end) {
    const state = STATE_LABELS[order.state] || order.state;
    return t("The delivery slot ended at {time}; it is {state} now", { time: clockTime(order.card.slot_end, timeZone), state });
  }
  return alert.message || alert.kind;
}

export class Renderer {
  constructor({ board, openStates, branches, couriers, isDragging, matches, trip = null }) {
    this.board = board;
    this.openStates = openStates;
    this.branches = new Map(branches.map((b) => [b.id, b]));
    this.couriers = couriers; // Map id -> courier
    this.isDragging = isDragging;
    this.matches = matches;
    this.trip = trip; // {offered(order), isPicked(id)}: the trip tick box on waiting cards
    this.cards = new Map(); // order id -> element
    this.lists = new Map(); // state -> <ol>
    this.counts = new Map(); // state -> count element
    this.boardEl = document.getElementById("board");
    this.doneList = document.getElementById("done-list");
    this.doneCount = document.getElementById("done-count");
    this.dirty = new Set();
    this.placeAll = true;
    this.frame = 0;
    this.showBranch = branches.length > 1;
    // Cards whose list of items the manager opened: kept open when the card is drawn again.
    this.openItems = new Set();
    this.boardEl.addEventListener(
      "toggle",
      (event) => {
        const details = event.target;
        if (!(details instanceof HTMLDetailsElement) || !details.classList.contains("kb-items")) return;
        const id = details.closest(".kb-card").dataset.id;
        if (details.open) this.openItems.add(id);
        else this.openItems.delete(id);
      },
      true, // toggle does not bubble
    );
    this.afterRender = () => {};
    this.buildColumns();
    board.onChange((ids) => this.invalidate(ids));
    setInterval(() => this.tick(), 1000);
  }

  buildColumns() {
    const columns = this.openStates.map((state) => {
      const list = h("ol", { class: "kb-cards", attrs: { "aria-label": STATE_LABELS[state] || state } });
      const count = h("span", { class: "kb-col-count", text: "0" });
      this.lists.set(state, list);
      this.counts.set(state, count);
      return h(
        "section",
        { class: `kb-col kb-col-${state}`, dataset: { drop: state, state }, attrs: { "aria-label": STATE_LABELS[state] } },
        h("header", { class: "kb-col-head" }, h("h2", { text: STATE_LABELS[state] || state }), count),
        list,
      );
    });
    this.boardEl.replaceChildren(...columns);
  }

  /** Something changed: redraw those cards, and re-place every card, at the next frame. */
  invalidate(ids) {
    for (const id of ids) this.dirty.add(id);
    this.placeAll = true;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  /** The filters changed: every card may have to appear or vanish. */
  refilter() {
    this.placeAll = true;
    if (!this.frame) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = 0;
    if (this.isDragging()) {
      // Moving the dragged element would break the drag: try again after the drop.
      return;
    }
    for (const id of this.dirty) {
      const order = this.board.get(id);
      const el = this.cards.get(id);
      if (!order) {
        if (el) el.remove();
        this.cards.delete(id);
        continue;
      }
      this.cards.set(id, this.drawCard(order, el));
    }
    this.dirty.clear();
    if (this.placeAll) this.place();
    this.placeAll = false;
    this.afterRender();
  }

  /** Puts every card in its column (or the done tail), oldest first; filtered-out cards leave the DOM. */
  place() {
    const perState = new Map(this.openStates.map((s) => [s, []]));
    const done = [];
    let total = 0;
    let shown = 0;
    for (const order of this.board.orders.values()) {
      const terminal = TERMINAL.has(order.state);
      if (!terminal) total += 1;
      if (!this.matches(order)) {
        const el = this.cards.get(order.id);
        if (el && el.isConnected) el.remove();
        continue;
      }
      if (terminal) done.push(order);
      else if (perState.has(order.state)) {
        perState.get(order.state).push(order);
        shown += 1;
      }
    }
    for (const [state, orders] of perState) {
      orders.sort((a, b) => (a.entered_ms ?? Infinity) - (b.entered_ms ?? Infinity) || a.id.localeCompare(b.id));
      this.fill(this.lists.get(state), orders);
      this.counts.get(state).textContent = String(orders.length);
    }
    done.sort((a, b) => (b.entered_ms ?? b.created_ms ?? 0) - (a.entered_ms ?? a.created_ms ?? 0));
    this.fill(this.doneList, done);
    this.doneCount.textContent = String(done.length);
    this.shown = shown;
    this.total = total;
  }

  fill(list, orders) {
    // Only touch the DOM where the order differs, so an unchanged column does not reflow.
    let cursor = list.firstElementChild;
    for (const order of orders) {
      let el = this.cards.get(order.id);
      if (!el) {
        el = this.drawCard(order, null);
        this.cards.set(order.id, el);
      }
      if (el !== cursor) list.insertBefore(el, cursor);
      else cursor = cursor.nextElementSibling;
    }
    while (cursor) {
      const next = cursor.nextElementSibling;
      cursor.remove();
      cursor = next;
    }
  }

  courierName(id) {
    if (id === null || id === undefined || id === "") return null;
    const courier = this.couriers.get(Number(id));
    return courier ? courier.name : t("Courier {id}", { id });
  }

  drawCard(order, existing) {
    const el = existing || h("li", { class: "kb-card", attrs: { tabindex: "0" } });
    const card = order.card || {};
    const terminal = TERMINAL.has(order.state);
    el.dataset.id = order.id;
    el.dataset.state = order.state;
    el.dataset.version = String(order.version);
    el.dataset.channel = order.channel || "";
    el.dataset.branch = String(order.branch_id);
    el.classList.toggle("kb-done-card", terminal);
    el.classList.toggle("kb-pending", Boolean(order.pending));
    el.classList.toggle("kb-rush", Boolean(order.rush));
    el.classList.toggle("kb-alerted", order.alerts.size > 0);
    el.setAttribute(
      "aria-label",
      `${orderLabel(order)} ${CHANNEL_LABELS[order.channel] || order.channel}, ${STATE_LABELS[order.state] || order.state}`,
    );
    const branch = this.branches.get(order.branch_id);
    const currency = branch ? branch.currency : "";
    const courier = this.courierName(card.courier_id);
    const zone = branch ? branch.timezone : undefined;
    const slot = slotText(card.slot_start, card.slot_end, zone);
    const who = card.customer_name || (card.table_label ? t("Table {table}", { table: card.table_label }) : "");
    const payment = order.payment_status || card.payment_status || "";

    const pick =
      this.trip && this.trip.offered(order)
        ? h(
            "label",
            { class: "kb-pick", attrs: { title: t("Pick for a trip") } },
            h("input", { dataset: { pick: order.id }, attrs: { type: "checkbox", checked: this.trip.isPicked(order.id), "aria-label": t("Pick {order} for a trip", { order: orderLabel(order) }) } }),
          )
        : null;
    const top = h(
      "div",
      { class: "kb-card-top" },
      terminal ? null : h("span", { class: "kb-grip", text: "⠿", attrs: { title: t("Drag to move"), "aria-hidden": "true" } }),
      pick,
      h("strong", { class: "kb-token", text: orderLabel(order) }),
      h("span", { class: `kb-badge kb-ch-${order.channel}`, text: CHANNEL_LABELS[order.channel] || order.channel }),
      payment ? h("span", { class: `kb-badge kb-pay-${payment}`, text: PAYMENT_LABELS[payment] || payment }) : null,
      order.rush ? h("span", { class: "kb-badge kb-rush-badge", text: t("Rush") }) : null,
      h("button", { class: "kb-more", dataset: { menu: order.id }, text: "⋯", attrs: { type: "button", title: t("Actions"), "aria-haspopup": "menu", "aria-label": t("Actions for {order}", { order: orderLabel(order) }) } }),
    );
    const rows = [
      top,
      who ? h("p", { class: "kb-who", attrs: { dir: "auto" } }, h("bdi", { text: who })) : null,
      h(
        "p",
        { class: "kb-line" },
        h("span", { class: "kb-total", text: money(card.total, currency) }),
        slot ? h("span", { class: "kb-slot", text: `⏱ ${slot}`, attrs: { title: t("Delivery slot") } }) : null,
      ),
      courier || order.delivery
        ? h(
            "p",
            { class: "kb-courier" },
            h("span", null, "🛵 ", h("bdi", { text: courier || "—" })),
            order.delivery && order.delivery.state
              ? h("span", { class: `kb-badge kb-dl-${order.delivery.state}`, text: deliveryLabel(order.delivery.state) })
              : null,
          )
        : null,
      h(
        "p",
        { class: "kb-line kb-times" },
        terminal
          ? h("span", { text: t("{state} · ordered {time}", { state: STATE_LABELS[order.state] || order.state, time: clockTime(card.created_at, zone) }) })
          : h("span", { class: "kb-age", dataset: { entered: order.entered_ms ?? "" }, text: order.entered_ms ? formatAge(serverClock.now() - order.entered_ms) : "—", attrs: { title: t("Time in this column") } }),
        this.showBranch && branch ? h("bdi", { class: "kb-branch", text: branch.name }) : null,
      ),
    ];
    const items = this.drawItems(order, card.items);
    if (items) rows.splice(3, 0, items);
    for (const alert of order.alerts.values()) {
      rows.push(h("p", { class: "kb-alert", text: `⚠ ${alertText(alert, order, zone)}`, attrs: { role: "note", dir: "auto" } }));
    }
    el.replaceChildren(...rows.filter(Boolean));
    return el;
  }

  /** What was ordered, folded to one line ("3 items · Burger, Shake, Fries") until the manager opens it. */
  drawItems(order, items) {
    if (!Array.isArray(items) || !items.length) return null;
    const main = items.filter((i) => !i.part);
    const count = main.length || items.length;
    const names = listText((main.length ? main : items).map((i) => i.name));
    return h(
      "details",
      { class: "kb-items", attrs: { open: this.openItems.has(order.id) } },
      h(
        "summary",
        { attrs: { title: names } },
        h("span", { class: "kb-items-count", text: itemCount(count) }),
        h("span", { class: "kb-items-names", text: `· ${names}` }),
      ),
      h(
        "ul",
        null,
        items.map((i) =>
          h(
            "li",
            { class: i.part ? "kb-item kb-item-part" : "kb-item" },
            h("span", { class: "kb-item-qty", text: qtyText(i) }),
            h("bdi", { text: i.part ? `↳ ${i.name}` : i.name }),
            i.note ? h("small", { class: "kb-item-note", text: ` · ${i.note}` }) : null,
          ),
        ),
      ),
    );
  }

  tick() {
    const now = serverClock.now();
    for (const age of this.boardEl.querySelectorAll(".kb-age[data-entered]")) {
      const entered = Number(age.dataset.entered);
      if (entered) age.textContent = formatAge(now - entered);
    }
  }
}
