// Paying for the sale: tenders of several methods until the total is covered (cash with what was handed
// over → change, card with the terminal's reference, wallet, bank transfer, on account), then the order
// and its payments go to the server — or, when it cannot be reached, into the offline queue — and the
// success screen shows the token, what was paid, the change and the items.
//
// The order's UUID is made when the pay dialog opens and each tender's when it is keyed in; a retry (the
// cashier pressing again after an error, or the queue's replay) sends the same ids, so the server never
// takes a sale or a tender twice.
//
// Once the server has the order its tickets are in the kitchen, so the sale is bound to it: `onMade` tells
// the page the order and the tenders the server accepted, and the page reopens this dialog on that same
// order (those tenders shown as done) rather than ever making a second one.

import { h } from "/static/js/shared/dom.js";
import { time, listText } from "/static/js/shared/format.js";
import { t } from "/static/js/shared/i18n.js";
import { orderRef } from "/static/js/shared/labels.js";
import { dec, sum } from "/static/js/shared/money.js";
import { methodName } from "./methods.js";
import { Offline, Refused, call, describeError, uuid } from "./net.js";
import { cashDue, isDecimal, parse, plain } from "./pricing.js";

const $ = (id) => document.getElementById(id);
// The success screen's words for a sale left unpaid on purpose, and its receipt line.
const TEXT = {
  saleComplete: t("Sale complete"),
  cash_on_delivery: t("Sent to the kitchen · cash on delivery"),
  pay_later: t("Sent to the kitchen · to be paid later"),
  dueLabel: { cash_on_delivery: t("Courier collects"), pay_later: t("Still to pay") },
  codHint: t("The courier collects what is left at the door."),
  laterHint: t("The order goes to the kitchen unpaid; take its payment later from the orders board."),
  proforma: t("Pro-forma receipt"),
  invoiceReceipt: t("Receipt · invoice"),
  invoiceComing: t("(not paid yet: the invoice follows once it is paid)"),
  invoiceWaiting: t("(the invoice follows in a moment)"),
};
const REFERENCED = new Set(["card", "wallet", "bank_transfer"]);

