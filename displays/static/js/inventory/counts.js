// The counts tab: start a count (blind or not), scan or pick each product and type what is on the shelf,
// then approve: the variances go to the ledger. A blind count shows no expected figures until approved.
import { h, clear } from "/static/js/shared/dom.js";
import { confirm } from "/static/js/shared/dialog.js";
import { date, money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tp } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { button, field, input, num, productPicker, qty, refused, table } from "./ui.js";

const STATES = { open: t("Counting"), approved: t("Approved"), cancelled: t("Cancelled") };

export function countsTab(root, ctx) {
  const list = h("div", { class: "inv-list" });
  const view = h("section", { class: "card inv-detail", attrs: { hidden: true } });
  const blind = h("input", { attrs: { type: "checkbox", id: "inv-blind" } });
  root.append(
    h(
      "div",
      { class: "toolbar" },
      h("label", { class: "inv-check" }, blind, t("Blind count (hide expected figures)")),
      button(t("Start a count"), start, "primary"),
    ),
    h("div", { class: "inv-split" }, list, view),
  );
  let counts = [];

  async function load() {
    const result = await http.get(`/api/v1/inventory/counts?branch_id=${ctx.branchId}`);
    if (!result.ok) return refused(result);
    counts = result.data;
    clear(list);
    list.append(
      table(
        [tp("stocktake", "Count"), t("Started"), t("State"), num(t("Products")), num(t("Variance"))],
        counts.map((c) => [
          `#${c.id}${c.blind ? ` · ${t("blind")}` : ""}`,
          date(c.created_at),
          STATES[c.state] || c.state,
          num(String(c.lines.length)),
          num(c.variance_value === null ? "—" : money(c.variance_value, ctx.currency())),
        ]),
        { onRow: (i) => show(counts[i]), caption: t("Counts"), empty: t("No counts yet.") },
      ),
    );
  }

  async function start() {
    const result = await http.post("/api/v1/inventory/counts", { branch_id: ctx.branchId, blind: blind.checked });
    if (!result.ok) return refused(result);
    await load();
    show(result.data);
  }

  function show(count) {
    clear(view);
    view.hidden = false;
    const open = count.state === "open";
    const parts = [
      h("header", { class: "inv-detail-head" }, h("h2", { text: t("Count #{id}", { id: count.id }) }), h("span", { class: "badge", text: STATES[count.state] })),
    ];
    if (open) {
      let product = null;
      let factor = "1";
      const picked = h("strong", { text: t("Scan or pick a product") });
      const counted = input("counted", { inputmode: "decimal" });
      const picker = productPicker((p, unit) => {
        product = p;
        factor = unit ? unit.factor : "1";
        picked.textContent = unit ? t("{name}, counted in {unit}", { name: p.name, unit: unit.unit }) : p.name;
        counted.focus();
      });
      const form = h(
        "form",
        {
          class: "inv-form inv-count-entry",
          on: {
            submit: async (e) => {
              e.preventDefault();
              if (!product) return toast.error(t("Pick a product first."));
              const line = factor === "1" ? { product_id: product.id } : { barcode: product.units.find((u) => u.factor === factor).barcode };
              const result = await http.post(`/api/v1/inventory/counts/${count.id}/lines`, {
                lines: [{ ...line, counted: counted.value.trim() }],
              });
              if (!result.ok) return refused(result, form);
              product = null;
              counted.value = "";
              picked.textContent = t("Scan or pick a product");
              picker.focus();
              show(result.data);
              load();
            },
          },
        },
        picker.element,
        h("p", {}, picked),
        field(t("Counted"), counted),
        h("button", { class: "btn btn-primary", text: t("Save count"), attrs: { type: "submit" } }),
      );
      parts.push(form);
      setTimeout(() => picker.focus(), 0);
    }
    parts.push(
      table(
        [t("Product"), num(t("Counted")), num(t("Expected")), num(t("Variance")), num(t("Value"))],
        count.lines.map((x) => [
          x.name,
          num(qty(x.counted, x.base_unit)),
          num(x.expected === null ? "—" : qty(x.expected, x.base_unit)),
          num(x.variance === null ? "—" : qty(x.variance, x.base_unit)),
          num(x.variance_value === null ? "—" : money(x.variance_value, ctx.currency())),
        ]),
        { caption: t("Variance report"), empty: t("Nothing counted yet.") },
      ),
    );
    if (open) {
      parts.push(
        h(
          "div",
          { class: "toolbar" },
          button(t("Approve and post variances"), () => approve(count), "primary"),
          button(t("Cancel count"), () => cancel(count), "danger"),
        ),
      );
    } else if (count.variance_value !== null) {
      parts.push(h("p", {}, h("strong", { text: t("Total variance {value}", { value: money(count.variance_value, ctx.currency()) }) })));
    }
    view.append(...parts);
  }

  async function approve(count) {
    const sure = await confirm({ title: t("Approve this count?"), message: t("The on-hand of every counted product becomes what was counted."), confirmLabel: t("Approve") });
    if (!sure) return;
    const result = await http.post(`/api/v1/inventory/counts/${count.id}/approve`);
    if (!result.ok) return refused(result);
    show(result.data);
    toast.ok(t("Variances posted."));
    await load();
  }

  async function cancel(count) {
    const result = await http.post(`/api/v1/inventory/counts/${count.id}/cancel`);
    if (!result.ok) return refused(result);
    await load();
    show(result.data);
  }

  load();
  return { refresh: load };
}
