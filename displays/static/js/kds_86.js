// The station screen's 86 board: what this station makes, each item (and each add-on option) with one big
// button to 86 it or bring it back. The server announces the change on the branch stream after commit, so
// every open till hides the item within a second; this board re-reads itself after each press.

import { h, kitchenApi } from "./kds.js";

// English source text; the i18n catalog (ui-foundation) takes these keys when it lands.
const T = {
  off: "86'd",
  on: "Available",
  eightySix: (name) => `86 ${name}`,
  back: (name) => `${name} is back`,
  loading: "Loading…",
  failed: (why) => `Could not change it: ${why}`,
  until: (time) => `until ${time}`,
};

const root = document.getElementById("kds");
if (root) {
  const branchId = Number(root.dataset.branchId);
  const station = root.dataset.station;
  const drawer = document.getElementById("eighty-six-drawer");
  const list = document.getElementById("eighty-six-list");
  const status = document.getElementById("eighty-six-status");
  const base = `/api/v1/menu/branches/${branchId}`;

  const toggle = (label, available, target) => {
    const button = h("button", `bar-button eighty-six ${available ? "is-on" : "is-off"}`, available ? T.eightySix(label) : T.back(label));
    button.type = "button";
    button.setAttribute("aria-pressed", String(!available));
    button.dataset.target = JSON.stringify(target);
    button.dataset.available = String(available);
    return button;
  };

  async function load() {
    status.textContent = T.loading;
    const items = await kitchenApi("GET", `${base}/stations/${encodeURIComponent(station)}/items`);
    list.replaceChildren(
      ...items.map((item) => {
        const li = h("li", `eighty-six-item${item.available ? "" : " is-off"}`);
        const name = h("strong", "", item.name);
        const state = h("span", "eighty-six-state", item.available ? T.on : T.off);
        if (!item.available && item.back_at) state.textContent += ` ${T.until(new Date(item.back_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }))}`;
        li.append(name, state, toggle(item.name, item.available, { product_id: item.product_id }));
        for (const option of item.options) {
          li.append(toggle(option.name, option.available, { option_id: option.option_id }));
        }
        return li;
      }),
    );
    status.textContent = "";
  }

  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button.eighty-six");
    if (!button || button.disabled) return;
    button.disabled = true;
    const target = JSON.parse(button.dataset.target);
    try {
      if (button.dataset.available === "true") await kitchenApi("POST", `${base}/unavailable`, target);
      else await kitchenApi("DELETE", `${base}/unavailable?${new URLSearchParams(target)}`);
      await load();
    } catch (error) {
      button.disabled = false;
      status.textContent = T.failed(error.message);
    }
  });
  document.getElementById("eighty-six-open").addEventListener("click", () => {
    drawer.hidden = false;
    load().catch((error) => (status.textContent = T.failed(error.message)));
  });
  document.getElementById("eighty-six-close").addEventListener("click", () => {
    drawer.hidden = true;
  });
}
