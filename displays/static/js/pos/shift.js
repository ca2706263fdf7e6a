// The till's shift and cash drawer: open with the counted opening cash, record cash put in or taken out
// (with a reason), close with what was counted per payment method — the server answers expected vs
// counted and the over (+) / short (−) per method — and print the Z report.
//
// A till whose profile requires a shift cannot take a sale without one (the server says the same).

import { h } from "/static/js/shared/dom.js";
import { t } from "/static/js/shared/i18n.js";
import { dec } from "/static/js/shared/money.js";
import { askToConfirm } from "./confirm.js";
import { methodName } from "./methods.js";
import { Offline, Refused, call, describeError, uuid } from "./net.js";
import { isDecimal, parse } from "./pricing.js";

const $ = (id) => document.getElementById(id);

export class ShiftPanel {
  constructor({ fmt, methods, toast, onChange }) {
    Object.assign(this, { fmt, methods, toast, onChange });
    this.profile = null;
    this.current = null;
    this.dialog = $("shift");
    for (const button of this.dialog.querySelectorAll("[data-close]")) button.onclick = () => this.dialog.close();
    $("shift-button").addEventListener("click", () => this.open());
    $("shift-open").addEventListener("click", () => this.start());
    $("cm-save").addEventListener("click", () => this.movement());
    $("shift-close").addEventListener("click", () => this.close());
    $("shift-form").addEventListener("submit", (event) => event.preventDefault());
    // Petty cash from this drawer. Loaded on its own: a till offline still sells if it cannot be fetched.
    import("/static/js/inventory/expense_entry.js")
      .then(({ mountExpenseEntry }) =>
        mountExpenseEntry($("expense-entry"), {
          shiftId: () => (this.current ? this.current.id : null),
          onRecorded: () => this.summary(),
        }),
      )
      .catch(() => {});
  }

  error(text) {
    $("shift-error").textContent = text || "";
    $("shift-error").hidden = !text;
  }

  /** The open shift of `profile`'s till (none: null), and the bar's text; `known` ({shift}) when the till's
   * start read already carried it. */
  async load(profile, known = null) {
    this.profile = profile;
    this.current = null;
    $("shift-button").hidden = !profile;
    let offline = false;
    if (profile && known) {
      this.current = known.shift || null;
    } else if (profile) {
      try {
        this.current = await call("GET", `/api/v1/pos/profiles/${profile.id}/shift`);
      } catch (error) {
        // Offline, the till keeps selling into the shift it last knew was open.
        offline = error instanceof Offline;
        if (offline) this.current = JSON.parse(localStorage.getItem(this.key()) || "null");
        else if (!(error instanceof Refused) || error.status !== 404) this.toast(t("Shift: {reason}", { reason: describeError(error) }));
      }
    }
    this.remember();
    if (profile && profile.require_shift && !this.current && !offline) this.open();
  }

  key() {
    return `passline_pos_shift:${this.profile ? this.profile.id : ""}`;
  }

  /** The bar's text, and the shift kept for an offline reload. */
  remember() {
    if (this.profile) localStorage.setItem(this.key(), JSON.stringify(this.current));
    this.renderBar();
  }

  renderBar() {
    const el = $("shift-state");
    if (!this.profile) {
      el.textContent = "";
      return;
    }
    el.dataset.state = this.current ? "open" : "none";
    el.textContent = this.current ? t("Shift open") : this.profile.require_shift ? t("No shift: open one to sell") : t("No shift");
  }

  async open() {
    this.error("");
    $("shift-open-pane").hidden = Boolean(this.current);
    $("shift-live-pane").hidden = !this.current;
    $("shift-closed-pane").hidden = true;
    if (this.current) {
      $("close-counts").replaceChildren(
        ...this.methods()
          .filter((m) => m !== "on_account")
          .map((m) =>
            h(
              "label",
              {},
              methodName(m),
              h("input", { class: "pos-amount", attrs: { type: "text", inputmode: "decimal", dir: "ltr", placeholder: "0.00" }, dataset: { method: m } }),
            ),
          ),
      );
      await this.summary();
    }
    if (!this.dialog.open) this.dialog.showModal();
  }

