// A card's actions menu (⋯): move to a column without dragging (keyboards, screen readers), print an
// order summary, cancel with a reason, transfer to another branch. The board is a managers' screen, so
// every action is offered; the server still decides (403/409/422 come back as a message).

import { h } from "/static/js/shared/dom.js";
import { money } from "/static/js/shared/format.js";
import { dir, t } from "/static/js/shared/i18n.js";
import { CHANNEL_LABELS, PAYMENT_LABELS, STATE_LABELS } from "/static/js/shared/labels.js";
import { describeError, request } from "./net.js";
import { clockTime, slotText } from "./when.js";

export class CardMenu {
  constructor({ root, board, branches, legalTargets, label, onMove, onCancel, onTransfer, toast }) {
    this.root = root;
    this.board = board;
    this.branches = branches;
    this.legalTargets = legalTargets;
    this.label = label;
    this.onMove = onMove;
    this.onCancel = onCancel;
    this.onTransfer = onTransfer;
    this.toast = toast;
    this.menu = document.getElementById("card-menu");
    this.anchor = null;

    root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-menu]");
      if (button) {
        event.stopPropagation();
        if (this.anchor === button && !this.menu.hidden) this.close();
        else this.open(button);
        return;
      }
      if (!event.target.closest("#card-menu")) this.close();
    });
    root.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.menu.hidden) {
        this.close();
        if (this.anchor) this.anchor.focus();
      }
      // Enter or the context-menu key on a focused card opens its menu.
      if ((event.key === "Enter" || event.key === "ContextMenu") && event.target.classList.contains("kb-card")) {
        const button = event.target.querySelector("[data-menu]");
        if (button) {
          event.preventDefault();
          this.open(button);
        }
      }
    });
    this.menu.addEventListener("click", (event) => {
      const item = event.target.closest("[data-action]");
      if (!item) return;
      const order = this.board.get(this.menu.dataset.order);
      this.close();
      if (order) this.run(item.dataset.action, item.dataset.to, order);
    });
  }

  open(button) {
    const order = this.board.get(button.dataset.menu);
    if (!order) return;
    this.anchor = button;
    const items = [];
    for (const to of this.legalTargets(order)) {
      if (to === "cancelled") continue;
      items.push(h("button", { dataset: { action: "move", to }, text: t("Move to {state}", { state: STATE_LABELS[to] || to }), attrs: { type: "button", role: "menuitem" } }));
    }
    items.push(h("button", { dataset: { action: "print" }, text: t("Print summary"), attrs: { type: "button", role: "menuitem" } }));
    items.push(h("button", { dataset: { action: "invoice" }, text: t("Invoice / receipt"), attrs: { type: "button", role: "menuitem" } }));
    if (this.legalTargets(order).includes("cancelled")) {
      items.push(h("button", { class: "kb-danger", dataset: { action: "cancel" }, text: t("Cancel order…"), attrs: { type: "button", role: "menuitem" } }));
    }
    if (this.branches.length > 1 && ["scheduled", "received"].includes(order.state)) {
      items.push(h("button", { dataset: { action: "transfer" }, text: t("Transfer to branch…"), attrs: { type: "button", role: "menuitem" } }));
    }
    this.menu.replaceChildren(h("p", { class: "kb-menu-title", text: this.label(order) }), ...items);
    this.menu.dataset.order = order.id;
    this.menu.hidden = false;
    const rect = button.getBoundingClientRect();
    const width = this.menu.offsetWidth;
    // The menu hangs from the button's end edge: its right in English, its left in Arabic.
    const edge = dir === "rtl" ? rect.left : rect.right - width;
    const left = Math.max(8, Math.min(window.innerWidth - width - 8, edge));
    this.menu.style.left = `${left + window.scrollX}px`;
    this.menu.style.top = `${rect.bottom + window.scrollY + 4}px`;
    const first = this.menu.querySelector("[data-action]");
    if (first) first.focus();
  }

  close() {
    this.menu.hidden = true;
  }

  run(action, to, order) {
    if (action === "move") this.onMove(order, to);
    else if (action === "print") this.print(order).catch((error) => this.toast(describeError(error)));
    else if (action === "invoice") this.printReceipt(order);
    else if (action === "cancel") this.onCancel(order);
    else if (action === "transfer") this.onTransfer(order);
  }

  /** The order's invoice receipt, or its pro-forma ("not an invoice") while it has none, in a print window.
   * The window opens inside the click (a popup opened after an await is blocked), then gets its address. */
  printReceipt(order) {
    const win = window.open("", "_blank", "popup,width=420,height=720");
    if (!win) {
      this.toast(t("The browser blocked the receipt window: allow pop-ups for this page."));
      return;
    }
    win.document.title = t("Receipt…");
    request("GET", `/api/v1/invoices?order_id=${encodeURIComponent(order.id)}`)
      .then((found) => {
        const original = (found.items || []).find((invoice) => invoice.kind === "invoice");
        const path = original ? `/api/v1/invoices/${original.id}/receipt` : `/api/v1/orders/${order.id}/receipt`;
        win.location.href = path;
        // Print once the receipt (not the blank page the window started with) has loaded.
        const started = Date.now();
        const timer = setInterval(() => {
          let loaded = false;
          try {
            loaded = win.location.pathname === path && win.document.readyState === "complete";
          } catch {
            loaded = false;
          }
          if (loaded) {
            clearInterval(timer);
            win.focus();
            win.print();
          } else if (win.closed || Date.now() - started > 20000) clearInterval(timer);
        }, 100);
      })
      .catch((error) => {
        win.close();
        this.toast(describeError(error));
      });
  }

  /** A printable summary of the order (its lines from the API), then the browser's print dialog. */
  async print(order) {
    const full = await request("GET", `/api/v1/orders/${order.id}`);
    const branch = this.branches.find((b) => b.id === full.branch_id) || {};
    const c = branch.currency || "";
    const card = order.card || {};
    const delivery = full.delivery || {};
    const area = document.getElementById("print-area");
    const parts = [
      h("h1", { text: `${branch.name || t("Order")} · ${this.label(order)}` }),
      h(
        "p",
        null,
        `${CHANNEL_LABELS[full.channel] || full.channel} · ${STATE_LABELS[full.state] || full.state} · `,
        `${PAYMENT_LABELS[full.payment_status] || full.payment_status} · `,
        t("ordered {time}", { time: clockTime(full.created_at, branch.timezone) }),
      ),
      card.customer_name ? h("p", { text: t("Customer: {name}", { name: card.customer_name }) }) : null,
      full.table_label ? h("p", { text: t("Table: {table}", { table: full.table_label }) }) : null,
      delivery.address ? h("p", { text: t("Deliver to: {address}", { address: delivery.address }), attrs: { dir: "auto" } }) : null,
      delivery.slot_start || delivery.slot_end
        ? h("p", { text: t("Slot: {slot}", { slot: slotText(delivery.slot_start, delivery.slot_end, branch.timezone) }) })
        : null,
      h(
        "table",
        null,
        h("thead", null, h("tr", null, h("th", { text: t("Qty") }), h("th", { text: t("Item") }), h("th", { text: t("Amount") }))),
        h(
          "tbody",
          null,
          (full.lines || []).map((line) =>
            h(
              "tr",
              null,
              h("td", { text: `${line.qty} ${line.unit}` }),
              h("td", null, line.name, line.note ? h("small", { text: ` — ${line.note}` }) : null),
              h("td", { class: "num", text: money(line.line_total, c) }),
            ),
          ),
        ),
        h(
          "tfoot",
          null,
          h("tr", null, h("td"), h("td", { text: t("Subtotal") }), h("td", { class: "num", text: money(full.totals.subtotal, c) })),
          h("tr", null, h("td"), h("td", { text: t("Tax") }), h("td", { class: "num", text: money(full.totals.tax, c) })),
          Number(full.totals.delivery_charge)
            ? h("tr", null, h("td"), h("td", { text: t("Delivery") }), h("td", { class: "num", text: money(full.totals.delivery_charge, c) }))
            : null,
          h("tr", { class: "total" }, h("td"), h("td", { text: t("Total") }), h("td", { class: "num", text: money(full.totals.total, c) })),
        ),
      ),
      full.note ? h("p", { text: t("Note: {note}", { note: full.note }), attrs: { dir: "auto" } }) : null,
    ];
    area.replaceChildren(...parts.filter(Boolean)); // replaceChildren would write a null as "null"
    area.dataset.order = order.id;
    window.print();
  }
}

