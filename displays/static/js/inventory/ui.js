// Small building blocks the inventory screens share: labelled fields, tables, product pickers that take a
// scanner's input, and one way to say what the server refused (with the field it named, focused).
import { h, clear } from "/static/js/shared/dom.js";
import { number } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";

let uid = 0;

/** A labelled form control; `control` is an input/select element (given an id here). */
export function field(label, control, hint) {
  uid += 1;
  control.id = control.id || `inv-f${uid}`;
  return h(
    "div",
    { class: "field" },
    h("label", { text: label, attrs: { for: control.id } }),
    control,
    hint ? h("span", { class: "hint", text: hint }) : null,
  );
}

export function input(name, { type = "text", value = "", step, min, placeholder, inputmode, required } = {}) {
  return h("input", {
    class: "input",
    attrs: { name, type, value, step, min, placeholder, inputmode, required, autocomplete: "off" },
  });
}

export function select(name, options, value) {
  const el = h(
    "select",
    { class: "input", attrs: { name } },
    options.map(([v, label]) => h("option", { text: label, attrs: { value: v } })),
  );
  if (value !== undefined && value !== null) el.value = String(value);
  return el;
}

export function button(label, onClick, kind = "") {
  return h("button", { class: ["btn", kind && `btn-${kind}`], text: label, attrs: { type: "button" }, on: { click: onClick } });
}

/** rows: arrays of cells (text, Node, or {text, num: true}); onRow: called with the row's index. */
export function table(headers, rows, { onRow, caption, empty } = {}) {
  if (!rows.length) return h("p", { class: "empty", text: empty || t("Nothing here yet.") });
  const cell = (tag, c) =>
    c !== null && typeof c === "object" && !(c instanceof Node)
      ? h(tag, { class: c.num ? "num" : "", text: c.text })
      : h(tag, {}, c);
  return h(
    "table",
    { class: "table" },
    caption ? h("caption", { class: "visually-hidden", text: caption }) : null,
    h("thead", {}, h("tr", {}, headers.map((x) => cell("th", x)))),
    h(
      "tbody",
      {},
      rows.map((row, i) =>
        h(
          "tr",
          onRow
            ? { class: "inv-row", attrs: { tabindex: "0" }, on: { click: () => onRow(i), keydown: (e) => e.key === "Enter" && onRow(i) } }
            : {},
          row.map((c) => cell("td", c)),
        ),
      ),
    ),
  );
}

export const num = (text) => ({ text, num: true });

/** A quantity with its unit: "12.5 kg", "3" pieces. */
export function qty(value, unit) {
  if (value === null || value === undefined) return "";
  const n = number(value, { maximumFractionDigits: 3 });
  return unit === "kg" ? t("{n} kg", { n }) : n;
}

/** The server's message without the field name it starts with (the control is marked instead). */
export function plain(error) {
  const { message = "", field: name } = error || {};
  return name && message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}

/** What the server refused, as one toast; the control it named (by `name`) is marked and focused. */
export function refused(result, form) {
  const { field: name } = result.error || {};
  toast.error(plain(result.error) || t("That did not work."));
  if (form && name) {
    const control = form.querySelector(`[name="${CSS.escape(name)}"]`) || form.querySelector(`[name="${CSS.escape(name.split("[")[0])}"]`);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.focus();
      control.addEventListener("input", () => control.removeAttribute("aria-invalid"), { once: true });
    }
  }
}

/** Read a form's named controls as strings (checkboxes as booleans). */
export function values(form) {
  const out = {};
  for (const el of form.querySelectorAll("[name]")) out[el.name] = el.type === "checkbox" ? el.checked : el.value.trim();
  return out;
}

/**
 * A product picker: type a name or scan a barcode (a scanner types the digits and Enter). Calls
 * `onPick(product, unit)` with the product and, for a scanned case barcode, its unit.
 */
export function productPicker(onPick, { label = t("Product or barcode"), stockable = true } = {}) {
  const box = input("product_search", { placeholder: t("Type a name or scan") });
  const list = h("ul", { class: "inv-picks", attrs: { "aria-label": t("Matching products") } });
  let timer = null;
  async function search(text, exact) {
    const query = exact ? `barcode=${encodeURIComponent(text)}` : `q=${encodeURIComponent(text)}`;
    const result = await http.get(`/api/v1/inventory/products?${query}`);
    if (!result.ok) return [];
    return result.data.filter((p) => !stockable || !p.made_to_order);
  }
  function show(products, code) {
    clear(list);
    for (const product of products) {
      const unit = code ? (product.units.find((u) => u.barcode === code) || null) : null;
      list.append(
        h(
          "li",
          {},
          h("button", {
            class: "btn btn-ghost",
            attrs: { type: "button" },
            text: `${product.name} · ${product.sku}`,
            on: { click: () => choose(product, unit) },
          }),
        ),
      );
    }
  }
  function choose(product, unit) {
    box.value = "";
    clear(list);
    onPick(product, unit);
  }
  box.addEventListener("input", () => {
    clearTimeout(timer);
    const text = box.value.trim();
    if (text.length < 2) return clear(list);
    timer = setTimeout(async () => show(await search(text, false)), 200);
  });
  box.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const text = box.value.trim();
    if (!text) return;
    const byCode = /^\d{6,}$/.test(text) ? await search(text, true) : [];
    if (byCode.length === 1) {
      const product = byCode[0];
      return choose(product, product.units.find((u) => u.barcode === text) || null);
    }
    const found = byCode.length ? byCode : await search(text, false);
    if (found.length === 1) return choose(found[0], null);
    if (!found.length) toast.error(t("No product matches {text}.", { text }));
    show(found, text);
  });
  return { element: h("div", { class: "inv-picker" }, field(label, box), list), focus: () => box.focus() };
}
