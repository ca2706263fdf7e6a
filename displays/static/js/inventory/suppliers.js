// The suppliers tab: who sells us what (contact, lead time, items and their prices), their invoices, and
// what we owe them.
import { h, clear } from "/static/js/shared/dom.js";
import { prompt } from "/static/js/shared/dialog.js";
import { date, money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tp } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { button, field, input, num, productPicker, refused, select, table, values } from "./ui.js";

export function suppliersTab(root, ctx) {
  const list = h("div", { class: "inv-list" });
  const view = h("section", { class: "card inv-detail", attrs: { hidden: true } });
  const owed = h("strong", {});
  root.append(
    h("div", { class: "toolbar" }, button(t("New supplier"), () => edit(null), "primary"), button(t("Invoices"), invoices), h("span", { class: "spacer" }), owed),
    h("div", { class: "inv-split" }, list, view),
  );
  let suppliers = [];

  async function load() {
    const result = await http.get("/api/v1/inventory/suppliers");
    if (!result.ok) return refused(result);
    suppliers = result.data;
    const payables = await http.get(`/api/v1/inventory/supplier-invoices?branch_id=${ctx.branchId}`);
    owed.textContent = payables.ok ? t("Owed {value}", { value: money(payables.data.owed, ctx.currency()) }) : "";
    clear(list);
    list.append(
      table(
        [t("Supplier"), t("Contact"), num(t("Lead time")), num(t("Items")), num(t("Owed")), t("State")],
        suppliers.map((s) => [
          s.name,
          [s.contact_name, s.phone].filter(Boolean).join(" · "),
          num(t("{n} d", { n: s.lead_time_days })),
          num(String(s.items.length)),
          num(money(s.owed, ctx.currency())),
          h("span", { class: ["badge", s.active ? "badge-ok" : ""], text: s.active ? t("Active") : t("Inactive") }),
        ]),
        { onRow: (i) => edit(suppliers[i]), caption: t("Suppliers"), empty: t("No suppliers yet.") },
      ),
    );
  }

  function edit(supplier) {
    clear(view);
    view.hidden = false;
    const s = supplier || { name: "", contact_name: "", phone: "", email: "", lead_time_days: 1, active: true, note: "", items: [] };
    const items = [];
    const rows = h("div", { class: "inv-lines" });
    function addItem(product, unit, price = "", sku = "") {
      const units = (product.units || [{ unit: product.base_unit }]).map((u) => [u.unit, u.unit]);
      const unitSelect = select(`items[${items.length}].unit`, units, unit || product.base_unit);
      const priceInput = input(`items[${items.length}].price`, { inputmode: "decimal", value: price });
      const skuInput = input(`items[${items.length}].supplier_sku`, { value: sku });
      const row = h("fieldset", { class: "inv-line" }, h("legend", { text: product.name }), field(t("Unit"), unitSelect), field(t("Price"), priceInput), field(t("Their code"), skuInput));
      const item = { product, unitSelect, priceInput, skuInput, row };
      row.append(button(t("Remove"), () => (items.splice(items.indexOf(item), 1), row.remove()), "ghost"));
      items.push(item);
      rows.append(row);
    }
    for (const item of s.items) addItem({ id: item.product_id, name: item.name, base_unit: item.unit, units: [{ unit: item.unit }] }, item.unit, item.price, item.supplier_sku);
    const active = h("input", { attrs: { type: "checkbox", name: "active" } });
    active.checked = s.active;
    const form = h(
      "form",
      {
        class: "inv-form",
        on: {
          submit: async (e) => {
            e.preventDefault();
            const v = values(form);
            const body = {
              name: v.name,
              contact_name: v.contact_name,
              phone: v.phone,
              email: v.email,
              lead_time_days: Number(v.lead_time_days || 0),
              active: active.checked,
              note: v.note,
              items: items.map((x) => ({ product_id: x.product.id, unit: x.unitSelect.value, price: x.priceInput.value.trim(), supplier_sku: x.skuInput.value.trim() })),
            };
            const result = supplier
              ? await http.put(`/api/v1/inventory/suppliers/${supplier.id}`, body)
              : await http.post("/api/v1/inventory/suppliers", body);
            if (!result.ok) return refused(result, form);
            toast.ok(t("Supplier saved."));
            await load();
            edit(result.data);
          },
        },
      },
      h("h2", { text: supplier ? supplier.name : t("New supplier") }),
      field(t("Name"), input("name", { value: s.name, required: true })),
      field(t("Contact person"), input("contact_name", { value: s.contact_name })),
      field(t("Phone"), input("phone", { value: s.phone, type: "tel" })),
      field(t("E-mail"), input("email", { value: s.email, type: "email" })),
      field(t("Lead time (days)"), input("lead_time_days", { value: s.lead_time_days, type: "number", min: "0" })),
      h("label", { class: "inv-check" }, active, t("Active (can receive orders)")),
      h("h3", { text: t("What they sell us") }),
      productPicker((product, unit) => addItem(product, unit && unit.unit)).element,
      rows,
      h("button", { class: "btn btn-primary", text: t("Save supplier"), attrs: { type: "submit" } }),
    );
    view.append(form);
  }

  async function invoices() {
    clear(view);
    view.hidden = false;
    const result = await http.get(`/api/v1/inventory/supplier-invoices?branch_id=${ctx.branchId}`);
    if (!result.ok) return refused(result);
    const choices = suppliers.map((s) => [s.id, s.name]);
    const form = h(
      "form",
      {
        class: "inv-form",
        on: {
          submit: async (e) => {
            e.preventDefault();
            const v = values(form);
            const made = await http.post("/api/v1/inventory/supplier-invoices", {
              supplier_id: Number(v.supplier_id),
              branch_id: ctx.branchId,
              number: v.number,
              invoice_date: v.invoice_date,
              due_date: v.due_date || null,
              amount: v.amount,
            });
            if (!made.ok) return refused(made, form);
            toast.ok(t("Invoice recorded."));
            await load();
            invoices();
          },
        },
      },
      h("h3", { text: t("Record a supplier's invoice") }),
      field(t("Supplier"), select("supplier_id", choices)),
      field(t("Invoice number"), input("number", { required: true })),
      field(t("Invoice date"), input("invoice_date", { type: "date", value: new Date().toISOString().slice(0, 10) })),
      field(t("Due date"), input("due_date", { type: "date" })),
      field(t("Amount"), input("amount", { inputmode: "decimal" })),
      h("button", { class: "btn btn-primary", text: t("Record invoice"), attrs: { type: "submit" } }),
    );
    view.append(
      h("h2", { text: t("Invoices") }),
      h("p", {}, h("strong", { text: t("Owed {value}", { value: money(result.data.owed, ctx.currency()) }) })),
      table(
        [t("Supplier"), t("Number"), t("Date"), t("Due"), num(t("Amount")), num(t("Owed")), ""],
        result.data.invoices.map((x) => [
          x.supplier_name,
          x.number,
          date(x.invoice_date),
          x.due_date ? date(x.due_date) : "",
          num(money(x.amount, ctx.currency())),
          num(money(x.owed, ctx.currency())),
          x.state === "open" ? button(t("Pay"), () => pay(x)) : h("span", { class: "badge badge-ok", text: tp("invoice", "Paid") }),
        ]),
        { caption: t("Invoices"), empty: t("No invoices recorded.") },
      ),
      suppliers.length ? form : null,
    );
  }

  async function pay(invoice) {
    const amount = await prompt({ title: t("Pay invoice {number}", { number: invoice.number }), label: t("Amount"), value: invoice.owed, required: true, confirmLabel: t("Pay") });
    if (!amount) return;
    const result = await http.post(`/api/v1/inventory/supplier-invoices/${invoice.id}/payments`, { amount });
    if (!result.ok) return refused(result);
    toast.ok(t("Payment recorded."));
    await load();
    invoices();
  }

  load();
  return { refresh: load };
}
