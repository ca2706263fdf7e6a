// Busy mode from the orders board: the manager pauses a channel of a branch (say, partner orders in a
// rush) and takes it back. The server announces `channel.paused` after its commit, so every till stops
// offering the channel at once, and this panel follows the same events to stay true on every board.

import { api } from "./api.js";
import { connectLive } from "./live.js";
import { t } from "/static/js/shared/i18n.js";
import { channelLabel } from "/static/js/shared/labels.js";

const CHANNELS = ["counter", "pickup", "dine_in", "delivery", "partner"];
const T = {
  title: () => t("Busy mode"),
  pause: (name) => t("Pause {name}", { name }),
  resume: (name) => t("Resume {name}", { name }),
  reason: () => t("Why (the tills show it)"),
  count: (n) => t("Busy mode: {n} paused", { n }),
  failed: (why) => t("Could not change it: {why}", { why }),
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const boot = JSON.parse((document.getElementById("kanban-boot") || { textContent: "null" }).textContent);
const bar = document.querySelector(".kb-bar");
if (boot && bar) {
  const paused = new Map(); // `${branch}:${channel}` -> pause
  const toggle = el("button", { id: "busy-toggle", class: "kb-alerts-toggle", type: "button", "aria-expanded": "false", "aria-controls": "busy-panel" }, T.title());
  const panel = el("section", { id: "busy-panel", class: "kb-busy", "aria-label": T.title(), hidden: "" });
  const status = el("p", { class: "kb-busy-status", role: "status" });
  const reason = el("input", { id: "busy-reason", type: "text", maxlength: "200", placeholder: T.reason(), "aria-label": T.reason() });
  bar.insertBefore(toggle, document.getElementById("conn"));
  bar.after(panel);

  const render = () => {
    const rows = boot.branches.map((branch) =>
      el(
        "div",
        { class: "kb-busy-branch" },
        el("strong", {}, branch.name),
        ...CHANNELS.map((channel) => {
          const name = channelLabel(channel);
          const on = paused.has(`${branch.id}:${channel}`);
          return el(
            "button",
            {
              type: "button",
              class: `kb-busy-channel${on ? " is-paused" : ""}`,
              "aria-pressed": String(on),
              "data-branch": String(branch.id),
              "data-channel": channel,
              onclick: () => change(branch.id, channel, on),
            },
            on ? T.resume(name) : T.pause(name),
          );
        }),
      ),
    );
    panel.replaceChildren(el("h2", {}, T.title()), reason, ...rows, status);
    toggle.textContent = paused.size ? T.count(paused.size) : T.title();
    toggle.dataset.active = paused.size ? "true" : "false";
  };

  async function change(branchId, channel, isPaused) {
    status.textContent = "";
    try {
      if (isPaused) await api("DELETE", `/api/v1/menu/branches/${branchId}/pauses/${channel}`);
      else await api("POST", `/api/v1/menu/branches/${branchId}/pauses`, { channel, reason: reason.value.trim() });
    } catch (error) {
      status.textContent = T.failed(error.message);
    }
  }

  async function load() {
    paused.clear();
    for (const branch of boot.branches) {
      try {
        for (const pause of await api("GET", `/api/v1/menu/branches/${branch.id}/pauses`)) {
          paused.set(`${branch.id}:${pause.channel}`, pause);
        }
      } catch {
        // An older server without busy mode: the panel stays empty.
      }
    }
    render();
  }

  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
  });
  load().then(() => {
    connectLive({
      namespace: "/kanban",
      branchIds: boot.branches.map((b) => b.id),
      auth: { branch_ids: boot.branches.map((b) => b.id) },
      // Missed events are not replayed to this panel: it reads the paused list again instead.
      onResync: async () => {
        await load();
        return null;
      },
      onEvent(event) {
        if (event.type !== "channel.paused") return;
        const key = `${event.branch_id}:${event.data.channel}`;
        if (event.data.paused) paused.set(key, event.data);
        else paused.delete(key);
        render();
      },
    });
  });
}