/**
 * The reason dialog (returned, cancelled): resolves with {reason, refund, refundAmount} or null when
 * dismissed. `refundChoice` offers the "Refund the payment" tick; with `paid` (what the order holds) the
 * tick also opens the amount to give back, prefilled with all of it.
 */
export function askReason({ title, summary, refundChoice, paid = null, currency = "" }) {
  const dialog = document.getElementById("reason");
  const form = document.getElementById("reason-form");
  const text = document.getElementById("reason-text");
  const refundRow = document.getElementById("reason-refund-row");
  const refund = document.getElementById("reason-refund");
  const amountRow = document.getElementById("reason-refund-amount-row");
  const amount = document.getElementById("reason-refund-amount");
  const error = document.getElementById("reason-error");
  document.getElementById("reason-title").textContent = title;
  document.getElementById("reason-summary").textContent = summary || "";
  document.getElementById("reason-refund-currency").textContent = currency;
  error.hidden = true;
  form.reset();
  refundRow.hidden = !refundChoice;
  amountRow.hidden = true;
  refund.onchange = () => {
    amountRow.hidden = !(refund.checked && paid !== null);
    if (!amountRow.hidden) amount.value = paid;
  };
  const fail = (message, field) => {
    error.textContent = message;
    error.hidden = false;
    field.focus();
  };
  return new Promise((resolve) => {
    let answered = false;
    const done = (value) => {
      if (answered) return;
      answered = true;
      form.onsubmit = null;
      dialog.onclose = null;
      refund.onchange = null;
      resolve(value);
    };
    form.onsubmit = (event) => {
      event.preventDefault();
      const reason = text.value.trim();
      if (!reason) return fail(t("Say why."), text);
      let refundAmount;
      if (refundChoice && refund.checked && paid !== null) {
        refundAmount = amount.value.trim().replace(",", ".");
        if (!/^\d+(\.\d+)?$/.test(refundAmount) || Number(refundAmount) <= 0) {
          return fail(t("Enter the amount to give back, like 12.50."), amount);
        }
        // The whole of it is the server's default: sent only when the manager keeps part of it.
        if (refundAmount === paid) refundAmount = undefined;
      }
      done({ reason, refund: refundChoice ? refund.checked : undefined, refundAmount });
      dialog.close();
    };
    dialog.onclose = () => done(null);
    dialog.querySelector("[data-close]").onclick = () => dialog.close();
    dialog.showModal();
    text.focus();
  });
}

