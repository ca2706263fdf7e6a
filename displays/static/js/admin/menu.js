// The menu editor (/admin/menu). A list of products on the left (search, category, status, pages) and the
// chosen product's editor on the right: its fields, units (piece, kg, package with their factors and
// barcodes), prices per list, unit and branch, and its picture. Categories, bulk price changes (previewed
// before they are applied) and the CSV file open in dialogs. The server checks everything; its answer names
// the field, which is marked here. Every save reaches the open tills by itself (catalog.changed).

import { clear, h } from "/static/js/shared/dom.js";
import { confirm } from "/static/js/shared/dialog.js";
import { money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tn, tp } from "/static/js/shared/i18n.js";
import { pageData as boot } from "/static/js/shared/page.js";
import { toast } from "/static/js/shared/toast.js";
import { field, modal, sendRaw, showError } from "/static/js/admin/common.js";

const PAGE_SIZE = 25;
const UNIT_LABELS = { piece: t("piece"), kg: t("kg"), package: t("package") };
const LIST_LABELS = { counter: tp("price list", "Counter"), wholesale: t("Wholesale") };
const currency = boot.currency;

const state = {
  categories: [],
  page: 1,
  total: 0,
  rows: [],
  product: null, // the product being edited (null: a new one)
};
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------------------------------- the list

async function loadCategories() {
  const r = await http.get("/api/v1/admin/categories");
  if (!r.ok) return showError(r);
  state.categories = r.data;
  const filter = $("category-filter");
  const chosen = filter.value;
  filter.replaceChildren(
    h("option", { text: t("All categories"), attrs: { value: "" } }),
    ...state.categories.map((c) => h("option", { text: c.name, attrs: { value: c.id } })),
  );
  filter.value = chosen;
}

async function loadProducts() {
  const query = new URLSearchParams({ page: state.page, page_size: PAGE_SIZE });
  const q = $("search").value.trim();
  if (q) query.set("q", q);
  if ($("category-filter").value) query.set("category_id", $("category-filter").value);
  if ($("active-filter").value) query.set("active", $("active-filter").value);
  const r = await http.get(`/api/v1/admin/products?${query}`);
  if (!r.ok) return showError(r);
  state.rows = r.data.items;
  state.total = r.data.total;
  renderRows();
}

function categoryName(id) {
  const found = state.categories.find((c) => c.id === id);
  return found ? found.name : "";
}

function basePrice(product) {
  const price = product.prices.find((p) => p.price_list === "counter" && p.unit === product.base_unit && p.branch_id === null);
  return price ? money(price.price, currency) : "—";
}

function renderRows() {
  const body = $("product-rows");
  clear(body);
  for (const product of state.rows) {
    const row = h(
      "tr",
      {
        class: ["as-row", state.product && state.product.id === product.id ? "is-selected" : ""],
        attrs: { tabindex: "0", "aria-selected": state.product && state.product.id === product.id ? "true" : "false" },
        dataset: { id: product.id, sku: product.sku },
        on: {
          click: () => edit(product.id),
          keydown: (event) => {
            if (event.key === "Enter" || event.key === " ") {
              event.preventDefault();
              edit(product.id);
            }
          },
        },
      },
      h("td", { class: "as-mono", text: product.sku }),
      h("td", { text: product.name }),
      h("td", { text: categoryName(product.category_id) }),
      h("td", { class: "num", text: basePrice(product) }),
      h("td", {}, h("span", { class: product.active ? "badge badge-ok" : "badge", text: product.active ? t("Active") : t("Inactive") })),
    );
    body.append(row);
  }
  if (!state.rows.length) body.append(h("tr", {}, h("td", { class: "empty", text: t("No products match."), attrs: { colspan: "5" } })));
  const pages = Math.max(1, Math.ceil(state.total / PAGE_SIZE));
  $("product-total").textContent = tn("{n} product", "{n} products", state.total);
  $("page-label").textContent = t("Page {page} of {pages}", { page: state.page, pages });
  $("prev-page").disabled = state.page <= 1;
  $("next-page").disabled = state.page >= pages;
}

