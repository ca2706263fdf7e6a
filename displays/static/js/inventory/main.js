// /inventory: a branch's stock, counts, transfers, purchase orders, suppliers and petty cash, for a manager
// on a tablet. One tab shows at a time; the branch and the tab are in the address (?branch=2#counts), so a
// reload or a shared link lands on the same view.
import { h, clear, qs } from "/static/js/shared/dom.js";
import { t } from "/static/js/shared/i18n.js";
import { connectLive } from "/static/js/shared/live.js";
import { pageData } from "/static/js/shared/page.js";
import { toast } from "/static/js/shared/toast.js";
import { countsTab } from "./counts.js";
import { expensesTab } from "./expenses.js";
import { ordersTab } from "./orders.js";
import { recipesTab } from "./recipes.js";
import { stockTab } from "./stock.js";
import { suppliersTab } from "./suppliers.js";
import { transfersTab } from "./transfers.js";

const TABS = [
  ["stock", t("Stock"), stockTab],
  ["recipes", t("Recipes"), recipesTab],
  ["counts", t("Counts"), countsTab],
  ["transfers", t("Transfers"), transfersTab],
  ["orders", t("Purchase orders"), ordersTab],
  ["suppliers", t("Suppliers"), suppliersTab],
  ["expenses", t("Expenses"), expensesTab],
];

const branches = pageData.branches || [];
const ctx = {
  branchId: Number(pageData.branch_id_shown || (branches[0] && branches[0].id) || 0),
  branches,
  branchName(id) {
    const found = branches.find((b) => b.id === id);
    return found ? found.name : `#${id}`;
  },
  currency() {
    const found = branches.find((b) => b.id === this.branchId);
    return (found && found.currency) || pageData.currency;
  },
  expenseCategories: pageData.expense_categories || [],
};

const tabList = qs("#inv-tabs");
const panel = qs("#inv-panel");
const mounted = new Map();
let current = null;

function show(name) {
  const entry = TABS.find(([key]) => key === name) || TABS[0];
  current = entry[0];
  for (const button of tabList.querySelectorAll("[role=tab]")) {
    const selected = button.dataset.tab === current;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
  }
  clear(panel);
  panel.setAttribute("aria-labelledby", `tab-${current}`);
  let view = mounted.get(current);
  if (!view || view.branchId !== ctx.branchId) {
    view = { element: h("div", {}), branchId: ctx.branchId };
    view.api = entry[2](view.element, ctx);
    mounted.set(current, view);
  } else if (view.api && view.api.refresh) {
    view.api.refresh();
  }
  panel.append(view.element);
  if (window.location.hash !== `#${current}`) history.replaceState(null, "", `${window.location.search}#${current}`);
}

for (const [key, label] of TABS) {
  tabList.append(
    h("button", {
      class: "",
      text: label,
      attrs: { type: "button", role: "tab", id: `tab-${key}`, "aria-controls": "inv-panel" },
      dataset: { tab: key },
      on: { click: () => show(key) },
    }),
  );
}
tabList.addEventListener("keydown", (event) => {
  if (!["ArrowLeft", "ArrowRight"].includes(event.key)) return;
  const keys = TABS.map(([key]) => key);
  const forward = (event.key === "ArrowRight") === (document.dir !== "rtl");
  const next = keys[(keys.indexOf(current) + (forward ? 1 : keys.length - 1)) % keys.length];
  show(next);
  qs(`#tab-${next}`).focus();
});

const branchSelect = qs("#inv-branch");
for (const branch of branches) {
  branchSelect.append(h("option", { text: branch.name, attrs: { value: branch.id } }));
}
branchSelect.value = String(ctx.branchId);
branchSelect.addEventListener("change", () => {
  ctx.branchId = Number(branchSelect.value);
  const params = new URLSearchParams(window.location.search);
  params.set("branch", String(ctx.branchId));
  history.replaceState(null, "", `?${params}#${current}`);
  show(current);
});

show(window.location.hash.slice(1) || "stock");

// Live: a till's expense waiting for approval, and low stock, reach the open page without a reload (the
// managers' board stream, from the ids the page was rendered at).
function refreshIf(tab, branchId) {
  const view = mounted.get(tab);
  if (view && view.branchId === branchId && view.api && view.api.refresh && current === tab) view.api.refresh();
}
connectLive({
  namespace: "/kanban",
  branchIds: branches.map((b) => b.id),
  lastIds: pageData.stream_ids || {},
  onEvent: (event) => {
    const branchId = Number(event.branch_id);
    if (event.type === "expense.changed") refreshIf("expenses", branchId);
    if (event.type === "alert.raised" && event.data && event.data.kind === "low_stock") {
      if (branchId === ctx.branchId) toast.info(event.data.message);
      refreshIf("stock", branchId);
    }
  },
  onStatus: (status) => document.body.setAttribute("data-live", status),
});