/** The transfer dialog: resolves with the chosen branch id, or null. */
export function askBranch({ label, branches }) {
  const dialog = document.getElementById("transfer");
  const form = document.getElementById("transfer-form");
  const list = document.getElementById("transfer-branches");
  const confirm = document.getElementById("transfer-confirm");
  document.getElementById("transfer-order").textContent = label;
  document.getElementById("transfer-error").hidden = true;
  list.replaceChildren(
    ...branches.map((b) =>
      h(
        "li",
        null,
        h("label", { class: "kb-option" }, h("input", { attrs: { type: "radio", name: "branch_id", value: String(b.id) } }), h("span", { text: b.name })),
      ),
    ),
  );
  confirm.disabled = true;
  form.onchange = () => {
    confirm.disabled = !form.querySelector("input[name=branch_id]:checked");
  };
  return new Promise((resolve) => {
    let answered = false;
    const done = (value) => {
      if (answered) return;
      answered = true;
      form.onsubmit = null;
      dialog.onclose = null;
      resolve(value);
    };
    form.onsubmit = (event) => {
      event.preventDefault();
      const picked = form.querySelector("input[name=branch_id]:checked");
      if (!picked) return;
      done(Number(picked.value));
      dialog.close();
    };
    dialog.onclose = () => done(null);
    dialog.querySelector("[data-close]").onclick = () => dialog.close();
    dialog.showModal();
  });
}
