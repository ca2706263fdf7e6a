// The dispatch dialog: dropping a card on "Out for delivery" asks which courier takes it and whether the
// cash is squared now or later, and shows the settlement preview (what the courier collects, their fee,
// and who owes whom) from the server before anything is confirmed (DESIGN §6).
//
// Each courier row shows their cash in hand (the balance endpoint) and their current load: how many of
// the board's out-for-delivery cards carry their name.
//
// A trip (several delivery orders for one courier) uses the same dialog: every order's own settlement
// preview (each still settles on its own, DESIGN §6), and the trip's total beneath them.

import { h } from "/static/js/shared/dom.js";
import { bidi, money } from "/static/js/shared/format.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { PAYMENT_LABELS } from "/static/js/shared/labels.js";
import { sum } from "/static/js/shared/money.js";
import { HttpError, describeError, optional, request } from "./net.js";

const OWED_TEXT = {
  courier: t("The courier owes the branch"),
  branch: t("The branch owes the courier"),
  none: t("Nothing changes hands"),
};

export class DispatchDialog {
  constructor({ board, couriersOf, branchOf }) {
    this.board = board;
    this.couriersOf = couriersOf; // branch id -> Promise<courier[]>
    this.branchOf = branchOf; // branch id -> {currency, …}
    this.dialog = document.getElementById("dispatch");
    this.form = document.getElementById("dispatch-form");
    this.list = document.getElementById("dispatch-couriers");
    this.none = document.getElementById("dispatch-no-couriers");
    this.preview = document.getElementById("dispatch-preview");
    this.error = document.getElementById("dispatch-error");
    this.confirm = document.getElementById("dispatch-confirm");
    this.title = document.getElementById("dispatch-order");
    this.summary = document.getElementById("dispatch-summary");
    this.seq = 0;
    this.previewAvailable = true;
    this.resolve = null;

    this.form.addEventListener("change", () => this.refreshPreview());
    this.dialog.addEventListener("close", () => this.settle(null));
    this.dialog.querySelector("[data-close]").addEventListener("click", () => this.dialog.close());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      const choice = this.choice();
      if (!choice || this.confirm.disabled) return;
      this.settle(choice);
      this.dialog.close();
    });
  }

  choice() {
    const courier = this.form.querySelector("input[name=courier_id]:checked");
    const mode = this.form.querySelector("input[name=settle_mode]:checked");
    if (!courier || !mode) return null;
    return { courier_id: Number(courier.value), settle_mode: mode.value };
  }

  settle(value) {
    const resolve = this.resolve;
    this.resolve = null;
    if (resolve) resolve(value);
  }

  /** Opens the dialog for an order; resolves with {courier_id, settle_mode} or null when dismissed. */
  async open(order, { label }) {
    const card = order.card || {};
    this.currency = (this.branchOf(order.branch_id) || {}).currency || "";
    const summary = [
      card.customer_name ? bidi(card.customer_name) : null,
      card.address ? bidi(card.address) : null,
      card.total ? t("total {amount}", { amount: money(card.total, this.currency) }) : null,
      order.payment_status ? PAYMENT_LABELS[order.payment_status] || order.payment_status : null,
    ]
      .filter(Boolean)
      .join(" · ");
    return this.show([order], { label, summary });
  }

  /** The same for several orders of one branch going out together as a trip. */
  async openTrip(orders, { label, labelOf }) {
    this.currency = (this.branchOf(orders[0].branch_id) || {}).currency || "";
    this.labelOf = labelOf;
    return this.show(orders, { label, summary: `${orders.length} orders as one trip for one courier` });
  }

  async show(orders, { label, summary }) {
    if (this.resolve) this.settle(null);
    this.orders = orders;
    this.order = orders[0];
    this.dialog.dataset.mode = orders.length > 1 ? "trip" : "order";
    this.title.textContent = label;
    this.summary.textContent = summary;
    this.form.reset();
    this.error.hidden = true;
    this.confirm.disabled = true;
    this.confirm.textContent = orders.length > 1 ? t("Dispatch {n} orders", { n: orders.length }) : t("Confirm dispatch");
    this.preview.replaceChildren(h("p", { class: "kb-muted", text: t("Pick a courier and when to settle to see the settlement.") }));
    this.list.replaceChildren(h("li", { class: "kb-muted", text: t("Loading couriers…") }));
    this.none.hidden = true;
    const result = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.dialog.showModal();
    this.loadCouriers(this.order).catch((error) => this.fail(describeError(error)));
    return result;
  }

  async loadCouriers(order) {
    const couriers = (await this.couriersOf(order.branch_id)).filter((c) => c.active !== false);
    if (this.order !== order) return;
    this.none.hidden = couriers.length > 0;
    const rows = couriers.map((c) => {
      const load = this.board.loadOf(c.id);
      const cash = h("span", { class: "kb-cash", dataset: { courierCash: String(c.id) }, text: t("cash …") });
      return h(
        "li",
        null,
        h(
          "label",
          { class: "kb-option kb-courier-option" },
          h("input", { attrs: { type: "radio", name: "courier_id", value: String(c.id) } }),
          h("bdi", { class: "kb-courier-name", text: c.name }),
          h("span", { class: "kb-load", dataset: { courierLoad: String(c.id) }, text: tn("{n} on the road", "{n} on the road", load) }),
          cash,
        ),
      );
    });
    this.list.replaceChildren(...rows);
    // One read for the whole branch; a server without balances shows a dash.
    let balances = null;
    try {
      balances = await optional(`/api/v1/couriers/balances?branch_id=${order.branch_id}`);
    } catch {
      balances = null;
    }
    if (this.order !== order) return;
    const byCourier = new Map((balances || []).map((b) => [Number(b.courier_id), b]));
    for (const c of couriers) {
      const el = this.list.querySelector(`[data-courier-cash="${c.id}"]`);
      const b = byCourier.get(c.id);
      if (!el) continue;
      if (!b) {
        el.textContent = t("cash —");
        continue;
      }
      // Cash taken from customers today, and what is still open between them and the branch.
      const open =
        b.owed_by === "courier"
          ? ` · ${t("owes {amount}", { amount: money(b.net, this.currency) })}`
          : b.owed_by === "branch"
            ? ` · ${t("owed {amount}", { amount: money(String(b.net).replace(/^-/, ""), this.currency) })}`
            : "";
      // What they hold for the branch now (the same figure their phone shows), not what passed through today.
      el.textContent = `${t("cash in hand {amount}", { amount: money(b.cash_in_hand ?? b.cash_in_hand_today, this.currency) })}${open}`;
    }
  }

  async refreshPreview() {
    const choice = this.choice();
    this.error.hidden = true;
    if (!choice) {
      this.confirm.disabled = true;
      return;
    }
    const seq = ++this.seq;
    this.confirm.disabled = true;
    this.preview.replaceChildren(h("p", { class: "kb-muted", text: t("Working out the settlement…") }));
    const query = new URLSearchParams({ courier_id: String(choice.courier_id), settle_mode: choice.settle_mode });
    try {
      const previews = await Promise.all(
        this.orders.map((o) => request("GET", `/api/v1/orders/${o.id}/settlement-preview?${query}`)),
      );
      if (seq !== this.seq) return; // a later pick is on its way
      if (this.orders.length > 1) this.showTripPreview(previews, choice.settle_mode);
      else this.showPreview(previews[0]);
      this.confirm.disabled = false;
    } catch (error) {
      if (seq !== this.seq) return;
      if (error instanceof HttpError && error.status === 404 && error.body && error.body.detail === "Not Found") {
        // A server without the preview endpoint: dispatch still works, the numbers come with the event.
        this.preview.replaceChildren(h("p", { class: "kb-muted", text: t("No settlement preview on this server.") }));
        this.confirm.disabled = false;
        return;
      }
      this.preview.replaceChildren();
      this.fail(describeError(error));
    }
  }

  owedText(owed, net, settleMode) {
    const c = this.currency;
    return `${OWED_TEXT[owed] || owed}${owed === "none" ? "" : ` ${money(String(net).replace(/^-/, ""), c)}`}${
      settleMode === "now" ? ` — ${t("settled at dispatch")}` : settleMode === "later" ? ` — ${t("added to the balance")}` : ""
    }`;
  }

  /** One row per order (each settles on its own), then the trip's total. */
  showTripPreview(previews, settleMode) {
    const c = this.currency;
    const rows = previews.map((p, i) =>
      h(
        "tr",
        { dataset: { tripOrder: this.orders[i].id } },
        h("th", { text: this.labelOf ? this.labelOf(this.orders[i]) : this.orders[i].id, attrs: { scope: "row" } }),
        h("td", { class: "num", text: money(p.amount_to_collect, c) }),
        h("td", { class: "num", text: money(p.courier_fee, c) }),
        h("td", { class: "num", text: money(p.net, c) }),
      ),
    );
    const collect = sum(previews.map((p) => p.amount_to_collect)).toFixed(2);
    const fee = sum(previews.map((p) => p.courier_fee)).toFixed(2);
    const net = sum(previews.map((p) => p.net)).toFixed(2);
    const owed = Number(net) > 0 ? "courier" : Number(net) < 0 ? "branch" : "none";
    this.preview.replaceChildren(
      h(
        "table",
        { class: "kb-trip-table" },
        h(
          "thead",
          null,
          h("tr", null, h("th", { text: t("Order") }), h("th", { text: t("Collects") }), h("th", { text: t("Fee") }), h("th", { text: t("Net") })),
        ),
        h("tbody", null, rows),
        h(
          "tfoot",
          null,
          h(
            "tr",
            null,
            h("th", { text: t("Trip total"), attrs: { scope: "row" } }),
            h("td", { class: "num", dataset: { preview: "amount_to_collect" }, text: money(collect, c) }),
            h("td", { class: "num", dataset: { preview: "courier_fee" }, text: money(fee, c) }),
            h("td", { class: "num", dataset: { preview: "net" }, text: money(net, c) }),
          ),
        ),
      ),
      h("p", { class: `kb-owed kb-owed-${owed}`, dataset: { preview: "owed_by", owedBy: owed }, text: this.owedText(owed, net, settleMode) }),
    );
  }

  showPreview(p) {
    const c = this.currency;
    const owed = p.owed_by || (Number(p.net) > 0 ? "courier" : Number(p.net) < 0 ? "branch" : "none");
    const net = String(p.net ?? "");
    this.preview.replaceChildren(
      h(
        "dl",
        { class: "kb-preview-grid" },
        h("dt", { text: t("Courier collects") }),
        h("dd", { dataset: { preview: "amount_to_collect" }, text: money(p.amount_to_collect, c) }),
        h("dt", { text: t("Courier fee") }),
        h("dd", { dataset: { preview: "courier_fee" }, text: money(p.courier_fee, c) }),
        h("dt", { text: t("Net") }),
        h("dd", { dataset: { preview: "net" }, text: money(net, c) }),
      ),
      h("p", { class: `kb-owed kb-owed-${owed}`, dataset: { preview: "owed_by", owedBy: owed }, text: this.owedText(owed, net, p.settle_mode) }),
    );
  }

  fail(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }
}
