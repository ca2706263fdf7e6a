// The branch's tills on /admin/branches (`/api/v1/pos/profiles`): name, the price list it starts on, the
// tenders it takes, whether a shift must be open, the cashier's confirmation limits, on/off. The server
// keeps a till with an open shift on (409 with the reason); the tills re-read their document on a change.

import { h } from "/static/js/shared/dom.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { field, showError } from "/static/js/admin/common.js";

const METHODS = { cash: t("Cash"), card: t("Card"), wallet: t("Wallet"), bank_transfer: t("Bank transfer"), on_account: t("On account") };
const LISTS = { counter: t("Counter prices"), wholesale: t("Wholesale prices") };

const input = (value, attrs = {}) => h("input", { class: "input", attrs: { value: value ?? "", autocomplete: "off", ...attrs } });
const box = (label, checked, value) => {
  const el = h("input", { attrs: { type: "checkbox", checked, value } });
  return [el, h("label", { class: "as-check" }, el, label)];
};
const listSelect = (chosen) => h("select", { class: "input" }, ...Object.entries(LISTS).map(([value, label]) => h("option", { text: label, attrs: { value, selected: value === chosen } })));

export function tillsSection(branch) {
  const section = h("section", { attrs: { id: "tills", "aria-labelledby": "tills-title" } }, h("h3", { class: "as-subtitle", text: t("Tills"), attrs: { id: "tills-title" } }));
  const body = h("div", {}, h("p", { class: "as-muted", text: t("Loading…") }));
  section.append(body);

  const load = async () => {
    const r = await http.get(`/api/v1/pos/profiles?branch_id=${branch.id}`);
    if (!r.ok) return body.replaceChildren(h("p", { class: "problem", text: r.error.message }));
    body.replaceChildren(
      ...(r.data.length ? [] : [h("p", { class: "as-muted", attrs: { id: "tills-empty" }, text: t("No tills yet: add one so cashiers can sell at this branch.") })]),
      ...r.data.map(till),
      adder(),
    );
  };

  function till(p) {
    const name = input(p.name);
    const list = listSelect(p.default_price_list);
    const methods = Object.entries(METHODS).map(([value, label]) => box(label, p.payment_methods.includes(value), value));
    const [shift, shiftLabel] = box(t("A shift with a cash count must be open to sell"), p.require_shift);
    const qty = input(p.confirm_line_qty, { inputmode: "decimal", dir: "ltr" });
    const total = input(p.confirm_order_total, { inputmode: "decimal", dir: "ltr" });
    const [active, activeLabel] = box(t("In use"), p.active);
    const card = h(
      "fieldset",
      { class: ["as-till", p.active ? "" : "is-off"], dataset: { till: String(p.id) } },
      h("legend", {}, h("span", { class: "as-mono", text: p.code, attrs: { dir: "ltr" } }), " ", h("span", { text: p.name })),
      h(
        "div",
        { class: "as-grid" },
        field(t("Name"), name, "name", true),
        field(t("Starts on"), list, "default_price_list", true),
        field(t("Ask to confirm a line over (quantity)"), qty, "confirm_line_qty", true),
        field(t("Ask to confirm a sale over (amount)"), total, "confirm_order_total", true),
      ),
      h("div", { class: "as-checks", attrs: { role: "group", "aria-label": t("Tenders it takes"), "data-field": "payment_methods" } }, ...methods.map(([, label]) => label)),
      h("div", { class: "as-checks" }, shiftLabel, activeLabel),
      h(
        "div",
        { class: "as-line" },
        h("span", { class: "spacer" }),
        h("button", {
          class: "btn",
          text: t("Save till"),
          attrs: { type: "button" },
          on: {
            click: async () => {
              const r = await http.patch(`/api/v1/pos/profiles/${p.id}`, {
                name: name.value.trim(),
                default_price_list: list.value,
                payment_methods: methods.filter(([el]) => el.checked).map(([el]) => el.value),
                require_shift: shift.checked,
                confirm_line_qty: qty.value.trim() || null,
                confirm_order_total: total.value.trim() || null,
                active: active.checked,
              });
              if (!r.ok) {
                // A till still selling stays on: say so, and put the box back.
                if (r.status === 409) active.checked = true;
                return showError(r, card);
              }
              toast.ok(t("Saved. The tills have the change."));
              load();
            },
          },
        }),
      ),
    );
    return card;
  }

  function adder() {
    const code = input("", { dir: "ltr", placeholder: "front", class: "input as-mono" });
    const name = input("");
    const list = listSelect("counter");
    const line = h(
      "div",
      { class: "as-line" },
      field(t("New till code"), code, "code", true),
      field(t("Name"), name, "name", true),
      field(t("Starts on"), list, "default_price_list", true),
      h("button", {
        class: "btn",
        text: t("Add till"),
        attrs: { type: "button", id: "add-till" },
        on: {
          click: async () => {
            const r = await http.post("/api/v1/pos/profiles", { branch_id: branch.id, code: code.value.trim(), name: name.value.trim(), default_price_list: list.value });
            if (!r.ok) return showError(r, line);
            toast.ok(t("Till added."));
            load();
          },
        },
      }),
    );
    return line;
  }

  load();
  return section;
}