export class Checkout {
  constructor(options) {
    Object.assign(this, options);
    this.dialog = $("pay");
    this.method = "cash";
    for (const button of this.dialog.querySelectorAll("[data-close]")) button.onclick = () => this.dialog.close();
    $("pay-add").addEventListener("click", () => this.addTender());
    $("pay-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.complete();
    });
    for (const id of ["pay-amount", "pay-tendered"]) {
      $(id).addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          this.addTender();
        }
      });
    }
    $("s-new").addEventListener("click", () => {
      $("success").hidden = true;
      this.shown = null;
      document.getElementById("barcode").focus();
    });
    $("pay-cod").addEventListener("click", () => this.complete({ unpaid: "cash_on_delivery" }));
    $("pay-later").addEventListener("click", () => this.complete({ unpaid: "pay_later" }));
    // Invoices the worker issued while this till listened (order id -> {invoice_id, number}): the success
    // screen swaps its pro-forma for the invoice's receipt as soon as the sale's one arrives.
    this.invoices = new Map();
    this.shown = null;
  }

  /** `invoice.issued` from the till's live feed. */
  invoiceIssued(data) {
    if (!data || !data.order_id || (data.kind && data.kind !== "invoice")) return;
    this.invoices.set(String(data.order_id), data);
    if (this.shown === String(data.order_id)) this.showInvoice(data);
  }

  showInvoice(invoice) {
    const receipt = $("s-receipt");
    receipt.href = `/api/v1/invoices/${invoice.invoice_id}/receipt`;
    receipt.textContent = `${TEXT.invoiceReceipt} \u2068${invoice.number}\u2069`;
    receipt.hidden = false;
    receipt.dataset.kind = "invoice";
    $("s-receipt-note").textContent = "";
  }

  /**
   * `orderId` and `order` when the order was already made (customer prices: the server priced it; or an
   * earlier attempt made it), with `tenders` the server has already accepted for it.
   */
  open({ total, body, priced, orderId = null, order = null, tenders = [] }) {
    this.total = order ? dec(order.totals.total) : total;
    this.priced = priced;
    this.orderId = orderId || uuid();
    this.makeBody = body;
    this.tenders = tenders.filter((t) => t.done);
    this.order = order;
    this.error("");
    $("pay-total").textContent = this.money(total);
    // Unpaid on purpose: a delivery's cash is collected at the door; a counter order may be paid later,
    // a manager's call (the "Leave unpaid" banner stays the way out of a refused tender).
    const channel = (this.makeBody(this.orderId) || {}).channel;
    const cod = channel === "delivery";
    const later = !cod && this.isManager();
    $("pay-cod").hidden = !cod;
    $("pay-later").hidden = !later;
    $("pay-unpaid").hidden = !cod && !later;
    $("pay-unpaid-hint").textContent = cod ? TEXT.codHint : later ? TEXT.laterHint : "";
    this.renderMethods();
    this.pick(this.methods()[0] || "cash");
    this.render();
    this.dialog.showModal();
  }

  error(text) {
    $("pay-error").textContent = text || "";
    $("pay-error").hidden = !text;
  }

  paid() {
    return sum(this.tenders.map((x) => x.amount));
  }

  /** "Cash 50.00 (tendered 100.00) · rounding 0.25", "Card 20.00 · ref 1234": one tender in words. */
  tenderText(tender, show) {
    const parts = [`${methodName(tender.method)} ${show(tender.amount)}`];
    if (tender.tendered) parts.push(t("tendered {amount}", { amount: show(tender.tendered) }));
    if (tender.reference) parts.push(t("ref {reference}", { reference: `\u2068${tender.reference}\u2069` }));
    if (!dec(tender.rounding).eq(0)) parts.push(t("rounding {amount}", { amount: show(tender.rounding) }));
    return parts.join(" · ");
  }

  remaining() {
    const left = dec(this.total).minus(this.paid());
    return left.cmp(0) > 0 ? left : dec(0);
  }

  renderMethods() {
    $("pay-methods").replaceChildren(
      ...this.methods().map((m) =>
        h("button", {
          class: "pos-method",
          text: methodName(m),
          attrs: { type: "button", "aria-pressed": "false" },
          dataset: { method: m },
          on: { click: () => this.pick(m) },
        }),
      ),
    );
  }

  pick(method) {
    this.method = method;
    for (const button of $("pay-methods").children) button.setAttribute("aria-pressed", String(button.dataset.method === method));
    $("pay-tendered-row").hidden = method !== "cash";
    $("pay-reference-row").hidden = !REFERENCED.has(method);
    const left = this.remaining();
    $("pay-amount").value = left.eq(0) ? "" : (method === "cash" ? cashDue(left, this.branch()) : left).toFixed(this.branch().currency_exponent);
    $("pay-tendered").value = "";
    $("pay-reference").value = "";
    $("pay-amount").focus();
    $("pay-amount").select();
  }

  addTender() {
    this.error("");
    const e = this.branch().currency_exponent;
    const method = this.method;
    const left = this.remaining();
    if (left.eq(0)) return this.error(t("The sale is already covered."));
    const amountText = $("pay-amount").value.trim();
    if (!isDecimal(amountText) || parse(amountText).cmp(0) <= 0) return this.error(t("Enter the amount of this tender."));
    let amount = parse(amountText).round(e, 1);
    if (method === "on_account" && !this.customer()) return this.error(t("On account needs the sale's customer."));
    const tender = { id: uuid(), method, amount, rounding: dec(0), change: dec(0), tendered: null, reference: null };
    if (method === "cash") {
      const due = cashDue(left, this.branch());
      const tenderedText = $("pay-tendered").value.trim() || amountText;
      if (!isDecimal(tenderedText)) return this.error(t("Cash tendered must be an amount."));
      const tendered = parse(tenderedText).round(e, 1);
      if (tendered.cmp(due) >= 0) {
        // This cash settles the sale: it pays the balance itself, rounded for the drawer, and the rest is change.
        amount = left;
        tender.rounding = due.minus(left);
        tender.change = tendered.minus(due);
        tender.tendered = tendered;
      } else {
        if (amount.cmp(tendered) > 0) amount = tendered;
        tender.tendered = tendered;
      }
      tender.amount = amount;
    } else {
      if (amount.cmp(left) > 0) return this.error(t("{method} cannot pay more than the {amount} left.", { method: methodName(method), amount: this.fmt(left) }));
      tender.reference = $("pay-reference").value.trim() || null;
      if (method === "card" && !tender.reference) return this.error(t("Enter the card terminal's reference."));
    }
    this.tenders.push(tender);
    this.render();
    this.pick(this.method);
  }

  render() {
    $("pay-list").replaceChildren(
      ...this.tenders.map((tender) =>
        h(
          "li",
          { class: "pos-tender", dataset: { method: tender.method } },
          h("span", { class: "pos-tender-text", text: this.tenderText(tender, (x) => this.fmt(x)) }),
          tender.done
            ? h("small", { text: ` ✓ ${t("taken")}` })
            : h("button", { class: "pos-link", text: t("Remove"), attrs: { type: "button" }, on: { click: () => this.drop(tender) } }),
        ),
      ),
    );
    const left = this.remaining();
    $("pay-remaining").textContent = this.fmt(left);
    const change = sum(this.tenders.map((x) => x.change));
    $("pay-change-row").hidden = change.eq(0);
    $("pay-change").textContent = this.fmt(change);
    $("pay-confirm").disabled = !left.eq(0) || !this.tenders.length;
  }

  drop(tender) {
    this.tenders = this.tenders.filter((x) => x !== tender);
    this.render();
  }

  paymentBody(tender) {
    const e = this.branch().currency_exponent;
    const body = { id: tender.id, method: tender.method, amount: tender.amount.toFixed(e) };
    if (tender.tendered) body.tendered = tender.tendered.toFixed(e);
    if (tender.reference) body.reference = tender.reference;
    const shiftId = this.shiftId();
    if (shiftId) body.shift_id = shiftId;
    return body;
  }

  /** Send the order and its tenders. `unpaid` ("cash_on_delivery" or "pay_later"): what is left is not
   * paid now, on purpose — the order still goes to the kitchen, with its tenders so far. */
  async complete({ unpaid = null } = {}) {
    this.error("");
    if (!unpaid && !this.remaining().eq(0)) return;
    $("pay-confirm").disabled = true;
    $("pay-cod").disabled = $("pay-later").disabled = true;
    const body = this.makeBody(this.orderId);
    const payments = this.tenders.map((tender) => ({ id: tender.id, body: this.paymentBody(tender), tender }));
    try {
      if (!navigator.onLine) throw new Offline();
      if (!this.order) {
        this.order = await call("POST", "/api/v1/orders", body);
        this.made(this.order.balance != null ? this.order.balance : this.order.totals.total);
      }
      for (const p of payments) {
        if (p.tender.done) continue;
        const answer = await call("POST", `/api/v1/orders/${this.orderId}/payments`, p.body);
        p.tender.done = true;
        p.tender.result = answer.payment;
        this.made(answer.order.balance);
        this.render();
      }
      this.finish({ queued: false, body, order: this.order, unpaid });
    } catch (error) {
      if (error instanceof Offline || (error instanceof Refused && error.status >= 500 && this.order)) {
        await this.queue.add({
          id: this.orderId,
          body,
          order_done: Boolean(this.order),
          payments: payments.map((p) => ({ id: p.id, body: p.body, done: Boolean(p.tender.done) })),
          summary: { total: dec(this.total).toFixed(this.branch().currency_exponent), items: body.lines.length },
        });
        this.finish({ queued: true, body, order: this.order, unpaid });
        return;
      }
      this.error(describeError(error));
      $("pay-confirm").disabled = false;
      this.render();
    } finally {
      $("pay-cod").disabled = $("pay-later").disabled = false;
    }
  }

  /** The server has the order (and every tender marked done): the page binds the sale to it. */
  made(balance) {
    this.onMade({
      id: this.orderId,
      order: this.order,
      tenders: this.tenders.filter((x) => x.done),
      balance: dec(balance),
    });
  }

  finish({ queued, body, order, unpaid = null }) {
    this.dialog.close();
    const due = this.remaining();
    $("success-title").textContent = unpaid ? TEXT[unpaid] : TEXT.saleComplete;
    $("s-due-label").hidden = $("s-due").hidden = !unpaid;
    $("s-due-label").textContent = unpaid ? TEXT.dueLabel[unpaid] : "";
    $("s-due").textContent = this.money(due);
    $("success").dataset.unpaid = unpaid || "";
    // The order's reference (#42); a sale saved offline gets its one when the queue reaches the server.
    $("s-token").textContent = order ? orderRef(order) : t("given when the sale reaches the server");
    $("s-offline").hidden = !queued;
    // Menu depth: the ready time the server quoted from the kitchen's live load.
    const ready = order && order.quoted_ready_at;
    $("s-ready").hidden = !ready;
    if (ready) {
      $("s-ready-time").textContent = time(ready);
    }
    $("s-total").textContent = this.money(order ? order.totals.total : this.total);
    const paid = sum(this.tenders.map((x) => x.amount.plus(x.rounding)));
    const change = sum(this.tenders.map((x) => (x.result && x.result.change_due != null ? dec(x.result.change_due) : x.change)));
    $("s-paid").textContent = this.money(paid);
    $("s-change").textContent = this.money(change);
    $("s-payments").replaceChildren(
      ...this.tenders.map((tender) => {
        const result = tender.result || {};
        const shown = {
          ...tender,
          amount: dec(result.amount || tender.amount),
          reference: result.reference || result.provider_ref || tender.reference,
        };
        return h(
          "li",
          { dataset: { method: tender.method } },
          this.tenderText(shown, (x) => this.money(x)),
          h("small", {}, " · ", h("bdi", { text: String(result.id || tender.id).slice(0, 8) })),
        );
      }),
    );
    const lines = order ? order.lines : this.priced.rows.map((r) => ({ name: r.name, qty: r.qty, line_total: r.total, parent_line_no: r.component ? 1 : null }));
    $("s-items").replaceChildren(
      ...lines.map((l) =>
        h(
          "tr",
          { class: l.parent_line_no ? "pos-part" : "" },
          h(
            "td",
            {},
            l.parent_line_no ? "↳ " : "",
            h("bdi", { text: l.name }),
            (l.modifiers || []).length
              ? h("small", { class: "pos-muted", text: ` ${listText(l.modifiers.map((m) => `${m.kind === "remove" ? "\u2013" : "+"} ${m.name}`))}` })
              : null,
          ),
          h("td", { class: "num" }, h("bdi", { text: plain(l.qty) })),
          h("td", { class: "num", text: this.fmt(l.line_total) }),
        ),
      ),
    );
    // Paid: the invoice's receipt (with the token) as soon as the worker issues it, live; the pro-forma
    // until then. Unpaid: the pro-forma, the invoice comes once it is paid.
    const receipt = $("s-receipt");
    receipt.hidden = queued;
    receipt.href = `/api/v1/orders/${body.id}/receipt`;
    receipt.textContent = TEXT.proforma;
    receipt.dataset.kind = "proforma";
    $("s-receipt-note").textContent = queued ? "" : unpaid ? TEXT.invoiceComing : TEXT.invoiceWaiting;
    this.shown = queued ? null : String(body.id);
    $("success").hidden = false;
    $("success").dataset.orderId = body.id;
    if (this.shown) {
      const known = this.invoices.get(this.shown);
      if (known) this.showInvoice(known);
      else if (!unpaid) this.lookUpInvoice(this.shown);
    }
    this.onSold({ queued, order });
  }

  /** The worker may have issued the invoice before this screen showed: ask once. */
  async lookUpInvoice(orderId) {
    try {
      const found = await call("GET", `/api/v1/invoices?order_id=${encodeURIComponent(orderId)}`);
      const original = ((found && found.items) || []).find((invoice) => invoice.kind === "invoice");
      if (original && this.shown === orderId && $("s-receipt").dataset.kind !== "invoice") {
        this.showInvoice({ invoice_id: original.id, number: original.number_text, order_id: orderId });
      }
    } catch {
      // The live event still brings it.
    }
  }
}
