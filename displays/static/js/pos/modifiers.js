// Menu depth at the till: the modifier picker (a touch-first dialog, one big toggle per option), how a
// cart line shows its modifiers, allergens and allergy flag, and what a `catalog.changed` availability
// event does to the open catalog before the fresh document arrives.
//
// The picker checks each group's min and max as the server does (pricing.js `modifierCharges` prices
// them); an 86'd option is shown but cannot be picked.

import { h } from "/static/js/shared/dom.js";
import { t } from "/static/js/shared/i18n.js";
import { dec } from "/static/js/shared/money.js";
import { modifierCharges } from "./pricing.js";
import { allergenName } from "../kitchen/menu_items.js";
import { listText } from "/static/js/shared/format.js";

export { allergenName };

const T = {
  add: () => t("Add"),
  cancel: () => t("Cancel"),
  required: (n) => (n === 1 ? t("required") : t("choose at least {n}", { n })),
  upTo: (n) => t("up to {n}", { n }),
  free: (n) => t("{n} free", { n }),
  soldOut: () => t("86'd"),
  needs: (group, n) => (n === 1 ? t("{group}: choose one", { group }) : t("{group}: choose at least {n}", { group, n })),
  tooMany: (group, n) => t("{group}: at most {n}", { group, n }),
  allergens: (list) => t("Allergens: {list}", { list }),
  allergyFlag: (text) => t("Allergy: {text}", { text }),
  allergyLabel: () => t("Allergy"),
  allergyHint: () => t("(the kitchen sees it in red)"),
  readyAt: () => t("Ready at about"),
  readyHow: () => t("(from the kitchen's live load)"),
  unavailable: (name) => t("{name} is 86'd (sold out).", { name }),
};
const REMOVE = "\u2013";

/**
 * The till's menu-depth furniture, made here so the till's template stays as it is: the busy-mode banner,
 * the allergy field of the line dialog, and the quoted ready time on the success screen.
 */
export function mountMenuDepth() {
  const bar = document.querySelector("#pos .pos-bar");
  if (bar && !document.getElementById("pos-paused")) {
    bar.before(h("p", { class: "pos-paused", attrs: { id: "pos-paused", role: "status", hidden: true } }));
  }
  const note = document.getElementById("line-note");
  if (note && !document.getElementById("line-allergy")) {
    note.closest("label").after(
      h(
        "label",
        {},
        h("span", {}, T.allergyLabel(), " ", h("small", { text: T.allergyHint() })),
        h("input", { attrs: { id: "line-allergy", type: "text", maxlength: "200", autocomplete: "off" } }),
      ),
    );
  }
  const token = document.querySelector("#success .pos-token");
  if (token && !document.getElementById("s-ready")) {
    token.after(
      h(
        "p",
        { class: "pos-ready", attrs: { id: "s-ready", hidden: true } },
        T.readyAt(),
        " ",
        h("strong", { attrs: { id: "s-ready-time" } }),
        " ",
        h("span", { class: "pos-muted", text: T.readyHow() }),
      ),
    );
  }
}

/** What the till says when a cashier taps an 86'd item. */
export function unavailableMessage(product) {
  return T.unavailable(product.name);
}

export function hasModifiers(product) {
  return (product.modifier_groups || []).some((g) => g.options.length);
}

/** "+ Bacon", "– no onion" for a line's chosen option ids. */
export function modifierLabels(product, ids) {
  const byId = new Map();
  for (const g of product.modifier_groups || []) for (const o of g.options) byId.set(o.id, o);
  return (ids || []).map((id) => byId.get(Number(id))).filter(Boolean).map((o) => `${o.kind === "remove" ? REMOVE : "+"} ${o.name}`);
}

/** Under a cart line: its modifiers, the product's allergens, and the cashier's allergy flag. */
export function lineExtras(line, product) {
  if (!product) return null;
  const labels = modifierLabels(product, line.modifiers);
  const allergens = (product.allergens || []).map(allergenName);
  if (!labels.length && !allergens.length && !line.allergy) return null;
  return h(
    "ul",
    { class: "pos-mods" },
    labels.map((text) => h("li", { text })),
    allergens.length ? h("li", { class: "pos-allergens", text: T.allergens(listText(allergens)) }) : null,
    line.allergy ? h("li", { class: "pos-allergy", text: `\u26a0 ${T.allergyFlag(line.allergy)}`, attrs: { role: "note" } }) : null,
  );
}

/** The dialog (made once, kept in the page). */
function dialog() {
  let el = document.getElementById("modifiers");
  if (el) return el;
  el = h(
    "dialog",
    { class: "pos-dialog pos-modifiers", attrs: { id: "modifiers", "aria-labelledby": "modifiers-title" } },
    h(
      "form",
      { attrs: { method: "dialog", id: "modifiers-form" } },
      h("h2", { attrs: { id: "modifiers-title" } }),
      h("div", { attrs: { id: "modifiers-groups" } }),
      h(
        "label",
        {},
        h("span", {}, T.allergyLabel(), " ", h("small", { text: T.allergyHint() })),
        h("input", { attrs: { id: "modifiers-allergy", type: "text", maxlength: "200", autocomplete: "off" } }),
      ),
      h("p", { class: "error", attrs: { id: "modifiers-error", role: "alert", hidden: true } }),
      h(
        "menu",
        {},
        h("button", { class: "pos-secondary", text: T.cancel(), attrs: { type: "button", "data-close": "" } }),
        h("button", { class: "pos-primary", attrs: { type: "submit", id: "modifiers-add" } }, T.add(), " ", h("bdi", { attrs: { id: "modifiers-price" } })),
      ),
    ),
  );
  document.body.append(el);
  return el;
}

