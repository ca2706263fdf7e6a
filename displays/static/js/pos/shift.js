// The till's shift and cash drawer: open with the counted opening cash, record cash put in or taken out
// (with a reason), close with what was counted per payment method — the server answers expected vs
// counted and the over (+) / short (−) per method — and print the Z report.
//
// A till whose profile requires a shift cannot take a sale without one (the server says the same).

import { Dec, isDecimal } from "./decimal.js";
import { ApiError, NetworkError, askToConfirm, describeError, h, request, uuid } from "./util.js";

const $ = (id) => document.getElementById(id);
const LABELS = { cash: "Cash", card: "Card", wallet: "Wallet", bank_transfer: "Bank transfer", on_account: "On account" };

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

  /** The open shift of `profile`'s till (none: null), and the bar's text. */
  async load(profile) {
    this.profile = profile;
    this.current = null;
    $("shift-button").hidden = !profile;
    let offline = false;
    if (profile) {
      try {
        this.current = await request("GET", `/api/v1/pos/profiles/${profile.id}/shift`);
      } catch (error) {
        // Offline, the till keeps selling into the shift it last knew was open.
        offline = error instanceof NetworkError;
        if (offline) this.current = JSON.parse(localStorage.getItem(this.key()) || "null");
        else if (!(error instanceof ApiError) || error.status !== 404) this.toast(`Shift: ${describeError(error)}`);
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
    el.textContent = this.current ? "Shift open" : this.profile.require_shift ? "No shift: open one to sell" : "No shift";
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
          .map((m) => h("label", {}, `${LABELS[m] || m} `, h("input", { type: "text", inputmode: "decimal", dataset: { method: m }, placeholder: "0.00" }))),
      );
      await this.summary();
    }
    if (!this.dialog.open) this.dialog.showModal();
  }

  async summary() {
    try {
      const data = await request("GET", `/api/v1/shifts/${this.current.id}/summary`);
      const parts = (data.methods || []).map((m) => `${LABELS[m.method] || m.method} ${this.fmt(m.expected)}`);
      if (data.cash && !(data.methods || []).some((m) => m.method === "cash")) {
        parts.unshift(`Cash ${this.fmt(data.cash.expected)}`);
      }
      $("shift-summary").textContent = parts.length ? `Expected so far: ${parts.join(" · ")}` : "";
    } catch {
      $("shift-summary").textContent = "";
    }
  }

  async start() {
    this.error("");
    const amount = $("shift-opening").value.trim();
    if (!isDecimal(amount) || Dec.of(amount).cmp(0) < 0) return this.error("Enter the cash counted in the drawer.");
    try {
      this.current = await request("POST", "/api/v1/shifts", {
        id: uuid(),
        pos_profile_id: this.profile.id,
        opening_cash: Dec.of(amount).toString(),
      });
      this.remember();
      this.onChange();
      this.dialog.close();
      this.toast("Shift open.", { kind: "info", ms: 3000 });
    } catch (error) {
      this.error(describeError(error));
    }
  }

  async movement() {
    this.error("");
    const amount = $("cm-amount").value.trim();
    const reason = $("cm-reason").value.trim();
    if (!isDecimal(amount) || Dec.of(amount).cmp(0) <= 0) return this.error("Enter the amount moved.");
    if (!reason) return this.error("A cash movement needs a reason.");
    try {
      await request("POST", `/api/v1/shifts/${this.current.id}/cash-movements`, {
        id: uuid(),
        kind: $("cm-kind").value,
        amount,
        reason,
      });
      $("cm-amount").value = "";
      $("cm-reason").value = "";
      this.toast("Cash movement recorded.", { kind: "info", ms: 3000 });
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
      if (!isDecimal(value)) return this.error(`${LABELS[method] || method}: enter the amount counted.`);
      counted[method] = value;
    }
    // Closing cannot be undone and the counts are final: one more look first.
    const sure = await askToConfirm({
      title: "Close this shift?",
      items: Object.entries(counted).map(([method, value]) => `${LABELS[method] || method} counted: ${this.fmt(value)}`),
      text: "The counts are final, and this till cannot sell again until a new shift is opened.",
      yes: "Close the shift",
      no: "Keep it open",
    });
    if (!sure) return;
    try {
      const result = await request("POST", `/api/v1/shifts/${this.current.id}/close`, {
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
        const diff = Dec.of(r.difference ?? "0");
        const label = diff.isZero() ? "even" : diff.cmp(0) > 0 ? `over ${this.fmt(diff)}` : `short ${this.fmt(diff.neg())}`;
        return h(
          "tr",
          { dataset: { method: r.method } },
          h("td", {}, LABELS[r.method] || r.method),
          h("td", {}, this.fmt(r.expected)),
          h("td", {}, this.fmt(r.counted)),
          h("td", { class: diff.cmp(0) < 0 ? "pos-short" : "" }, label),
        );
      }),
    );
    $("shift-open-pane").hidden = true;
    $("shift-live-pane").hidden = true;
    $("shift-closed-pane").hidden = false;
  }
}