  async summary() {
    try {
      const data = await call("GET", `/api/v1/shifts/${this.current.id}/summary`);
      const parts = (data.methods || []).map((m) => `${methodName(m.method)} ${this.fmt(m.expected)}`);
      if (data.cash && !(data.methods || []).some((m) => m.method === "cash")) {
        parts.unshift(`${methodName("cash")} ${this.fmt(data.cash.expected)}`);
      }
      $("shift-summary").textContent = parts.length ? t("Expected so far: {list}", { list: parts.join(" · ") }) : "";
    } catch {
      $("shift-summary").textContent = "";
    }
  }

  async start() {
    this.error("");
    const amount = $("shift-opening").value.trim();
    if (!isDecimal(amount) || parse(amount).cmp(0) < 0) return this.error(t("Enter the cash counted in the drawer."));
    try {
      this.current = await call("POST", "/api/v1/shifts", {
        id: uuid(),
        pos_profile_id: this.profile.id,
        opening_cash: parse(amount).toFixed(),
      });
      this.remember();
      this.onChange();
      this.dialog.close();
      this.toast(t("Shift open."), { kind: "info", ms: 3000 });
    } catch (error) {
      this.error(describeError(error));
    }
  }

  async movement() {
    this.error("");
    const amount = $("cm-amount").value.trim();
    const reason = $("cm-reason").value.trim();
    if (!isDecimal(amount) || parse(amount).cmp(0) <= 0) return this.error(t("Enter the amount moved."));
    if (!reason) return this.error(t("A cash movement needs a reason."));
    try {
      await call("POST", `/api/v1/shifts/${this.current.id}/cash-movements`, {
        id: uuid(),
        kind: $("cm-kind").value,
        amount,
        reason,
      });
      $("cm-amount").value = "";
      $("cm-reason").value = "";
      this.toast(t("Cash movement recorded."), { kind: "info", ms: 3000 });
      await this.summary();
    } catch (error) {
      this.error(describeError(error));
    }
  }

  async close() {
    this.error("");
    const counted = {};
    // Cash is always counted; a method left blank counts as what the server expects (its terminal total).
    for (const input of $("close-counts").querySelectorAll("input")) {
      const value = input.value.trim();
      const method = input.dataset.method;
      if (!value && method !== "cash") continue;
      if (!isDecimal(value)) return this.error(t("{method}: enter the amount counted.", { method: methodName(method) }));
      counted[method] = value;
    }
    // Closing cannot be undone and the counts are final: one more look first.
    const sure = await askToConfirm({
      title: t("Close this shift?"),
      items: Object.entries(counted).map(([method, value]) => t("{method} counted: {amount}", { method: methodName(method), amount: this.fmt(value) })),
      text: t("The counts are final, and this till cannot sell again until a new shift is opened."),
      yes: t("Close the shift"),
      no: t("Keep it open"),
    });
    if (!sure) return;
    try {
      const result = await call("POST", `/api/v1/shifts/${this.current.id}/close`, {
        counted,
        note: $("close-note").value.trim(),
      });
      this.renderClose(result);
      $("z-report").href = `/api/v1/shifts/${this.current.id}/report`;
      this.current = null;
      this.remember();
      this.onChange();
    } catch (error) {
      this.error(describeError(error));
    }
  }

  /** Expected / counted / over-short per method: the close answer's `counts`. */
  renderClose(result) {
    const rows = (result && result.counts) || [];
    $("close-result").replaceChildren(
      ...rows.map((r) => {
        const diff = dec(r.difference ?? "0");
        // Over or short in words, not by colour only.
        const label = diff.eq(0) ? t("even") : diff.cmp(0) > 0 ? t("over {amount}", { amount: this.fmt(diff) }) : t("short {amount}", { amount: this.fmt(diff.neg()) });
        return h(
          "tr",
          { dataset: { method: r.method } },
          h("td", { text: methodName(r.method) }),
          h("td", { class: "num", text: this.fmt(r.expected) }),
          h("td", { class: "num", text: this.fmt(r.counted) }),
          h("td", { class: diff.cmp(0) < 0 ? "num pos-short" : "num", text: label }),
        );
      }),
    );
    $("shift-open-pane").hidden = true;
    $("shift-live-pane").hidden = true;
    $("shift-closed-pane").hidden = false;
  }
}
