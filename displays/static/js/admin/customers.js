// The customer book (/admin/customers). The list (search; filters by branch, balance and last order; pages)
// beside the chosen customer's record: balance against credit limit, last orders, the statement, and the
// form to change them. Phones are typed however people type them; the server reads them in the branch's
// country, so "0100 555 0002" and "+20 100 555 0002" are one number (a 409 names who has it already).

import { clear, h } from "/static/js/shared/dom.js";
import { confirm } from "/static/js/shared/dialog.js";
import { date, dateTime, money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { cmp } from "/static/js/shared/money.js";
import { pageData as boot } from "/static/js/shared/page.js";
import { toast } from "/static/js/shared/toast.js";
import { field, modal, showError } from "/static/js/admin/common.js";

const PAGE_SIZE = 25;
const currency = boot.currency;
const state = { page: 1, total: 0, rows: [], record: null, territories: [] };
const $ = (id) => document.getElementById(id);

function daysAgo(n) {
  const d = new Date(Date.now() - n * 86_400_000);
  return d.toISOString().slice(0, 10);
}

function branchName(id) {
  const found = (boot.branches || []).find((b) => b.id === id);
  return found ? found.name : "";
}

// ------------------------------------------------------------------------------------------- the list

async function loadRows() {
  const query = new URLSearchParams({ page: state.page, page_size: PAGE_SIZE });
  const q = $("search").value.trim();
  if (q) query.set("q", q);
  if ($("branch-filter").value) query.set("branch_id", $("branch-filter").value);
  const balance = $("balance-filter").value;
  if (balance === "owing") query.set("owing", "true");
  if (balance === "clear") query.set("owing", "false");
  if (balance === "over") query.set("over_limit", "true");
  const order = Number($("order-filter").value || 0);
  if (order > 0) query.set("ordered_since", daysAgo(order));
  if (order < 0) query.set("not_ordered_since", daysAgo(-order));
  const r = await http.get(`/api/v1/admin/customers?${query}`);
  if (!r.ok) return showError(r);
  state.rows = r.data.items;
  state.total = r.data.total;
  render();
}

function balanceCell(row) {
  const owing = cmp(row.balance, 0) > 0;
  const over = owing && cmp(row.balance, row.credit_limit) > 0;
  return h("td", { class: ["num", over ? "as-balance-over" : owing ? "as-balance-owing" : ""], text: money(row.balance, currency) });
}

function render() {
  const body = $("customer-rows");
  clear(body);
  for (const row of state.rows) {
    const selected = state.record && state.record.id === row.id;
    body.append(
      h(
        "tr",
        {
          class: ["as-row", selected ? "is-selected" : ""],
          attrs: { tabindex: "0", "aria-selected": selected ? "true" : "false" },
          dataset: { id: row.id },
          on: {
            click: () => show(row.id),
            keydown: (e) => {
              if (e.key === "Enter" || e.key === " ") {
                e.preventDefault();
                show(row.id);
              }
            },
          },
        },
        h("td", {}, h("bdi", { text: row.name }), row.company_name ? h("div", { class: "as-muted", text: row.company_name }) : null),
        h("td", { class: "as-mono", attrs: { dir: "ltr" }, text: row.phone || "—" }),
        balanceCell(row),
        h("td", { class: "num", text: row.orders }),
        h("td", { text: row.last_order_at ? date(row.last_order_at) : "—" }),
      ),
    );
  }
  if (!state.rows.length) body.append(h("tr", {}, h("td", { class: "empty", text: t("No customers match."), attrs: { colspan: "5" } })));
  const pages = Math.max(1, Math.ceil(state.total / PAGE_SIZE));
  $("customer-total").textContent = tn("{n} customer", "{n} customers", state.total);
  $("page-label").textContent = t("Page {page} of {pages}", { page: state.page, pages });
  $("prev-page").disabled = state.page <= 1;
  $("next-page").disabled = state.page >= pages;
}

// ------------------------------------------------------------------------------------------- one customer

async function show(id) {
  const r = await http.get(`/api/v1/admin/customers/${id}`);
  if (!r.ok) return showError(r);
  open(r.data);
}

function blank() {
  return {
    id: null,
    name: "",
    company_name: null,
    tax_number: null,
    email: null,
    note: "",
    credit_limit: "0.00",
    balance: "0.00",
    home_branch_id: (boot.branches || [])[0] ? boot.branches[0].id : null,
    phones: [{ phone: "", is_primary: true }],
    addresses: [],
    orders: 0,
    last_orders: [],
  };
}

function open(record) {
  state.record = record;
  render();
  $("editor-empty").hidden = true;
  $("editor-title").textContent = record.id ? record.name : t("New customer");
  renderRecord(record);
  renderForm(record);
}

function close() {
  state.record = null;
  $("record").hidden = true;
  $("editor").hidden = true;
  $("editor-empty").hidden = false;
  $("editor-title").textContent = t("Choose a customer or add one");
  render();
}

function renderRecord(record) {
  const box = $("record");
  clear(box);
  box.hidden = !record.id;
  if (!record.id) return;
  box.append(
    h(
      "dl",
      { class: "as-kv" },
      h("dt", { text: t("Balance") }),
      h("dd", { attrs: { id: "record-balance" }, text: money(record.balance, currency) }),
      h("dt", { text: t("Credit limit") }),
      h("dd", { text: money(record.credit_limit, currency) }),
      h("dt", { text: t("Orders") }),
      h("dd", { text: record.orders }),
    ),
    h(
      "div",
      { class: "toolbar" },
      h("button", { class: "btn", text: t("Statement"), attrs: { type: "button", id: "open-statement" }, on: { click: () => statement(record) } }),
      h("button", { class: "btn", text: t("Merge another customer into this one"), attrs: { type: "button" }, on: { click: () => mergeInto(record) } }),
    ),
  );
  if (record.last_orders.length) {
    box.append(
      h("h3", { class: "as-subtitle", text: t("Last orders") }),
      h(
        "table",
        { class: "table" },
        h("thead", {}, h("tr", {}, ...[t("When"), t("Branch"), t("State"), t("Total")].map((x) => h("th", { text: x, attrs: { scope: "col" } })))),
        h(
          "tbody",
          {},
          ...record.last_orders.map((o) =>
            h("tr", {}, h("td", { text: dateTime(o.created_at) }), h("td", { text: branchName(o.branch_id) }), h("td", { text: o.state }), h("td", { class: "num", text: money(o.total, currency) })),
          ),
        ),
      ),
    );
  }
}

function renderForm(record) {
  const form = $("editor");
  form.hidden = false;
  clear(form);
  const input = (name, value, extra = {}) => h("input", { class: "input", attrs: { name, value: value ?? "", autocomplete: "off", ...extra } });
  const branch = h(
    "select",
    { class: "input", attrs: { name: "branch_id" } },
    ...(boot.branches || []).map((b) => h("option", { text: b.name, attrs: { value: b.id, selected: b.id === record.home_branch_id } })),
  );
  state.phones = record.phones.map((p) => p.phone);
  state.addresses = record.addresses.map((a) => ({ label: a.label, address: a.address, territory_id: a.territory_id, is_default: a.is_default }));
  form.append(
    h(
      "div",
      { class: "as-grid" },
      field(t("Name"), input("name", record.name, { required: true }), "name"),
      field(t("Company"), input("company_name", record.company_name), "company_name"),
      field(t("Tax number"), input("tax_number", record.tax_number, { dir: "ltr" }), "tax_number"),
      field(t("E-mail"), input("email", record.email, { type: "email", dir: "ltr" }), "email"),
      field(t("Credit limit ({currency})", { currency }), input("credit_limit", record.credit_limit, { inputmode: "decimal", dir: "ltr" }), "credit_limit"),
      field(t("Home branch (reads local phone numbers)"), branch, "branch_id"),
    ),
    h("h3", { class: "as-subtitle", text: t("Phones") }),
    h("div", { attrs: { id: "phones" } }),
    h("button", { class: "btn", text: t("Add phone"), attrs: { type: "button" }, on: { click: () => { state.phones.push(""); renderPhones(); } } }),
    h("h3", { class: "as-subtitle", text: t("Addresses") }),
    h("div", { attrs: { id: "addresses" } }),
    h("button", { class: "btn", text: t("Add address"), attrs: { type: "button" }, on: { click: () => { state.addresses.push({ label: "", address: "", territory_id: null, is_default: !state.addresses.length }); renderAddresses(); } } }),
    field(t("Note"), h("textarea", { class: "input", text: record.note, attrs: { name: "note", rows: "2" } }), "note"),
    h(
      "div",
      { class: "as-actions" },
      record.id ? h("button", { class: "btn btn-danger", text: t("Delete"), attrs: { type: "button", id: "delete-customer" }, on: { click: () => remove(record) } }) : null,
      h("span", { class: "spacer" }),
      h("button", { class: "btn", text: t("Close"), attrs: { type: "button" }, on: { click: close } }),
      h("button", { class: "btn btn-primary", text: t("Save"), attrs: { type: "submit", id: "save-customer" } }),
    ),
  );
  renderPhones();
  renderAddresses();
}

function renderPhones() {
  const box = $("phones");
  clear(box);
  state.phones.forEach((phone, i) => {
    box.append(
      h(
        "div",
        { class: "as-line" },
        field(i === 0 ? t("Main phone") : t("Phone {n}", { n: i + 1 }), h("input", { class: "input as-mono", attrs: { value: phone, type: "tel", dir: "ltr", autocomplete: "off" }, on: { input: (e) => { state.phones[i] = e.target.value; } } }), `phones[${i}]`, true),
        state.phones.length > 1 ? h("button", { class: "btn btn-ghost", text: t("Remove"), attrs: { type: "button", "aria-label": t("Remove phone {n}", { n: i + 1 }) }, on: { click: () => { state.phones.splice(i, 1); renderPhones(); } } }) : null,
      ),
    );
  });
}

function renderAddresses() {
  const box = $("addresses");
  clear(box);
  state.addresses.forEach((address, i) => {
    const territory = h(
      "select",
      { class: "input", on: { change: (e) => { address.territory_id = e.target.value ? Number(e.target.value) : null; } } },
      h("option", { text: t("No delivery area"), attrs: { value: "" } }),
      ...state.territories.map((tr) => h("option", { text: tr.name, attrs: { value: tr.id, selected: tr.id === address.territory_id } })),
    );
    box.append(
      h(
        "div",
        { class: "as-line" },
        field(t("Label"), h("input", { class: "input", attrs: { value: address.label, placeholder: t("Home") }, on: { input: (e) => { address.label = e.target.value; } } }), `addresses[${i}].label`, true),
        field(t("Address"), h("input", { class: "input", attrs: { value: address.address }, on: { input: (e) => { address.address = e.target.value; } } }), `addresses[${i}].address`, true),
        field(t("Delivery area"), territory, `addresses[${i}].territory_id`, true),
        h("button", { class: "btn btn-ghost", text: t("Remove"), attrs: { type: "button", "aria-label": t("Remove address {n}", { n: i + 1 }) }, on: { click: () => { state.addresses.splice(i, 1); renderAddresses(); } } }),
      ),
    );
  });
}

function body() {
  const form = $("editor");
  const value = (name) => form.querySelector(`[name=${name}]`).value.trim();
  return {
    name: value("name"),
    company_name: value("company_name") || null,
    tax_number: value("tax_number") || null,
    email: value("email") || null,
    credit_limit: value("credit_limit") || "0",
    note: form.querySelector("[name=note]").value,
    branch_id: Number(value("branch_id")) || null,
    phones: state.phones.map((p) => p.trim()).filter(Boolean),
    addresses: state.addresses.filter((a) => a.address.trim()).map((a, i) => ({ ...a, is_default: i === 0 })),
  };
}

async function save(event) {
  event.preventDefault();
  const form = $("editor");
  for (const marked of form.querySelectorAll("[aria-invalid=true]")) marked.removeAttribute("aria-invalid");
  const record = state.record;
  const r = record.id ? await http.put(`/api/v1/admin/customers/${record.id}`, body()) : await http.post("/api/v1/admin/customers", body());
  if (!r.ok) {
    const extra = r.error.body && r.error.body.extra;
    const named = Array.isArray(extra) ? extra[0] && extra[0].key : extra && extra.field;
    return showError({ ...r, error: { ...r.error, field: r.error.field || named } }, form);
  }
  toast.ok(t("Saved."));
  await loadRows();
  open(r.data);
}

async function remove(record) {
  const sure = await confirm({
    title: t("Delete {name}?", { name: record.name }),
    message: t("A customer with orders or invoices is kept for them, without their name, phones or addresses."),
    confirmLabel: t("Delete"),
    danger: true,
  });
  if (!sure) return;
  const r = await http.del(`/api/v1/admin/customers/${record.id}`);
  if (!r.ok) return showError(r);
  toast.ok(r.data.outcome === "anonymised" ? t("Anonymised: their orders and invoices stay.") : t("Deleted."));
  close();
  await loadRows();
}

// ------------------------------------------------------------------------------------------- merge, duplicates, statement

async function merge(into, source) {
  const r = await http.post(`/api/v1/admin/customers/${into}/merge`, { source_id: source });
  if (!r.ok) {
    showError(r);
    return false;
  }
  toast.ok(t("Merged into {name}.", { name: r.data.name }));
  await loadRows();
  await loadDuplicates();
  open(r.data);
  return true;
}

function mergeInto(record) {
  const search = h("input", { class: "input", attrs: { type: "search", autocomplete: "off" } });
  const results = h("ul", { class: "as-categories" });
  search.addEventListener("input", async () => {
    const q = search.value.trim();
    clear(results);
    if (q.length < 2) return;
    const r = await http.get(`/api/v1/admin/customers?${new URLSearchParams({ q, page_size: 10 })}`);
    if (!r.ok) return;
    for (const row of r.data.items.filter((c) => c.id !== record.id)) {
      results.append(
        h(
          "li",
          { class: "as-category" },
          h("span", { class: "as-grow", text: `${row.name} · ${row.phone || ""}` }),
          h("button", {
            class: "btn",
            text: t("Merge into {name}", { name: record.name }),
            attrs: { type: "button" },
            on: {
              click: async () => {
                const sure = await confirm({ title: t("Merge {source} into {into}?", { source: row.name, into: record.name }), message: t("Orders, invoices, phones and addresses move over; {source} is gone.", { source: row.name }), confirmLabel: t("Merge") });
                if (sure && (await merge(record.id, row.id))) dialog.close();
              },
            },
          }),
        ),
      );
    }
  });
  const dialog = modal({ title: t("Merge into {name}", { name: record.name }), body: [field(t("Find the other customer"), search, "q"), results] });
  search.focus();
}

async function loadDuplicates() {
  const r = await http.get("/api/v1/admin/customers/duplicates");
  if (!r.ok) return [];
  $("duplicate-count").textContent = r.data.length ? `(${r.data.length})` : "";
  return r.data;
}

async function duplicatesDialog() {
  const groups = await loadDuplicates();
  const list = h("div", { attrs: { id: "duplicate-groups" } });
  if (!groups.length) list.append(h("p", { class: "empty", text: t("No two customers share a phone number.") }));
  for (const group of groups) {
    const [keep, ...others] = group.customers;
    list.append(
      h(
        "div",
        { class: "card as-line" },
        h("strong", { class: "as-mono", attrs: { dir: "ltr" }, text: group.phone }),
        h("span", { class: "as-grow", text: group.customers.map((c) => `${c.name} (${tn("{n} order", "{n} orders", c.orders)})`).join(" · ") }),
        h("button", {
          class: "btn btn-primary",
          text: t("Keep {name}, merge the others", { name: keep.name }),
          attrs: { type: "button" },
          on: {
            click: async () => {
              for (const other of others) if (!(await merge(keep.id, other.id))) return;
              dialog.close();
            },
          },
        }),
      ),
    );
  }
  const dialog = modal({ title: t("Duplicates"), body: [h("p", { class: "as-muted", text: t("Customers whose numbers are one number once read the international way.") }), list] });
}

async function statement(record) {
  const r = await http.get(`/api/v1/customers/${record.id}/statement`);
  if (!r.ok) return showError(r);
  const s = r.data;
  modal({
    title: t("Statement of {name}", { name: s.customer_name }),
    body: [
      h("p", { text: t("Owes {amount} (credit limit {limit}).", { amount: money(s.closing_balance, currency), limit: money(s.credit_limit, currency) }) }),
      h(
        "table",
        { class: "table" },
        h("thead", {}, h("tr", {}, ...[t("When"), t("What"), t("Reference"), t("Amount"), t("On account"), t("Balance")].map((x) => h("th", { text: x, attrs: { scope: "col" } })))),
        h(
          "tbody",
          {},
          ...s.entries.map((e) =>
            h(
              "tr",
              {},
              h("td", { text: dateTime(e.at) }),
              h("td", { text: e.kind === "invoice" ? t("Invoice") : e.kind === "payment" ? t("Payment") : t("Refund") }),
              h("td", { class: "as-mono", text: e.reference }),
              h("td", { class: "num", text: money(e.amount, currency) }),
              h("td", { class: "num", text: money(e.account_change, currency) }),
              h("td", { class: "num", text: money(e.balance, currency) }),
            ),
          ),
        ),
      ),
    ],
  });
}

// ------------------------------------------------------------------------------------------- wiring

$("branch-filter").replaceChildren(
  h("option", { text: t("Every branch"), attrs: { value: "" } }),
  ...(boot.branches || []).map((b) => h("option", { text: b.name, attrs: { value: b.id } })),
);
let searchTimer = null;
$("search").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => {
    state.page = 1;
    loadRows();
  }, 250);
});
for (const id of ["branch-filter", "balance-filter", "order-filter"]) {
  $(id).addEventListener("change", () => {
    state.page = 1;
    loadRows();
  });
}
$("prev-page").addEventListener("click", () => {
  state.page -= 1;
  loadRows();
});
$("next-page").addEventListener("click", () => {
  state.page += 1;
  loadRows();
});
$("new-customer").addEventListener("click", () => open(blank()));
$("editor").addEventListener("submit", save);
$("open-duplicates").addEventListener("click", duplicatesDialog);

(async () => {
  const territories = await http.get("/api/v1/territories");
  if (territories.ok) state.territories = territories.data.filter((x) => x.active);
  await loadRows();
  await loadDuplicates();
  document.body.dataset.ready = "";
})();
