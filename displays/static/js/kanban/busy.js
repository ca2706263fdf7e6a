// Busy mode from the orders board: the manager pauses a channel of a branch (say, partner orders in a
// rush) and takes it back. The server announces `channel.paused` after its commit, so every till stops
// offering the channel at once; this panel follows the same event on the board's own connection and is
// drawn from the board's snapshot (the paused channels of each followed branch).

import { h } from "/static/js/shared/dom.js";
import { t } from "/static/js/shared/i18n.js";
import { channelLabel } from "/static/js/shared/labels.js";
import { describeError, request } from "./net.js";

const CHANNELS = ["counter", "pickup", "dine_in", "delivery", "partner"];

export class BusyPanel {
  constructor({ bar, before }) {
    this.branches = [];
    this.paused = new Map(); // `${branch}:${channel}` -> pause
    this.toggle = h("button", {
      class: "kb-alerts-toggle",
      text: t("Busy mode"),
      attrs: { id: "busy-toggle", type: "button", "aria-expanded": "false", "aria-controls": "busy-panel" },
    });
    this.panel = h("section", { class: "kb-busy", attrs: { id: "busy-panel", "aria-label": t("Busy mode"), hidden: true } });
    this.status = h("p", { class: "kb-busy-status", attrs: { role: "status" } });
    this.reason = h("input", {
      attrs: { id: "busy-reason", type: "text", maxlength: "200", placeholder: t("Why (the tills show it)"), "aria-label": t("Why (the tills show it)"), dir: "auto" },
    });
    bar.insertBefore(this.toggle, before);
    bar.after(this.panel);
    this.toggle.addEventListener("click", () => {
      this.panel.hidden = !this.panel.hidden;
      this.toggle.setAttribute("aria-expanded", String(!this.panel.hidden));
    });
    this.panel.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-channel]");
      if (button) this.change(Number(button.dataset.branch), button.dataset.channel, button.getAttribute("aria-pressed") === "true");
    });
  }

  /** The followed branches and the pauses a snapshot listed for them (by branch id). */
  load(branches, pausesByBranch) {
    this.branches = branches;
    const keep = new Set(branches.map((b) => b.id));
    for (const key of [...this.paused.keys()]) if (!keep.has(Number(key.split(":")[0]))) this.paused.delete(key);
    for (const [branchId, pauses] of pausesByBranch) {
      for (const key of [...this.paused.keys()]) if (Number(key.split(":")[0]) === branchId) this.paused.delete(key);
      for (const pause of pauses) this.paused.set(`${branchId}:${pause.channel}`, pause);
    }
    this.render();
  }

  apply(event) {
    if (event.type !== "channel.paused") return;
    const key = `${event.branch_id}:${event.data.channel}`;
    if (event.data.paused) this.paused.set(key, event.data);
    else this.paused.delete(key);
    this.render();
  }

  async change(branchId, channel, isPaused) {
    this.status.textContent = "";
    try {
      if (isPaused) await request("DELETE", `/api/v1/menu/branches/${branchId}/pauses/${channel}`);
      else await request("POST", `/api/v1/menu/branches/${branchId}/pauses`, { channel, reason: this.reason.value.trim() });
    } catch (error) {
      this.status.textContent = t("Could not change it: {why}", { why: describeError(error) });
    }
  }

  render() {
    const rows = this.branches.map((branch) =>
      h(
        "div",
        { class: "kb-busy-branch" },
        h("strong", null, h("bdi", { text: branch.name })),
        ...CHANNELS.map((channel) => {
          const name = channelLabel(channel);
          const on = this.paused.has(`${branch.id}:${channel}`);
          return h("button", {
            class: ["kb-chip", "kb-busy-channel", on && "is-paused"],
            text: on ? t("Resume {name}", { name }) : t("Pause {name}", { name }),
            attrs: { type: "button", "aria-pressed": String(on) },
            dataset: { branch: String(branch.id), channel },
          });
        }),
      ),
    );
    this.panel.replaceChildren(h("h2", { text: t("Busy mode") }), this.reason, ...rows, this.status);
    const count = [...this.paused.keys()].filter((key) => this.branches.some((b) => key.startsWith(`${b.id}:`))).length;
    this.toggle.textContent = count ? t("Busy mode: {n} paused", { n: count }) : t("Busy mode");
    this.toggle.dataset.active = count ? "true" : "false";
  }
}
