// The purchase orders tab: draft an order (or take the forecast's suggestion), send it (printable), and
// receive it at the back door by scanning the boxes, with the quantity and cost on the delivery note.
import { h, clear } from "/static/js/shared/dom.js";
import { confirm } from "/static/js/shared/dialog.js";
import { date, money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tp } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { button, field, input, num, plain, productPicker, qty, refused, select, table } from "./ui.js";

export const PO_STATES = {
  draft: t("Draft"),
  sent: t("Sent"),
  partial: t("Partly received"),
  received: t("Received"),
  closed: t("Closed"),
  cancelled: t("Cancelled"),
};

export function ordersTab(root, ctx) {
  const list = h("div", { class: "inv-list" });
  const view = h("section", { class: "card inv-detail", attrs: { hidden: true } });
  root.append(
    h("div", { class: "toolbar" }, button(t("New purchase order"), () => compose(), "primary"), button(t("Suggested orders"), suggestions)),
    h("div", { class: "inv-split" }, list, view),
  );
  let orders = [];

  async function load() {
    const result = await http.get(`/api/v1/inventory/purchase-orders?branch_id=${ctx.branchId}`);
    if (!result.ok) return refused(result);
    orders = result.data;
    clear(list);
    list.append(
      table(
        [tp("purchase order", "Order"), t("Supplier"), t("Created"), t("State"), num(t("Total"))],
        orders.map((o) => [`#${o.id}`, o.supplier_name, date(o.created_at), PO_STATES[o.state] || o.state, num(money(o.total, ctx.currency()))]),
        { onRow: (i) => show(orders[i]), caption: t("Purchase orders"), empty: t("No purchase orders yet.") },
      ),
    );
  }

  async function suppliers() {
    const result = await http.get("/api/v1/inventory/suppliers");
    return result.ok ? result.data.filter((s) => s.active) : [];
  }

  async function compose(prefill) {
    clear(view);
    view.hidden = false;
    const active = await suppliers();
    if (!active.length) return view.append(h("p", { class: "empty", text: t("Add an active supplier first (Suppliers tab).") }));
    const supplier = select("supplier_id", active.map((s) => [s.id, s.name]), prefill && prefill.supplier_id);
    const lines = [];
    const rows = h("div", { class: "inv-lines" });
    function addLine(product, unit, amount = "") {
      const units = select(`lines[${lines.length}].unit`, product.units.map((u) => [u.unit, u.unit]), unit || product.base_unit);
      const count = input(`lines[${lines.length}].qty`, { inputmode: "decimal", value: amount });
      const price = input(`lines[${lines.length}].unit_price`, { inputmode: "decimal", placeholder: t("Supplier's price") });
      lines.push({ product, units, count, price });
      rows.append(h("fieldset", { class: "inv-line" }, h("legend", { text: product.name }), field(t("Unit"), units), field(t("Quantity"), count), field(t("Price"), price)));
      count.focus();
    }
    const picker = productPicker((product, unit) => addLine(product, unit && unit.unit));
    const form = h(
      "form",
      {
        class: "inv-form",
        on: {
          submit: async (e) => {
            e.preventDefault();
            if (!lines.length) return toast.error(t("Add at least one product."));
            const result = await http.post("/api/v1/inventory/purchase-orders", {
              branch_id: ctx.branchId,
              supplier_id: Number(supplier.value),
              lines: lines.map((x) => ({
                product_id: x.product.id,
                unit: x.units.value,
                qty: x.count.value.trim(),
                ...(x.price.value.trim() ? { unit_price: x.price.value.trim() } : {}),
              })),
            });
            if (!result.ok) return refused(result, form);
            toast.ok(t("Draft saved."));
            await load();
            show(result.data);
          },
        },
      },
      h("h2", { text: t("New purchase order") }),
      field(t("Supplier"), supplier),
      picker.element,
      rows,
      h("button", { class: "btn btn-primary", text: t("Save draft"), attrs: { type: "submit" } }),
    );
    view.append(form);
    for (const line of (prefill && prefill.lines) || []) {
      const found = await http.get(`/api/v1/inventory/products?q=${encodeURIComponent(line.name)}`);
      const product = found.ok ? found.data.find((p) => p.id === line.product_id) : null;
      if (product) addLine(product, line.unit, line.suggested_units);
    }
  }

  function show(order) {
    clear(view);
    view.hidden = false;
    const parts = [
      h(
        "header",
        { class: "inv-detail-head" },
        h("h2", { text: t("Order #{id} · {supplier}", { id: order.id, supplier: order.supplier_name }) }),
        h("span", { class: "badge", text: PO_STATES[order.state] }),
      ),
      table(
        [t("Product"), t("Unit"), num(t("Ordered")), num(t("Received")), num(t("Price"))],
        order.lines.map((x) => [x.name, x.unit, num(qty(x.qty_ordered)), num(qty(x.qty_received)), num(money(x.unit_price, ctx.currency()))]),
        { caption: t("Lines") },
      ),
      h("p", {}, h("strong", { text: t("Total {value}", { value: money(order.total, ctx.currency()) }) })),
    ];
    const actions = h("div", { class: "toolbar" });
    const act = (label, to, kind) => button(label, () => move(order, to), kind);
    if (order.state === "draft") actions.append(act(t("Send to supplier"), "send", "primary"), act(t("Cancel order"), "cancel", "danger"));
    if (order.state === "sent") actions.append(act(t("Cancel order"), "cancel", "danger"));
    if (["partial", "received"].includes(order.state)) actions.append(act(t("Close order"), "close"));
    actions.append(
      h("a", { class: "btn", text: t("Print"), attrs: { href: `/api/v1/inventory/purchase-orders/${order.id}/print`, target: "_blank", rel: "noopener" } }),
    );
    parts.push(actions);
    if (["sent", "partial"].includes(order.state)) parts.push(receiving(order));
    view.append(...parts);
  }

  async function move(order, to) {
    const result = await http.post(`/api/v1/inventory/purchase-orders/${order.id}/${to}`);
    if (!result.ok) return refused(result);
    await load();
    show(result.data);
  }

  /** The back door: each scan (or line pick) adds what came, with the delivery note's quantity and cost. */
  function receiving(order) {
    const got = [];
    const rows = h("div", { class: "inv-lines" });
    const code = input("barcode", { placeholder: t("Scan a box or type a barcode") });
    const lineSelect = select("line_id", [["", t("…or pick the line")], ...order.lines.map((x) => [x.id, `${x.name} (${x.unit})`])]);
    function add(line) {
      const count = input(`lines[${got.length}].qty`, { inputmode: "decimal", value: "1" });
      const cost = input(`lines[${got.length}].unit_cost`, { inputmode: "decimal", value: line.unit_price });
      got.push({ line, count, cost });
      rows.append(h("fieldset", { class: "inv-line" }, h("legend", { text: `${line.name} (${line.unit})` }), field(t("Quantity"), count), field(t("Unit cost"), cost)));
      count.select();
      count.focus();
    }
    code.addEventListener("keydown", (e) => {
      if (e.key !== "Enter") return;
      e.preventDefault();
      const text = code.value.trim();
      const line = order.lines.find((x) => x.unit_barcode === text || (x.barcode === text && x.factor === "1.000")) || order.lines.find((x) => x.barcode === text);
      code.value = "";
      if (!line) return toast.error(t("{code} is not on this order.", { code: text }));
      const already = got.find((x) => x.line.id === line.id);
      if (already) {
        already.count.value = String(Number(already.count.value || 0) + 1);
        return toast.info(t("{name}: {n}", { name: line.name, n: already.count.value }));
      }
      add(line);
    });
    lineSelect.addEventListener("change", () => {
      const line = order.lines.find((x) => String(x.id) === lineSelect.value);
      lineSelect.value = "";
      if (line) add(line);
    });
    async function submit(confirmOver) {
      if (!got.length) return toast.error(t("Scan what came first."));
      const body = {
        confirm_over: confirmOver,
        lines: got.map((x) => ({ line_id: x.line.id, qty: x.count.value.trim(), unit_cost: x.cost.value.trim() })),
      };
      const result = await http.post(`/api/v1/inventory/purchase-orders/${order.id}/receive`, body);
      if (!result.ok) {
        if (result.status === 422 && !confirmOver && result.error.code === "confirm_over") {
          const sure = await confirm({ title: t("More than ordered"), message: plain(result.error), confirmLabel: t("Receive the extra") });
          if (sure) return submit(true);
        }
        return refused(result, form);
      }
      toast.ok(t("Received: the stock is in."));
      const again = await http.get(`/api/v1/inventory/purchase-orders/${order.id}`);
      await load();
      if (again.ok) show(again.data);
    }
    const form = h(
      "form",
      { class: "inv-form", on: { submit: (e) => (e.preventDefault(), submit(false)) } },
      h("h3", { text: t("Receive a delivery") }),
      field(t("Barcode"), code),
      field(t("Order line"), lineSelect),
      rows,
      h("button", { class: "btn btn-primary", text: t("Receive"), attrs: { type: "submit" } }),
    );
    setTimeout(() => code.focus(), 0);
    return form;
  }

  async function suggestions() {
    clear(view);
    view.hidden = false;
    const result = await http.get(`/api/v1/inventory/suggestions?branch_id=${ctx.branchId}`);
    if (!result.ok) return refused(result);
    view.append(h("h2", { text: t("Suggested orders") }), h("p", { class: "hint", text: t("From each product's sales by weekday, over its supplier's lead time, up to its par level.") }));
    if (!result.data.suppliers.length) view.append(h("p", { class: "empty", text: t("Nothing needs ordering now.") }));
    for (const s of result.data.suppliers) {
      view.append(
        h("h3", { text: t("{supplier} (delivers in {days} days)", { supplier: s.supplier_name, days: s.lead_time_days }) }),
        table(
          [t("Product"), num(t("On hand")), num(t("Expected sales")), num(tp("quantity to order", "Order"))],
          s.lines.map((x) => [x.name, num(qty(x.on_hand)), num(qty(x.forecast)), num(`${qty(x.suggested_units)} ${x.unit}`)]),
          { caption: s.supplier_name },
        ),
        button(t("Draft this order"), () => compose({ supplier_id: s.supplier_id, lines: s.lines }), "primary"),
      );
    }
  }

  load();
  return { refresh: load };
}
