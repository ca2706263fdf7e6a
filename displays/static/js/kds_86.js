// The station screen's 86 board: what this station makes, each item (and each add-on option) with one big
// button to 86 it or bring it back. The server announces the change on the branch stream after commit, so
// every open till hides the item within a second; this board re-reads itself after each press.

import { h, kitchenApi } from "./kds.js";
import { time } from "/static/js/shared/format.js";
import { t } from "/static/js/shared/i18n.js";

const T = {
  button: () => t("86"),
  title: () => t("86 board: what this station can make"),
  close: () => t("Close"),
  off: () => t("86'd"),
  on: () => t("Available"),
  eightySix: (name) => t("86 {name}", { name }),
  back: (name) => t("{name} is back", { name }),
  loading: () => t("Loading…"),
  failed: (why) => t("Could not change it: {why}", { why }),
  until: (time) => t("until {time}", { time }),
};

/** The bar's 86 button and the drawer it opens, made here so the station template stays as it is. */
function mount(root) {
  const open = h("button", "bar-button", T.button());
  open.id = "eighty-six-open";
  open.type = "button";
  open.setAttribute("aria-controls", "eighty-six-drawer");
  const recall = document.getElementById("recall-open");
  recall.after(open);
  const drawer = h("aside", "drawer");
  drawer.id = "eighty-six-drawer";
  drawer.hidden = true;
  drawer.setAttribute("aria-labelledby", "eighty-six-title");
  const header = h("header");
  const title = h("h2", "", T.title());
  title.id = "eighty-six-title";
  const close = h("button", "bar-button", T.close());
  close.id = "eighty-six-close";
  close.type = "button";
  header.append(title, close);
  const status = h("p", "drawer-status");
  status.id = "eighty-six-status";
  status.setAttribute("role", "status");
  const list = h("ul", "eighty-six-list");
  list.id = "eighty-six-list";
  drawer.append(header, status, list);
  document.getElementById("recall-drawer").after(drawer);
  return { drawer, list, status };
}

const root = document.getElementById("kds");
if (root) {
  const branchId = Number(root.dataset.branchId);
  const station = root.dataset.station;
  const { drawer, list, status } = mount(root);
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
    status.textContent = T.loading();
    const items = await kitchenApi("GET", `${base}/stations/${encodeURIComponent(station)}/items`);
    list.replaceChildren(
      ...items.map((item) => {
        const li = h("li", `eighty-six-item${item.available ? "" : " is-off"}`);
        const name = h("strong", "", item.name);
        const state = h("span", "eighty-six-state", item.available ? T.on() : T.off());
        if (!item.available && item.back_at) state.textContent += ` ${T.until(time(item.back_at))}`;
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