// ------------------------------------------------------------------------------------------- the editor

async function edit(id) {
  const r = await http.get(`/api/v1/admin/products/${id}`);
  if (!r.ok) return showError(r);
  open(r.data);
}

function blank() {
  const first = state.categories[0];
  return {
    id: null,
    sku: "",
    name: "",
    category_id: first ? first.id : null,
    base_unit: "piece",
    barcode: null,
    tax_rate: "14",
    station_code: (boot.stations || [])[0] || "",
    active: true,
    stock_tracked: false,
    description: "",
    units: [],
    prices: [{ price_list: "counter", unit: "piece", price: "", branch_id: null }],
    image_url: null,
  };
}

function open(product) {
  state.product = product;
  renderRows();
  const form = $("editor");
  form.hidden = false;
  $("editor-empty").hidden = true;
  $("editor-title").textContent = product.id ? t("Edit {name}", { name: product.name }) : t("New product");
  clear(form);

  const categorySelect = h(
    "select",
    { class: "input", attrs: { name: "category_id", required: true } },
    ...state.categories.map((c) => h("option", { text: c.name, attrs: { value: c.id, selected: c.id === product.category_id } })),
  );
  const baseUnit = h(
    "select",
    { class: "input", attrs: { name: "base_unit" }, on: { change: () => renderUnitsAndPrices() } },
    ...Object.entries(UNIT_LABELS).map(([code, label]) => h("option", { text: label, attrs: { value: code, selected: code === product.base_unit } })),
  );
  const stations = [...new Set([...(boot.stations || []), product.station_code].filter(Boolean))];
  const station = h(
    "select",
    { class: "input", attrs: { name: "station_code" } },
    ...stations.map((code) => h("option", { text: code, attrs: { value: code, selected: code === product.station_code } })),
  );
  form.append(
    h(
      "div",
      { class: "as-grid" },
      field(t("Name"), h("input", { class: "input", attrs: { name: "name", value: product.name, required: true, autocomplete: "off" } }), "name"),
      field(t("SKU"), h("input", { class: "input as-mono", attrs: { name: "sku", value: product.sku, required: true, autocomplete: "off", dir: "ltr" } }), "sku"),
      field(t("Category"), categorySelect, "category_id"),
      field(t("Base unit"), baseUnit, "base_unit"),
      field(t("Barcode"), h("input", { class: "input as-mono", attrs: { name: "barcode", value: product.barcode || "", inputmode: "numeric", autocomplete: "off", dir: "ltr" } }), "barcode"),
      field(t("Tax rate (%)"), h("input", { class: "input", attrs: { name: "tax_rate", value: product.tax_rate, inputmode: "decimal", dir: "ltr" } }), "tax_rate"),
      field(t("Kitchen station"), station, "station_code"),
      h(
        "div",
        { class: "as-checks" },
        h("label", { class: "as-check" }, h("input", { attrs: { type: "checkbox", name: "active", checked: product.active } }), t("On sale")),
        h("label", { class: "as-check" }, h("input", { attrs: { type: "checkbox", name: "stock_tracked", checked: product.stock_tracked } }), t("Count stock")),
      ),
    ),
    field(t("Description"), h("textarea", { class: "input", text: product.description, attrs: { name: "description", rows: "2" } }), "description"),
    h("h3", { class: "as-subtitle", text: t("Units") }),
    h("p", { class: "hint as-muted", text: t("The base unit is always sold. Add a package (a six-pack, a case) with how many base units it holds.") }),
    h("div", { attrs: { id: "units" } }),
    h("button", { class: "btn", text: t("Add unit"), attrs: { type: "button", id: "add-unit" }, on: { click: () => addUnit() } }),
    h("h3", { class: "as-subtitle", text: t("Prices") }),
    h("div", { attrs: { id: "prices" } }),
    h("button", { class: "btn", text: t("Add price"), attrs: { type: "button", id: "add-price" }, on: { click: () => addPrice() } }),
    h("h3", { class: "as-subtitle", text: t("Picture") }),
    picture(product),
    h(
      "div",
      { class: "as-actions" },
      product.id ? h("button", { class: "btn btn-danger", text: t("Delete"), attrs: { type: "button", id: "delete-product" }, on: { click: remove } }) : null,
      h("span", { class: "spacer" }),
      h("button", { class: "btn", text: t("Close"), attrs: { type: "button" }, on: { click: close } }),
      h("button", { class: "btn btn-primary", text: t("Save"), attrs: { type: "submit", id: "save-product" } }),
    ),
  );
  state.units = product.units.filter((u) => u.unit !== product.base_unit).map((u) => ({ ...u }));
  state.prices = product.prices.map((p) => ({ ...p }));
  renderUnitsAndPrices();
  form.querySelector("[name=name]").focus();
}

