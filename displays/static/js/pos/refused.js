// Sales the server refused when the offline queue replayed them (pos/queue.js marks them "refused").
//
// Each is listed with what it was (items, total, the money the till took for it) and the server's reason,
// naming the line at fault. The cashier either puts it back in the cart to fix it and ring it up again, or
// discards it; a refused sale is never retried by itself, so it cannot block the till's other sales.

import { h } from "./util.js";

const LINE = /^lines\[(\d+)\]/;

export class RefusedSales {
  /**
   * queue: the SaleQueue; productName(id): a product's name or null; money(amount): amount with currency;
   * onFix(entry): put the sale back in the cart (resolves true when it did); onRetry(): replay the queue;
   * toast(message, options).
   */
  constructor({ queue, productName, money, onFix, onRetry, toast }) {
    Object.assign(this, { queue, productName, money, onFix, onRetry, toast });
    this.dialog = document.getElementById("refused");
    for (const button of this.dialog.querySelectorAll("[data-close]")) button.onclick = () => this.dialog.close();
    queue.onChange((entries) => {
      if (this.dialog.open) this.render(entries);
    });
  }

  async open() {
    this.render(await this.queue.all());
    if (!this.dialog.open) this.dialog.showModal();
  }

  render(entries) {
    const refused = entries.filter((e) => e.state === "refused");
    const list = document.getElementById("refused-list");
    list.replaceChildren(...refused.map((entry) => this.item(entry)));
    document.getElementById("refused-empty").hidden = refused.length > 0;
  }

  item(entry) {
    const body = entry.body || {};
    const at = LINE.exec(entry.field || "");
    const bad = at ? Number(at[1]) : -1;
    const paid = (entry.payments || []).map((p) => `${p.body.method} ${this.money(p.body.amount)}`);
    const when = new Date(entry.created_ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    return h(
      "li",
      { class: "pos-refused", dataset: { sale: entry.id } },
      h(
        "p",
        { class: "pos-refused-head" },
        h("strong", {}, `Sale of ${when}`),
        entry.summary ? ` · ${this.money(entry.summary.total)}` : "",
        paid.length ? h("span", { class: "pos-refused-paid" }, ` · taken: ${paid.join(", ")}`) : null,
      ),
      h("p", { class: "pos-refused-reason", role: "alert" }, this.readable(entry.reason, body)),
      h(
        "ul",
        { class: "pos-refused-lines" },
        ...(body.lines || []).map((line, index) =>
          h(
            "li",
            { class: index === bad ? "is-bad" : "" },
            `${line.qty} × ${this.productName(line.product_id) || `product #${line.product_id}`}`,
            line.note ? ` · ${visible(line.note)}` : "",
          ),
        ),
      ),
      h(
        "menu",
        {},
        h("button", { type: "button", class: "pos-danger", dataset: { discard: entry.id }, onclick: () => this.discard(entry, paid) }, "Discard"),
        h("button", { type: "button", dataset: { retry: entry.id }, onclick: () => this.retry(entry) }, "Send again"),
        h("button", { type: "button", class: "pos-primary", dataset: { fix: entry.id }, onclick: () => this.fix(entry, paid) }, "Fix in cart"),
      ),
    );
  }

  /** The server's reason in the cashier's words: "Line 1 (Burger), note: …" rather than "lines[0].note: …". */
  readable(reason, body) {
    let text = String(reason || "Refused by the server").replace(
      /must not contain NUL characters \(U\+0000\)/,
      "has an invisible character (NUL) that cannot be stored",
    );
    const line = /^lines\[(\d+)\](?:\.(\w+))?: /.exec(text);
    if (line) {
      const sold = (body.lines || [])[Number(line[1])];
      const name = sold ? this.productName(sold.product_id) : null;
      const what = `Line ${Number(line[1]) + 1}${name ? ` (${name})` : ""}${line[2] ? `, ${line[2].replace("_", " ")}` : ""}`;
      text = `${what}: ${text.slice(line[0].length)}`;
    } else {
      text = text.replace(/^note: /, "Order note: ");
    }
    return text;
  }

  async fix(entry, paid) {
    if (!(await this.onFix(entry))) return;
    await this.queue.remove(entry.id);
    this.dialog.close();
    const taken = paid.length ? ` It was paid (${paid.join(", ")}): take that payment again when you ring it up.` : "";
    this.toast(`The refused sale is back in the cart: fix it and press Pay.${taken}`, { kind: "info", ms: 15_000 });
  }

  async retry(entry) {
    await this.queue.retry(entry.id);
    this.onRetry();
  }

  async discard(entry, paid) {
    const taken = paid.length ? `\nThe till took ${paid.join(", ")} for it: give it back or ring the sale up again.` : "";
    if (!window.confirm(`Discard this refused sale?\n${entry.reason || ""}${taken}`)) return;
    await this.queue.remove(entry.id);
  }
}

/** Text as a person can read it: control characters (a NUL from a scanner or a paste) shown, not hidden. */
function visible(text) {
  return String(text).replace(/[\u0000-\u001f\u007f]/g, "\u2426");
}