/**
 * Ask for a product's modifiers; resolves {modifiers: [ids], allergy} or null when cancelled. `fmt` formats
 * money, `basePrice` is the product's unit price on the current list (a Dec or null).
 */
export function chooseModifiers(product, { fmt, basePrice, exponent, line = null }) {
  const el = dialog();
  const picked = new Set((line && line.modifiers) || []);
  document.getElementById("modifiers-title").textContent = product.name;
  document.getElementById("modifiers-allergy").value = (line && line.allergy) || "";
  const error = document.getElementById("modifiers-error");
  error.hidden = true;

  const refresh = () => {
    // A complaint about the picks goes once the picks change.
    error.hidden = true;
    for (const button of el.querySelectorAll("[data-option]")) {
      button.setAttribute("aria-pressed", String(picked.has(Number(button.dataset.option))));
    }
    let extra = dec(0);
    try {
      for (const m of modifierCharges(product, [...picked], exponent)) extra = extra.plus(m.price);
    } catch {
      // Not complete yet (a required group): the price shows what is picked so far.
      extra = null;
    }
    document.getElementById("modifiers-price").textContent = basePrice && extra ? fmt(basePrice.plus(extra)) : "";
  };

  document.getElementById("modifiers-groups").replaceChildren(
    ...(product.modifier_groups || []).map((group) => {
      const hint = [
        group.min_choices > 0 ? T.required(group.min_choices) : null,
        group.max_choices > 1 ? T.upTo(group.max_choices) : null,
        group.free_choices > 0 ? T.free(group.free_choices) : null,
      ].filter(Boolean);
      return h(
        "fieldset",
        { class: "pos-mod-group", dataset: { group: group.code } },
        h("legend", {}, h("bdi", { text: group.name }), hint.length ? h("small", { text: ` (${listText(hint)})` }) : null),
        h(
          "div",
          { class: "pos-mod-options" },
          group.options.map((option) =>
            h(
              "button",
              {
                class: `pos-mod${option.kind === "remove" ? " is-remove" : ""}`,
                attrs: { type: "button", "aria-pressed": "false", disabled: option.available === false },
                dataset: { option: option.id },
                on: { click: () => {
                  const id = option.id;
                  if (picked.has(id)) picked.delete(id);
                  else {
                    // A pick-one group swaps its choice, as a radio would.
                    if (group.max_choices === 1) for (const o of group.options) picked.delete(o.id);
                    picked.add(id);
                  }
                  refresh();
                } },
              },
              `${option.kind === "remove" ? REMOVE : "+"} `,
              h("bdi", { text: option.name }),
              dec(option.price_delta).cmp(0) > 0 ? [" ", h("small", { text: fmt(option.price_delta) })] : null,
              option.available === false ? h("small", { class: "pos-sold-out", text: ` (${T.soldOut()})` }) : null,
            ),
          ),
        ),
      );
    }),
  );
  refresh();

  return new Promise((resolve) => {
    const form = document.getElementById("modifiers-form");
    el.querySelector("[data-close]").onclick = () => el.close();
    el.onclose = () => resolve(el.dataset.result ? JSON.parse(el.dataset.result) : null);
    delete el.dataset.result;
    form.onsubmit = (event) => {
      event.preventDefault();
      // The group order the server checks in, so the first complaint is the one it would make.
      for (const group of product.modifier_groups || []) {
        const count = group.options.filter((o) => picked.has(o.id)).length;
        if (count < group.min_choices) return show(T.needs(group.name, group.min_choices));
        if (count > group.max_choices) return show(T.tooMany(group.name, group.max_choices));
      }
      const order = (product.modifier_groups || []).flatMap((g) => g.options.map((o) => o.id)).filter((id) => picked.has(id));
      const allergy = document.getElementById("modifiers-allergy").value.trim();
      el.dataset.result = JSON.stringify({ modifiers: order, allergy: allergy || null });
      el.close();
    };
    const show = (text) => {
      error.textContent = text;
      error.hidden = false;
    };
    el.showModal();
  });
}

/**
 * A `catalog.changed` availability event, applied to the open catalog at once (the full document follows):
 * an 86'd product leaves the grid (an 86'd option comes as kind `modifiers`: the fresh document marks it).
 */
export function applyAvailability(catalog, data) {
  if (!catalog || data.kind !== "availability" || data.available === null || data.available === undefined) return false;
  let changed = false;
  for (const id of data.product_ids || []) {
    const product = catalog.product(id);
    if (product && product.available !== data.available) {
      product.available = data.available;
      changed = true;
    }
  }
  return changed;
}