function close() {
  state.product = null;
  $("editor").hidden = true;
  $("editor-empty").hidden = false;
  $("editor-title").textContent = t("Choose a product or add one");
  renderRows();
}

function baseUnit() {
  return $("editor").querySelector("[name=base_unit]").value;
}

function unitCodes() {
  return [baseUnit(), ...state.units.map((u) => u.unit).filter(Boolean)];
}

function addUnit() {
  state.units.push({ unit: "package", factor: "", barcode: null });
  renderUnitsAndPrices();
}

function addPrice() {
  const used = new Set(state.prices.map((p) => `${p.price_list}:${p.unit}:${p.branch_id}`));
  const next =
    Object.keys(LIST_LABELS)
      .flatMap((list) => unitCodes().map((unit) => ({ price_list: list, unit })))
      .find((p) => !used.has(`${p.price_list}:${p.unit}:null`)) || { price_list: "counter", unit: baseUnit() };
  state.prices.push({ ...next, price: "", branch_id: null });
  renderUnitsAndPrices();
}

function renderUnitsAndPrices() {
  const units = $("units");
  clear(units);
  units.append(
    h(
      "div",
      { class: "as-line as-line-units as-muted" },
      h("span", { text: UNIT_LABELS[baseUnit()] || baseUnit() }),
      h("span", { text: t("1 (base unit)") }),
      h("span", { text: t("barcode above") }),
    ),
  );
  state.units.forEach((unit, i) => {
    units.append(
      h(
        "div",
        { class: "as-line as-line-units", dataset: { unit: i } },
        field(t("Unit"), h("input", { class: "input as-mono", attrs: { value: unit.unit, dir: "ltr", autocomplete: "off" }, on: { input: (e) => { unit.unit = e.target.value.trim(); renderPriceUnits(); } } }), `units[${i}].unit`, true, i > 0),
        field(t("Base units in one"), h("input", { class: "input", attrs: { value: unit.factor, inputmode: "decimal", dir: "ltr" }, on: { input: (e) => { unit.factor = e.target.value.trim(); } } }), `units[${i}].factor`, true, i > 0),
        field(t("Barcode"), h("input", { class: "input as-mono", attrs: { value: unit.barcode || "", inputmode: "numeric", dir: "ltr" }, on: { input: (e) => { unit.barcode = e.target.value.trim() || null; } } }), `units[${i}].barcode`, true, i > 0),
        h("button", { class: "btn btn-ghost as-x", text: "✕", attrs: { type: "button", "aria-label": t("Remove unit {unit}", { unit: unit.unit }), title: t("Remove unit {unit}", { unit: unit.unit }) }, on: { click: () => { state.units.splice(i, 1); renderUnitsAndPrices(); } } }),
      ),
    );
  });
  renderPrices();
}

