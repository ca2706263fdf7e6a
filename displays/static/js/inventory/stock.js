// The stock tab: what a branch holds (search, category, low only), valued at moving average cost; a
// product's ledger, its reorder point and par level, and a manager's adjustment or waste.
import { h, clear } from "/static/js/shared/dom.js";
import { dateTime, money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tp } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { button, field, input, num, productPicker, qty, refused, select, table, values } from "./ui.js";

export const KIND_LABELS = {
  opening: t("Opening"),
  sale: t("Sale"),
  cancel: t("Cancelled sale"),
  receipt: t("Delivery received"),
  adjustment: t("Adjustment"),
  waste: t("Waste"),
  count: t("Count variance"),
  transfer_out: t("Transfer out"),
  transfer_in: t("Transfer in"),
};

export function stockTab(root, ctx) {
  const search = input("q", { type: "search", placeholder: t("Search by name, SKU or barcode") });
  const category = select("category", [["", t("All categories")]]);
  const lowOnly = h("input", { attrs: { type: "checkbox", name: "low", id: "inv-low" } });
  const total = h("strong", { class: "inv-total" });
  const list = h("div", { class: "inv-list" });
  const detail = h("section", { class: "card inv-detail", attrs: { "aria-live": "polite", hidden: true } });
  let items = [];
  let chosen = null;

  root.append(
    h(
      "div",
      { class: "toolbar" },
      h("label", { class: "visually-hidden", text: t("Search"), attrs: { for: "inv-search" } }),
      Object.assign(search, { id: "inv-search" }),
      h("label", { class: "visually-hidden", text: t("Category"), attrs: { for: "inv-category" } }),
      Object.assign(category, { id: "inv-category" }),
      h("label", { class: "inv-check" }, lowOnly, t("Low stock only")),
      h("span", { class: "spacer" }),
      button(t("Add stock"), () => addStock()),
      total,
    ),
    h("div", { class: "inv-split" }, list, detail),
  );

  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });
  category.addEventListener("change", draw);
  lowOnly.addEventListener("change", load);

  let latest = 0;
  async function load() {
    // Typing, the low-only switch and a live refresh may cross: only the last one asked for is drawn.
    const mine = ++latest;
    const params = new URLSearchParams({ branch_id: ctx.branchId });
    if (search.value.trim()) params.set("q", search.value.trim());
    if (lowOnly.checked) params.set("low", "true");
    const result = await http.get(`/api/v1/inventory/stock?${params}`);
    if (mine !== latest) return;
    if (!result.ok) return refused(result);
    items = result.data.items;
    const categories = [...new Set(items.map((x) => x.category))].sort();
    const keep = category.value;
    clear(category);
    category.append(h("option", { text: t("All categories"), attrs: { value: "" } }));
    for (const name of categories) category.append(h("option", { text: name, attrs: { value: name } }));
    category.value = categories.includes(keep) ? keep : "";
    total.textContent = t("Stock value {value}", { value: money(result.data.total_value, ctx.currency()) });
    draw();
    if (chosen) openItem(chosen);
  }

  function draw() {
    const shown = items.filter((x) => !category.value || x.category === category.value);
    clear(list);
    list.append(
      table(
        [t("Product"), num(t("On hand")), num(t("Avg cost")), num(t("Value")), num(t("Reorder at")), num(t("Par")), t("Status")],
        shown.map((x) => [
          h("span", {}, h("strong", { text: x.name }), h("br"), h("small", { class: "muted", text: x.sku })),
          num(qty(x.qty, x.base_unit)),
          num(money(x.avg_cost, ctx.currency())),
          num(money(x.value, ctx.currency())),
          num(qty(x.reorder_point, x.base_unit)),
          num(qty(x.par_level, x.base_unit)),
          x.low ? h("span", { class: "badge badge-warn", text: tp("stock level", "Low") }) : h("span", { class: "badge badge-ok", text: tp("stock level", "OK") }),
        ]),
        {
          onRow: (i) => openItem(shown[i].product_id),
          caption: t("Stock"),
          empty: lowOnly.checked ? t("Nothing is below its reorder point.") : t("No stock recorded in this branch yet."),
        },
      ),
    );
  }

  async function openItem(productId) {
    chosen = productId;
    const result = await http.get(`/api/v1/inventory/stock/${productId}/ledger?branch_id=${ctx.branchId}`);
    if (!result.ok) return refused(result);
    const ledger = result.data;
    const item = items.find((x) => x.product_id === productId) || {};
    clear(detail);
    detail.hidden = false;
    const moveForm = h(
      "form",
      { class: "inv-form", on: { submit: (e) => (e.preventDefault(), move(moveForm, productId)) } },
      h("h3", { text: t("Adjust or write off") }),
      field(tp("stock movement", "What"), select("kind", [["waste", t("Waste")], ["adjustment", t("Adjustment")]])),
      field(t("Quantity"), input("qty", { inputmode: "decimal" }), t("Adjustment: negative takes away")),
      field(t("Reason"), input("reason", { required: true })),
      field(t("Unit cost (stock found)"), input("unit_cost", { inputmode: "decimal" })),
      h("button", { class: "btn btn-primary", text: tp("action", "Record"), attrs: { type: "submit" } }),
    );
    const levelForm = h(
      "form",
      { class: "inv-form", on: { submit: (e) => (e.preventDefault(), levels(levelForm, productId)) } },
      h("h3", { text: t("Reorder point and par level") }),
      field(t("Reorder point"), input("reorder_point", { inputmode: "decimal", value: item.reorder_point || "" })),
      field(t("Par level"), input("par_level", { inputmode: "decimal", value: item.par_level || "" })),
      h("button", { class: "btn", text: t("Save levels"), attrs: { type: "submit" } }),
    );
    detail.append(
      h(
        "header",
        { class: "inv-detail-head" },
        h("h2", { text: ledger.name }),
        button(t("Close"), () => ((detail.hidden = true), (chosen = null)), "ghost"),
      ),
      h("p", {}, t("On hand {qty} at {cost} each", { qty: qty(ledger.on_hand, ledger.base_unit), cost: money(ledger.avg_cost, ctx.currency()) })),
      h("h3", { text: t("Ledger") }),
      table(
        [t("When"), t("Movement"), num(t("Quantity")), num(t("Cost")), num(t("On hand after"))],
        ledger.items.map((m) => [
          dateTime(m.created_at),
          // Why it moved, under what moved: the panel is half a tablet wide.
          h("span", {}, KIND_LABELS[m.kind] || m.kind, h("br"), h("small", { class: "muted", text: m.reason || m.ref || (m.order_id ? tp("purchase order", "Order") : "") })),
          num(qty(m.qty, ledger.base_unit)),
          num(money(m.unit_cost, ctx.currency())),
          num(qty(m.on_hand_after, ledger.base_unit)),
        ]),
        { caption: t("Ledger"), empty: t("No movements yet.") },
      ),
      h("div", { class: "inv-forms" }, moveForm, levelForm),
    );
  }

  async function move(form, productId) {
    const v = values(form);
    const body = { branch_id: ctx.branchId, product_id: productId, kind: v.kind, qty: v.qty, reason: v.reason };
    if (v.unit_cost) body.unit_cost = v.unit_cost;
    const result = await http.post("/api/v1/inventory/moves", body);
    if (!result.ok) return refused(result, form);
    toast.ok(t("Recorded."));
    await load();
  }

  async function levels(form, productId) {
    const v = values(form);
    const result = await http.put(`/api/v1/inventory/stock/${productId}/levels`, {
      branch_id: ctx.branchId,
      reorder_point: v.reorder_point || null,
      par_level: v.par_level || null,
    });
    if (!result.ok) return refused(result, form);
    toast.ok(t("Levels saved."));
    await load();
  }

  function addStock() {
    clear(detail);
    detail.hidden = false;
    const picker = productPicker((product) => {
      chosenProduct = product;
      picked.textContent = product.name;
      qtyInput.focus();
    });
    let chosenProduct = null;
    const picked = h("strong", { text: "" });
    const qtyInput = input("qty", { inputmode: "decimal" });
    const form = h(
      "form",
      {
        class: "inv-form",
        on: {
          submit: async (e) => {
            e.preventDefault();
            if (!chosenProduct) return toast.error(t("Pick a product first."));
            const v = values(form);
            const result = await http.post("/api/v1/inventory/moves", {
              branch_id: ctx.branchId,
              product_id: chosenProduct.id,
              kind: "adjustment",
              qty: v.qty,
              unit_cost: v.unit_cost || null,
              reason: v.reason,
            });
            if (!result.ok) return refused(result, form);
            toast.ok(t("Recorded."));
            await load();
            openItem(chosenProduct.id);
          },
        },
      },
      h("h2", { text: t("Add stock") }),
      picker.element,
      h("p", {}, picked),
      field(t("Quantity"), qtyInput),
      field(t("Unit cost"), input("unit_cost", { inputmode: "decimal" })),
      field(t("Reason"), input("reason", { value: t("Opening stock") })),
      h("button", { class: "btn btn-primary", text: tp("action", "Record"), attrs: { type: "submit" } }),
    );
    detail.append(form);
    picker.focus();
  }

  load();
  return { refresh: load };
}
