// Sales the server refused when the offline queue replayed them (pos/queue.js marks them "refused").
//
// Each is listed with what it was (items, total, the money the till took for it) and the server's reason,
// naming the line at fault. The cashier either puts it back in the cart to fix it and ring it up again, or
// discards it; a refused sale is never retried by itself, so it cannot block the till's other sales.

import { confirm } from "/static/js/shared/dialog.js";
import { h } from "/static/js/shared/dom.js";
import { time, listText } from "/static/js/shared/format.js";
import { t } from "/static/js/shared/i18n.js";
import { methodLabel } from "/static/js/shared/labels.js";

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
    const paid = (entry.payments || []).map((p) => `${methodLabel(p.body.method)} ${this.money(p.body.amount)}`);
    const button = (text, cls, data, click) =>
      h("button", { class: cls, text, attrs: { type: "button" }, dataset: data, on: { click } });
    return h(
      "li",
      { class: "pos-refused", dataset: { sale: entry.id } },
      h(
        "p",
        { class: "pos-refused-head" },
        h("strong", { text: t("Sale of {time}", { time: time(entry.created_ms) }) }),
        entry.summary ? ` · ${this.money(entry.summary.total)}` : "",
        paid.length ? h("span", { class: "pos-refused-paid", text: ` · ${t("taken: {list}", { list: listText(paid) })}` }) : null,
      ),
      h("p", { class: "pos-refused-reason", text: this.readable(entry.reason, body), attrs: { role: "alert" } }),
      h(
        "ul",
        { class: "pos-refused-lines" },
        (body.lines || []).map((line, index) =>
          h(
            "li",
            { class: index === bad ? "is-bad" : "" },
            // Not by colour alone: the line at fault says so.
            index === bad ? h("strong", { text: `${t("At fault:")} ` }) : null,
            h("bdi", { text: line.qty }),
            " × ",
            h("bdi", { text: this.productName(line.product_id) || t("product #{id}", { id: line.product_id }) }),
            line.note ? [" · ", h("bdi", { text: visible(line.note) })] : null,
          ),
        ),
      ),
      h(
        "menu",
        {},
        button(t("Discard"), "pos-danger", { discard: entry.id }, () => this.discard(entry, paid)),
        button(t("Send again"), "", { retry: entry.id }, () => this.retry(entry)),
        button(t("Fix in cart"), "pos-primary", { fix: entry.id }, () => this.fix(entry, paid)),
      ),
    );
  }

  /** The server's reason in the cashier's words: "Line 1 (Burger), note: …" rather than "lines[0].note: …". */
  readable(reason, body) {
    let text = String(reason || t("Refused by the server")).replace(
      /must not contain NUL characters \(U\+0000\)/,
      t("has an invisible character (NUL) that cannot be stored"),
    );
    const line = /^lines\[(\d+)\](?:\.(\w+))?: /.exec(text);
    if (line) {
      const sold = (body.lines || [])[Number(line[1])];
      const name = sold ? this.productName(sold.product_id) : null;
      const n = Number(line[1]) + 1;
      let what = name ? t("Line {n} ({name})", { n, name }) : t("Line {n}", { n });
      if (line[2]) what = `${what}, ${line[2].replace("_", " ")}`;
      text = `${what}: ${text.slice(line[0].length)}`;
    } else {
      text = text.replace(/^note: /, `${t("Order note")}: `);
    }
    return text;
  }

  async fix(entry, paid) {
    if (!(await this.onFix(entry))) return;
    await this.queue.remove(entry.id);
    this.dialog.close();
    const back = t("The refused sale is back in the cart: fix it and press Pay.");
    const taken = paid.length ? ` ${t("It was paid ({list}): take that payment again when you ring it up.", { list: listText(paid) })}` : "";
    this.toast(`${back}${taken}`, { kind: "info", ms: 15_000 });
  }

  async retry(entry) {
    await this.queue.retry(entry.id);
    this.onRetry();
  }

  async discard(entry, paid) {
    const taken = paid.length ? t("The till took {list} for it: give it back or ring the sale up again.", { list: listText(paid) }) : "";
    const sure = await confirm({
      title: t("Discard this refused sale?"),
      message: [entry.reason || "", taken].filter(Boolean).join(" "),
      confirmLabel: t("Discard"),
      danger: true,
    });
    if (!sure) return;
    await this.queue.remove(entry.id);
  }
}

/** Text as a person can read it: control characters (a NUL from a scanner or a paste) shown, not hidden. */
function visible(text) {
  return String(text).replace(/[\u0000-\u001f\u007f]/g, "\u2426");
}