function renderPriceUnits() {
  for (const select of document.querySelectorAll("#prices select[data-role=unit]")) {
    const chosen = select.value;
    select.replaceChildren(...unitCodes().map((code) => h("option", { text: UNIT_LABELS[code] || code, attrs: { value: code } })));
    select.value = chosen;
  }
}

function renderPrices() {
  const prices = $("prices");
  clear(prices);
  const branches = [{ id: null, name: t("All branches") }, ...(boot.branches || [])];
  state.prices.forEach((price, i) => {
    const list = h(
      "select",
      { class: "input", on: { change: (e) => { price.price_list = e.target.value; } } },
      ...Object.entries(LIST_LABELS).map(([code, label]) => h("option", { text: label, attrs: { value: code, selected: code === price.price_list } })),
    );
    const unit = h(
      "select",
      { class: "input", dataset: { role: "unit" }, on: { change: (e) => { price.unit = e.target.value; } } },
      ...unitCodes().map((code) => h("option", { text: UNIT_LABELS[code] || code, attrs: { value: code, selected: code === price.unit } })),
    );
    const branch = h(
      "select",
      { class: "input", on: { change: (e) => { price.branch_id = e.target.value ? Number(e.target.value) : null; } } },
      ...branches.map((b) => h("option", { text: b.name, attrs: { value: b.id ?? "", selected: b.id === price.branch_id } })),
    );
    prices.append(
      h(
        "div",
        { class: "as-line as-line-prices", dataset: { price: i } },
        field(t("Price list"), list, `prices[${i}].price_list`, true, i > 0),
        field(t("Unit"), unit, `prices[${i}].unit`, true, i > 0),
        field(t("Branch"), branch, `prices[${i}].branch_id`, true, i > 0),
        field(t("Price ({currency})", { currency }), h("input", { class: "input", attrs: { value: price.price, inputmode: "decimal", dir: "ltr" }, on: { input: (e) => { price.price = e.target.value.trim(); } } }), `prices[${i}].price`, true, i > 0),
        h("button", { class: "btn btn-ghost as-x", text: "✕", attrs: { type: "button", "aria-label": t("Remove price"), title: t("Remove price") }, on: { click: () => { state.prices.splice(i, 1); renderPrices(); } } }),
      ),
    );
  });
}

function picture(product) {
  const wrap = h("div", { class: "as-picture", attrs: { id: "picture" } });
  if (!product.id) {
    wrap.append(h("p", { class: "as-muted", text: t("Save the product first, then add its picture.") }));
    return wrap;
  }
  const input = h("input", { attrs: { type: "file", accept: "image/jpeg,image/png,image/webp", id: "picture-file" }, class: "visually-hidden" });
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const r = await sendRaw("PUT", `/api/v1/admin/products/${product.id}/image`, file, file.type || "application/octet-stream");
    input.value = "";
    if (!r.ok) return showError(r);
    toast.ok(t("Picture saved."));
    open(r.data);
  });
  wrap.append(
    ...[
    product.image_url
      ? h("img", { class: "as-thumb", attrs: { src: product.image_url, alt: t("Picture of {name}", { name: product.name }) } })
      : h("div", { class: "as-thumb as-thumb-empty", text: t("No picture") }),
    h("label", { class: "btn", text: product.image_url ? t("Replace picture") : t("Upload picture"), attrs: { for: "picture-file" } }),
    input,
    product.image_url
      ? h("button", {
          class: "btn btn-ghost",
          text: t("Remove picture"),
          attrs: { type: "button" },
          on: {
            click: async () => {
              const r = await http.del(`/api/v1/admin/products/${product.id}/image`);
              if (!r.ok) return showError(r);
              open(r.data);
            },
          },
        })
      : null,
    h("p", { class: "hint as-muted", text: t("JPEG, PNG or WebP, at most 2 MB.") }),
    ].filter(Boolean),
  );
  return wrap;
}

