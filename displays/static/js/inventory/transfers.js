// The transfers tab: send stock to another branch (it is in transit until that branch takes it in), and
// take in what was sent here, saying what actually arrived.
import { h, clear } from "/static/js/shared/dom.js";
import { dateTime } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { button, field, input, num, productPicker, qty, refused, select, table } from "./ui.js";

const STATES = { in_transit: t("In transit"), received: t("Received"), cancelled: t("Cancelled") };

export function transfersTab(root, ctx) {
  const list = h("div", { class: "inv-list" });
  const view = h("section", { class: "card inv-detail", attrs: { hidden: true } });
  root.append(h("div", { class: "toolbar" }, button(t("Send stock to a branch"), compose, "primary")), h("div", { class: "inv-split" }, list, view));
  let transfers = [];

  async function load() {
    const result = await http.get(`/api/v1/inventory/transfers?branch_id=${ctx.branchId}`);
    if (!result.ok) return refused(result);
    transfers = result.data;
    clear(list);
    list.append(
      table(
        [t("Transfer"), t("From"), t("To"), t("Sent"), t("State")],
        transfers.map((x) => [
          `#${x.id}`,
          ctx.branchName(x.from_branch_id),
          ctx.branchName(x.to_branch_id),
          dateTime(x.dispatched_at),
          h("span", { class: ["badge", x.state === "in_transit" ? "badge-warn" : "badge-ok"], text: STATES[x.state] || x.state }),
        ]),
        { onRow: (i) => show(transfers[i]), caption: t("Transfers"), empty: t("No transfers yet.") },
      ),
    );
  }

  function compose() {
    clear(view);
    view.hidden = false;
    const others = ctx.branches.filter((b) => b.id !== ctx.branchId);
    const to = select("to_branch_id", others.map((b) => [b.id, b.name]));
    const lines = [];
    const rows = h("div", {});
    const picker = productPicker((product) => {
      if (lines.some((x) => x.product.id === product.id)) return toast.error(t("{name} is on the list already.", { name: product.name }));
      const amount = input(`lines[${lines.length}].qty`, { inputmode: "decimal" });
      lines.push({ product, amount });
      rows.append(field(t("{name}: quantity ({unit})", { name: product.name, unit: product.base_unit }), amount));
      amount.focus();
    });
    const form = h(
      "form",
      {
        class: "inv-form",
        on: {
          submit: async (e) => {
            e.preventDefault();
            if (!lines.length) return toast.error(t("Add at least one product."));
            const result = await http.post("/api/v1/inventory/transfers", {
              from_branch_id: ctx.branchId,
              to_branch_id: Number(to.value),
              lines: lines.map((x) => ({ product_id: x.product.id, qty: x.amount.value.trim() })),
            });
            if (!result.ok) return refused(result, form);
            toast.ok(t("Sent: in transit until {branch} takes it in.", { branch: ctx.branchName(result.data.to_branch_id) }));
            await load();
            show(result.data);
          },
        },
      },
      h("h2", { text: t("Send stock to a branch") }),
      field(t("To"), to),
      picker.element,
      rows,
      h("button", { class: "btn btn-primary", text: t("Dispatch"), attrs: { type: "submit" } }),
    );
    view.append(others.length ? form : h("p", { class: "empty", text: t("You see no other branch to send to.") }));
  }

  function show(transfer) {
    clear(view);
    view.hidden = false;
    const incoming = transfer.state === "in_transit" && transfer.to_branch_id === ctx.branchId;
    const got = new Map();
    view.append(
      h("header", { class: "inv-detail-head" }, h("h2", { text: t("Transfer #{id}", { id: transfer.id }) }), h("span", { class: "badge", text: STATES[transfer.state] })),
      h("p", { text: t("{from} to {to}", { from: ctx.branchName(transfer.from_branch_id), to: ctx.branchName(transfer.to_branch_id) }) }),
      table(
        [t("Product"), num(t("Sent")), num(t("Received"))],
        transfer.lines.map((x) => {
          let cell = num(x.qty_received === null ? "—" : qty(x.qty_received));
          if (incoming) {
            const box = input("qty", { inputmode: "decimal", value: x.qty });
            box.setAttribute("aria-label", t("{name}: received", { name: x.name }));
            got.set(x.product_id, box);
            cell = box;
          }
          return [x.name, num(qty(x.qty)), cell];
        }),
        { caption: t("Lines") },
      ),
    );
    if (incoming) {
      view.append(
        button(t("Take in"), async () => {
          const result = await http.post(`/api/v1/inventory/transfers/${transfer.id}/receive`, {
            lines: [...got].map(([productId, box]) => ({ product_id: productId, qty: box.value.trim() })),
          });
          if (!result.ok) return refused(result, view);
          toast.ok(t("Taken in."));
          await load();
          show(result.data);
        }, "primary"),
      );
    }
  }

  load();
  return { refresh: load };
}
