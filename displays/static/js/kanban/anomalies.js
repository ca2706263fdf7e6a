// Sales anomalies on the board: an hour whose sales fell far outside the reports' forecast for it
// (`sales.anomaly`, raised by the worker's hourly check). Each shows which branch and hour, what was sold
// against what was expected and its usual range, with a way to the insights report; "Dismiss" takes it
// off every manager's board (stored and audited by the server, announced as `sales.anomaly_dismissed`).

import { h } from "/static/js/shared/dom.js";
import { bidi, money, number } from "/static/js/shared/format.js";
import { t } from "/static/js/shared/i18n.js";
import { describeError, request } from "./net.js";

const plain = (text) => text.slice(1, -1); // format.js isolates each piece; the range is isolated whole
const hh = (n) => plain(number(n % 24, { minimumIntegerDigits: 2, useGrouping: false }));

/** "13:00–14:00" in the branch's digits, as one isolated piece. */
export function hourRange(hour) {
  return bidi(`${hh(hour)}:${hh(0)}–${hh(hour + 1)}:${hh(0)}`);
}

export class AnomalyBanner {
  constructor({ el, board, branchOf, toast }) {
    this.el = el;
    this.board = board;
    this.branchOf = branchOf;
    this.toast = toast;
    el.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-dismiss-anomaly]");
      if (button) this.dismiss(button);
    });
  }

  async dismiss(button) {
    const id = button.dataset.dismissAnomaly;
    button.disabled = true;
    try {
      await request("POST", `/api/v1/board/anomalies/${id}/dismiss`);
      this.board.dismissAnomaly(id);
    } catch (error) {
      button.disabled = false;
      this.toast(t("The anomaly was not dismissed: {reason}", { reason: describeError(error) }));
    }
  }

  draw() {
    const items = [...this.board.anomalies.values()].sort((a, b) => Number(b.id) - Number(a.id));
    this.el.hidden = items.length === 0;
    this.el.replaceChildren(
      ...items.map((a) => {
        const branch = this.branchOf(a.branch_id) || { name: String(a.branch_id) };
        const currency = a.currency || branch.currency;
        const high = a.direction === "high";
        return h(
          "article",
          { class: "kb-anomaly", dataset: { anomaly: String(a.id), direction: a.direction } },
          h("span", { class: "kb-anomaly-mark", text: high ? "▲" : "▼", attrs: { "aria-hidden": "true" } }),
          h(
            "p",
            { class: "kb-anomaly-text" },
            h("strong", {
              text: high
                ? t("{branch}: sales far above the forecast at {hours}", { branch: bidi(branch.name), hours: hourRange(a.hour) })
                : t("{branch}: sales far below the forecast at {hours}", { branch: bidi(branch.name), hours: hourRange(a.hour) }),
            }),
            " ",
            h("span", {
              text: t("{actual} sold, {expected} expected (usual range {low} to {high})", {
                actual: money(a.actual, currency),
                expected: money(a.expected, currency),
                low: money(a.low, currency),
                high: money(a.high, currency),
              }),
            }),
          ),
          h("a", {
            class: "kb-link",
            text: t("Open insights"),
            attrs: { href: `/reports/insights?branch_id=${a.branch_id}` },
          }),
          h("button", {
            class: "kb-link",
            text: t("Dismiss"),
            attrs: { type: "button", "aria-label": t("Dismiss the anomaly of {branch} at {hours}", { branch: bidi(branch.name), hours: hourRange(a.hour) }) },
            dataset: { dismissAnomaly: String(a.id) },
          }),
        );
      }),
    );
  }
}