function body() {
  const form = $("editor");
  const value = (name) => form.querySelector(`[name=${name}]`).value;
  const checked = (name) => form.querySelector(`[name=${name}]`).checked;
  return {
    sku: value("sku").trim(),
    name: value("name").trim(),
    category_id: Number(value("category_id")),
    base_unit: value("base_unit"),
    barcode: value("barcode").trim() || null,
    tax_rate: value("tax_rate").trim() || "0",
    station_code: value("station_code"),
    active: checked("active"),
    stock_tracked: checked("stock_tracked"),
    description: value("description"),
    units: state.units.map((u) => ({ unit: u.unit, factor: u.factor || "0", barcode: u.barcode || null })),
    prices: state.prices.map((p) => ({ price_list: p.price_list, unit: p.unit, price: p.price || "0", branch_id: p.branch_id })),
  };
}

async function save(event) {
  event.preventDefault();
  const form = $("editor");
  for (const marked of form.querySelectorAll("[aria-invalid=true]")) marked.removeAttribute("aria-invalid");
  // Empty required fields are caught here, in the browser's own words and language.
  if (!form.reportValidity()) return;
  const product = state.product;
  const r = product.id ? await http.put(`/api/v1/admin/products/${product.id}`, body()) : await http.post("/api/v1/admin/products", body());
  if (!r.ok) return showError(r, form);
  toast.ok(product.id ? t("Saved. Open tills have the change.") : t("Added. Open tills can sell it now."));
  await loadProducts();
  open(r.data);
}

async function remove() {
  const product = state.product;
  const sure = await confirm({
    title: t("Delete {name}?", { name: product.name }),
    message: t("A product that was ever sold cannot be deleted; take it off sale instead."),
    confirmLabel: t("Delete"),
    danger: true,
  });
  if (!sure) return;
  const r = await http.del(`/api/v1/admin/products/${product.id}`);
  if (!r.ok) return showError(r);
  toast.ok(t("Deleted."));
  close();
  await loadProducts();
}

// ------------------------------------------------------------------------------------------- categories

function defaultColour() {
  // A category without a colour shows the screen's muted tone (a colour input needs some value).
  return getComputedStyle(document.documentElement).getPropertyValue("--color-muted").trim();
}

function categoriesDialog() {
  const list = h("ol", { class: "as-categories" });
  const render = () => {
    clear(list);
    state.categories.forEach((category, i) => {
      const name = h("input", { class: "input", attrs: { value: category.name, "aria-label": t("Name of {code}", { code: category.code }) } });
      const colour = h("input", { class: "as-colour", attrs: { type: "color", value: category.color || defaultColour(), "aria-label": t("Colour of {name}", { name: category.name }) } });
      const saveOne = async () => {
        const r = await http.patch(`/api/v1/admin/categories/${category.id}`, { name: name.value.trim(), color: colour.value.toLowerCase() });
        if (!r.ok) return showError(r);
        toast.ok(t("Saved."));
        await loadCategories();
        render();
      };
      const move = async (step) => {
        const ids = state.categories.map((c) => c.id);
        const [moved] = ids.splice(i, 1);
        ids.splice(i + step, 0, moved);
        const r = await http.put("/api/v1/admin/categories/order", { ids });
        if (!r.ok) return showError(r);
        state.categories = r.data;
        render();
      };
      list.append(
        h(
          "li",
          { class: "as-category" },
          colour,
          name,
          h("span", { class: "as-muted", text: tn("{n} product", "{n} products", category.products) }),
          h("button", { class: "btn btn-ghost", text: "↑", attrs: { type: "button", "aria-label": t("Move {name} up", { name: category.name }), disabled: i === 0 }, on: { click: () => move(-1) } }),
          h("button", { class: "btn btn-ghost", text: "↓", attrs: { type: "button", "aria-label": t("Move {name} down", { name: category.name }), disabled: i === state.categories.length - 1 }, on: { click: () => move(1) } }),
          h("button", { class: "btn", text: t("Save"), attrs: { type: "button" }, on: { click: saveOne } }),
        ),
      );
    });
  };
  render();
  const code = h("input", { class: "input as-mono", attrs: { placeholder: "soups", dir: "ltr", autocomplete: "off" } });
  const name = h("input", { class: "input", attrs: { autocomplete: "off" } });
  const add = async () => {
    const r = await http.post("/api/v1/admin/categories", { code: code.value.trim(), name: name.value.trim() });
    if (!r.ok) return showError(r);
    code.value = name.value = "";
    await loadCategories();
    render();
  };
  modal({
    title: t("Categories"),
    body: [
      list,
      h("h3", { class: "as-subtitle", text: t("New category") }),
      h("div", { class: "as-line" }, field(t("Code"), code, "code", true), field(t("Name"), name, "name", true), h("button", { class: "btn", text: t("Add"), attrs: { type: "button" }, on: { click: add } })),
    ],
  });
}

