// The expenses tab: a branch's petty cash, what waits for a manager (approve or reject with a reason), the
// receipt photos, and how much a cashier may pay out alone.
import { h, clear } from "/static/js/shared/dom.js";
import { prompt } from "/static/js/shared/dialog.js";
import { dateTime, money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { button, field, input, num, refused, select, table } from "./ui.js";

export const CATEGORY_LABELS = {
  supplies: t("Supplies"),
  cleaning: t("Cleaning"),
  repairs: t("Repairs"),
  transport: t("Transport"),
  food: t("Food"),
  utilities: t("Utilities"),
  other: t("Other"),
};
const STATES = { pending: t("Waiting for a manager"), approved: t("Paid out"), rejected: t("Rejected") };

export function expensesTab(root, ctx) {
  const filter = select("state", [["pending", t("Waiting for a manager")], ["", t("All")], ["approved", t("Paid out")], ["rejected", t("Rejected")]]);
  filter.id = "inv-expense-state";
  const limitInput = input("expense_limit", { inputmode: "decimal" });
  const totals = h("strong", {});
  const list = h("div", { class: "inv-list" });
  const limitForm = h(
    "form",
    { class: "inv-inline-form", on: { submit: (e) => (e.preventDefault(), saveLimit()) } },
    field(t("A cashier may pay out alone up to"), limitInput),
    h("button", { class: "btn", text: t("Save limit"), attrs: { type: "submit" } }),
  );
  root.append(
    h("div", { class: "toolbar" }, h("label", { text: t("Show"), attrs: { for: filter.id } }), filter, h("span", { class: "spacer" }), totals),
    list,
    h("section", { class: "card" }, limitForm),
  );
  filter.addEventListener("change", load);

  let latest = 0;
  async function load() {
    // A live refresh and a filter change may cross: only the last one asked for is drawn.
    const mine = ++latest;
    const params = new URLSearchParams({ branch_id: ctx.branchId });
    if (filter.value) params.set("state", filter.value);
    const [result, limit] = await Promise.all([
      http.get(`/api/v1/expenses?${params}`),
      http.get(`/api/v1/branches/${ctx.branchId}/expense-limit`),
    ]);
    if (mine !== latest) return;
    if (!result.ok) return refused(result);
    if (limit.ok) limitInput.value = limit.data.expense_limit;
    totals.textContent = t("Paid out {paid} · waiting {waiting}", {
      paid: money(result.data.total_approved, ctx.currency()),
      waiting: money(result.data.total_pending, ctx.currency()),
    });
    clear(list);
    list.append(
      table(
        [t("When"), t("Who"), t("Category"), num(t("Amount")), t("Note"), t("Receipt"), t("State")],
        result.data.items.map((x) => [
          dateTime(x.created_at),
          x.created_by_name || "",
          CATEGORY_LABELS[x.category] || x.category,
          num(money(x.amount, ctx.currency())),
          x.note,
          x.has_receipt
            ? h("a", { text: t("Photo"), attrs: { href: `/api/v1/expenses/${x.id}/receipt`, target: "_blank", rel: "noopener" } })
            : t("none"),
          x.state === "pending"
            ? h("span", { class: "inv-actions" }, button(t("Approve"), () => decide(x, true), "primary"), button(t("Reject"), () => decide(x, false), "danger"))
            : h("span", { class: ["badge", x.state === "approved" ? "badge-ok" : "badge-danger"], text: STATES[x.state] }),
        ]),
        { caption: t("Expenses"), empty: filter.value === "pending" ? t("Nothing waits for a manager.") : t("No expenses yet.") },
      ),
    );
  }

  async function decide(expense, approve) {
    let note = "";
    if (!approve) {
      note = await prompt({ title: t("Reject this expense?"), label: t("Why"), required: true, confirmLabel: t("Reject") });
      if (!note) return;
    }
    const result = await http.post(`/api/v1/expenses/${expense.id}/decision`, { approve, note });
    if (!result.ok) return refused(result);
    toast.ok(approve ? t("Approved: paid out of the drawer.") : t("Rejected."));
    await load();
  }

  async function saveLimit() {
    const result = await http.put(`/api/v1/branches/${ctx.branchId}/expense-limit`, { expense_limit: limitInput.value.trim() });
    if (!result.ok) return refused(result, limitForm);
    toast.ok(t("Limit saved."));
  }

  load();
  return { refresh: load };
}