// ------------------------------------------------------------------------------------------- bulk prices

function bulkDialog() {
  const mode = h("select", { class: "input" }, h("option", { text: t("By percent"), attrs: { value: "percent" } }), h("option", { text: t("By an amount"), attrs: { value: "fixed" } }));
  const value = h("input", { class: "input", attrs: { inputmode: "decimal", dir: "ltr", placeholder: "10" } });
  const category = h("select", { class: "input" }, ...state.categories.map((c) => h("option", { text: c.name, attrs: { value: c.id } })));
  const list = h("select", { class: "input" }, h("option", { text: t("Every list"), attrs: { value: "" } }), ...Object.entries(LIST_LABELS).map(([code, label]) => h("option", { text: label, attrs: { value: code } })));
  const preview = h("div", { class: "as-preview", attrs: { "aria-live": "polite" } });
  const apply = h("button", { class: "btn btn-primary", text: t("Apply"), attrs: { type: "button", disabled: true } });
  const request = (applyIt) => ({
    mode: mode.value,
    value: value.value.trim() || "0",
    category_id: Number(category.value),
    price_list: list.value || null,
    apply: applyIt,
  });
  const show = async () => {
    const r = await http.post("/api/v1/admin/prices/bulk", request(false));
    apply.disabled = !r.ok;
    clear(preview);
    if (!r.ok) return showError(r);
    const branchName = (id) => (id === null ? t("All branches") : ((boot.branches || []).find((b) => b.id === id) || {}).name || id);
    preview.append(
      h("p", { text: tn("{n} price will change:", "{n} prices will change:", r.data.rows.length) }),
      h(
        "table",
        { class: "table" },
        h("thead", {}, h("tr", {}, ...[t("SKU"), t("Name"), t("Price list"), t("Unit"), t("Branch"), t("Now"), tp("new value", "New")].map((x) => h("th", { text: x, attrs: { scope: "col" } })))),
        h(
          "tbody",
          {},
          ...r.data.rows.map((row) =>
            h(
              "tr",
              {},
              h("td", { class: "as-mono", text: row.sku }),
              h("td", { text: row.name }),
              h("td", { text: LIST_LABELS[row.price_list] || row.price_list }),
              h("td", { text: UNIT_LABELS[row.unit] || row.unit }),
              h("td", { text: branchName(row.branch_id) }),
              h("td", { class: "num", text: money(row.before, currency) }),
              h("td", { class: "num", text: money(row.after, currency) }),
            ),
          ),
        ),
      ),
    );
  };
  apply.addEventListener("click", async () => {
    const r = await http.post("/api/v1/admin/prices/bulk", request(true));
    if (!r.ok) return showError(r);
    toast.ok(tn("{n} price changed.", "{n} prices changed.", r.data.rows.length));
    apply.disabled = true;
    await loadProducts();
  });
  modal({
    title: t("Change prices"),
    body: [
      h(
        "div",
        { class: "as-line" },
        field(t("Category"), category, "category_id", true),
        field(t("Price list"), list, "price_list", true),
        field(t("How"), mode, "mode", true),
        field(t("Change (negative lowers)"), value, "value", true),
        h("button", { class: "btn", text: t("Preview"), attrs: { type: "button", id: "bulk-preview" }, on: { click: show } }),
      ),
      preview,
    ],
    actions: [apply],
  });
}

// ------------------------------------------------------------------------------------------- CSV import

function importDialog() {
  const file = h("input", { attrs: { type: "file", accept: ".csv,text/csv", id: "import-file" } });
  const report = h("div", { class: "as-preview", attrs: { "aria-live": "polite" } });
  const run = h("button", { class: "btn btn-primary", text: t("Import"), attrs: { type: "button", disabled: true, id: "import-run" } });
  const send = async (apply) => {
    const chosen = file.files && file.files[0];
    if (!chosen) return null;
    return sendRaw("POST", `/api/v1/admin/catalog/import?apply=${apply}`, chosen, "text/csv");
  };
  const check = async () => {
    clear(report);
    run.disabled = true;
    const r = await send(false);
    if (!r) return;
    if (!r.ok) {
      const errors = (r.error.body && r.error.body.errors) || [];
      report.append(h("p", { class: "error", attrs: { role: "alert" }, text: errors.length > 1 ? t("Nothing was imported. Fix these rows and try again:") : r.error.message }));
      if (errors.length) {
        report.append(
          h(
            "table",
            { class: "table", attrs: { id: "import-errors" } },
            h("thead", {}, h("tr", {}, h("th", { text: t("Line"), attrs: { scope: "col" } }), h("th", { text: t("Column"), attrs: { scope: "col" } }), h("th", { text: t("Problem"), attrs: { scope: "col" } }))),
            h("tbody", {}, ...errors.map((e) => h("tr", {}, h("td", { class: "num", text: e.line }), h("td", { class: "as-mono", text: e.column || "—" }), h("td", { text: e.message })))),
          ),
        );
      }
      return;
    }
    const d = r.data;
    report.append(h("p", { attrs: { id: "import-summary" }, text: t("{rows} rows: {created} new, {updated} changed, {unchanged} unchanged.", d) }));
    run.disabled = d.created + d.updated === 0;
  };
  file.addEventListener("change", check);
  run.addEventListener("click", async () => {
    const r = await send(true);
    if (!r || !r.ok) return r && showError(r);
    toast.ok(t("Imported: {created} new, {updated} changed.", r.data));
    run.disabled = true;
    await loadCategories();
    await loadProducts();
  });
  modal({
    title: t("Import CSV"),
    body: [
      h("p", { class: "as-muted", text: t("The file is checked first; nothing is written unless every row is right. Start from Export CSV to get the columns.") }),
      h("label", { class: "field" }, h("span", { class: "label", text: t("CSV file") }), file),
      report,
    ],
    actions: [run],
  });
}

// ------------------------------------------------------------------------------------------- wiring

let searchTimer = null;
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.page = 1;
    loadProducts();
  }, 250);
});
for (const id of ["category-filter", "active-filter"]) {
  $(id).addEventListener("change", () => {
    state.page = 1;
    loadProducts();
  });
}
$("prev-page").addEventListener("click", () => {
  state.page -= 1;
  loadProducts();
});
$("next-page").addEventListener("click", () => {
  state.page += 1;
  loadProducts();
});
$("new-product").addEventListener("click", () => open(blank()));
$("editor").addEventListener("submit", save);
$("open-categories").addEventListener("click", categoriesDialog);
$("open-bulk").addEventListener("click", bulkDialog);
$("open-import").addEventListener("click", importDialog);

(async () => {
  await loadCategories();
  await loadProducts();
  document.body.dataset.ready = "";
})();
