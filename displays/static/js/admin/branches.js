// Branches (/admin/branches): a branch's settings, its dated seller tax registrations, its kitchen stations,
// tills, walk-in queue (services and counters), delivery territories and couriers, and how long an order may
// sit in each state before the board raises an alert. A change of money rules reaches the branch's tills by
// itself (catalog.changed); a queue change its kiosk and counters (queue.setup_changed). Admins open branches.

import { clear, h } from "/static/js/shared/dom.js";
import { date, number } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { pageData as boot } from "/static/js/shared/page.js";
import { field, modal, showError } from "/static/js/admin/common.js";
import { couriersSection, territoriesSection } from "/static/js/admin/branch_delivery.js";
import { queueSection } from "/static/js/admin/branch_queue.js";
import { tillsSection } from "/static/js/admin/branch_tills.js";

const STATES = { received: t("Received"), preparing: t("Preparing"), ready: t("Ready"), out_for_delivery: t("Out for delivery"), returned: t("Returned") };
const MONTHS = Array.from({ length: 12 }, (_, i) => new Date(2026, i, 1).toLocaleDateString(document.documentElement.lang || "en", { month: "long" }));
const state = { branches: [], branch: null };
const $ = (id) => document.getElementById(id);

async function load() {
  const r = await http.get("/api/v1/admin/branches");
  if (!r.ok) return showError(r);
  state.branches = r.data;
  render();
  $("branches-empty").hidden = state.branches.length > 0;
  if (state.branches.length && !state.branch) open(state.branches[0]);
}

/** An admin opens a branch: its code and the settings without which nothing can be sold. */
function newBranch() {
  const input = (name, attrs = {}) => h("input", { class: "input", attrs: { name, autocomplete: "off", ...attrs } });
  const code = input("code", { dir: "ltr", maxlength: "10", placeholder: "DQ" });
  const name = input("name");
  // The first branch: this browser's own zone is the likeliest; later ones start from the first branch's.
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone = input("timezone", { dir: "ltr", value: boot.branches.length ? boot.timezone : here || "UTC" });
  const currency = input("currency", { dir: "ltr", maxlength: "3", value: boot.currency || "EGP" });
  const form = h(
    "form",
    { attrs: { id: "new-branch", novalidate: true } },
    h("div", { class: "as-grid" }, field(t("Code (2 to 10 capital letters or digits)"), code, "code"), field(t("Name"), name, "name"), field(t("Time zone"), zone, "timezone"), field(t("Currency"), currency, "currency")),
  );
  const create = h("button", { class: "btn btn-primary", text: t("Open branch"), attrs: { type: "button", id: "create-branch" } });
  const dialog = modal({ title: t("New branch"), body: [form], actions: [create], wide: false });
  create.addEventListener("click", async () => {
    const r = await http.post("/api/v1/admin/branches", { code: code.value.trim().toUpperCase(), name: name.value.trim(), timezone: zone.value.trim(), currency: currency.value.trim().toUpperCase() });
    if (!r.ok) return showError(r, form);
    dialog.close();
    toast.ok(t("Branch {code} opened. Set up its tills, stations and taxes below.", { code: r.data.code }));
    state.branches = [...state.branches, r.data];
    open(r.data);
    $("branches-empty").hidden = true;
  });
}

function render() {
  const body = $("branch-rows");
  clear(body);
  for (const b of state.branches) {
    const selected = state.branch && state.branch.id === b.id;
    body.append(
      h(
        "tr",
        { class: ["as-row", selected ? "is-selected" : ""], attrs: { tabindex: "0", "aria-selected": selected ? "true" : "false" }, on: { click: () => open(b), keydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(b); } } } },
        h("td", { class: "as-mono", text: b.code }),
        h("td", { text: b.name }),
        h("td", { text: b.currency }),
      ),
    );
  }
}

// Half hours from 4 h to 12 h, and whatever the branch has if it is not one of them (set through the API).
function overtimeChoices(current) {
  const minutes = [];
  for (let m = 240; m <= 720; m += 30) minutes.push(m);
  if (!minutes.includes(current)) minutes.push(current);
  return minutes
    .sort((a, b) => a - b)
    .map((m) => {
      const text = m % 60 ? t("{hours} h {minutes} min", { hours: number(Math.floor(m / 60)), minutes: number(m % 60) }) : t("{hours} h", { hours: number(m / 60) });
      return h("option", { text, attrs: { value: m, selected: m === current } });
    });
}

function open(branch) {
  state.branch = branch;
  render();
  $("editor-title").textContent = t("{name} ({code})", { name: branch.name, code: branch.code });
  const box = $("editor");
  clear(box);
  const input = (name, value, extra = {}) => h("input", { class: "input", attrs: { name, value: value ?? "", autocomplete: "off", ...extra } });
  const settings = h(
    "form",
    { attrs: { id: "settings", novalidate: true }, on: { submit: saveSettings } },
    h(
      "div",
      { class: "as-grid" },
      field(t("Name"), input("name", branch.name), "name"),
      field(t("Time zone"), input("timezone", branch.timezone, { dir: "ltr" }), "timezone"),
      field(t("Currency"), input("currency", branch.currency, { dir: "ltr", maxlength: "3" }), "currency"),
      field(t("Cash rounding (0 for none)"), input("cash_rounding", branch.cash_rounding, { inputmode: "decimal", dir: "ltr" }), "cash_rounding"),
      field(
        t("Fiscal year starts in"),
        h("select", { class: "input", attrs: { name: "fiscal_year_start_month" } }, ...MONTHS.map((m, i) => h("option", { text: m, attrs: { value: i + 1, selected: i + 1 === branch.fiscal_year_start_month } }))),
        "fiscal_year_start_month",
      ),
      field(t("Country (reads local phone numbers)"), input("country", branch.country, { dir: "ltr", maxlength: "2", placeholder: "EG" }), "country"),
      field(t("Address"), input("address", branch.address), "address"),
      field(t("Phone"), input("phone", branch.phone, { dir: "ltr", type: "tel" }), "phone"),
      field(
        t("Overtime after (work in a day)"),
        h("select", { class: "input", attrs: { name: "overtime_after_minutes" } }, ...overtimeChoices(branch.overtime_after_minutes)),
        "overtime_after_minutes",
      ),
    ),
    h("label", { class: "as-check" }, h("input", { attrs: { type: "checkbox", name: "prices_include_tax", checked: branch.prices_include_tax } }), t("Prices include tax")),
    field(t("Receipt header"), h("textarea", { class: "input", text: branch.receipt_header, attrs: { name: "receipt_header", rows: "2" } }), "receipt_header"),
    field(t("Receipt footer"), h("textarea", { class: "input", text: branch.receipt_footer, attrs: { name: "receipt_footer", rows: "2" } }), "receipt_footer"),
    h("div", { class: "toolbar" }, h("span", { class: "spacer" }), h("button", { class: "btn btn-primary", text: t("Save settings"), attrs: { type: "submit", id: "save-settings" } })),
  );
  box.append(
    settings,
    locale(branch),
    taxNumbers(branch),
    stations(branch),
    tillsSection(branch),
    queueSection(branch),
    couriersSection(branch),
    territoriesSection(),
    limits(branch),
  );
}

async function saveSettings(event) {
  event.preventDefault();
  const form = $("settings");
  const value = (name) => form.querySelector(`[name=${name}]`).value.trim();
  const branch = state.branch;
  const r = await http.put(`/api/v1/admin/branches/${branch.id}`, {
    name: value("name"),
    timezone: value("timezone"),
    currency: value("currency").toUpperCase(),
    cash_rounding: value("cash_rounding") || "0",
    fiscal_year_start_month: Number(value("fiscal_year_start_month")),
    prices_include_tax: form.querySelector("[name=prices_include_tax]").checked,
    country: value("country").toUpperCase() || null,
    address: value("address"),
    phone: value("phone"),
    receipt_header: form.querySelector("[name=receipt_header]").value,
    receipt_footer: form.querySelector("[name=receipt_footer]").value,
    overtime_after_minutes: Number(value("overtime_after_minutes")),
    active: branch.active,
  });
  if (!r.ok) return showError(r, form);
  toast.ok(t("Saved. The branch's tills have the change."));
  replace(r.data);
}

function replace(branch) {
  state.branches = state.branches.map((b) => (b.id === branch.id ? branch : b));
  open(branch);
}

function locale(branch) {
  const language = h(
    "select",
    { class: "input" },
    h("option", { text: "English", attrs: { value: "en", lang: "en", selected: branch.language === "en" } }),
    h("option", { text: "العربية", attrs: { value: "ar", lang: "ar", selected: branch.language === "ar" } }),
  );
  const digits = h(
    "select",
    { class: "input" },
    h("option", { text: t("Latin digits (0123)"), attrs: { value: "latn", selected: branch.digits === "latn" } }),
    h("option", { text: t("Arabic digits (٠١٢٣)"), attrs: { value: "arab", selected: branch.digits === "arab" } }),
  );
  const save = async () => {
    const r = await http.put(`/api/v1/branches/${branch.id}/locale`, { language: language.value, digits: digits.value });
    if (!r.ok) return showError(r);
    toast.ok(t("Saved. The branch's screens follow it unless a person chose their own language."));
    replace({ ...branch, language: language.value, digits: digits.value });
  };
  return h(
    "section",
    {},
    h("h3", { class: "as-subtitle", text: t("Language of the branch's screens and receipts") }),
    h("div", { class: "as-line" }, field(t("Language"), language, "language", true), field(t("Digits"), digits, "digits", true), h("button", { class: "btn", text: t("Save language"), attrs: { type: "button", id: "save-locale" }, on: { click: save } })),
  );
}

function taxNumbers(branch) {
  const number = h("input", { class: "input", attrs: { dir: "ltr", autocomplete: "off" } });
  const from = h("input", { class: "input", attrs: { type: "date" } });
  const to = h("input", { class: "input", attrs: { type: "date" } });
  const add = async () => {
    const r = await http.post(`/api/v1/admin/branches/${branch.id}/tax-numbers`, { tax_number: number.value.trim(), valid_from: from.value, valid_to: to.value || null });
    if (!r.ok) return showError(r);
    toast.ok(t("Tax registration added."));
    replace(r.data);
  };
  return h(
    "section",
    {},
    h("h3", { class: "as-subtitle", text: t("Seller tax registrations") }),
    h(
      "table",
      { class: "table" },
      h("thead", {}, h("tr", {}, ...[t("Tax number"), t("Valid from"), t("Valid to")].map((x) => h("th", { text: x, attrs: { scope: "col" } })))),
      h("tbody", {}, ...branch.tax_numbers.map((n) => h("tr", {}, h("td", { class: "as-mono", text: n.tax_number }), h("td", { text: date(n.valid_from) }), h("td", { text: n.valid_to ? date(n.valid_to) : t("until further notice") })))),
    ),
    branch.tax_numbers.length ? null : h("p", { class: "as-muted", text: t("No registration yet: invoices print no seller tax number until you add one.") }),
    h("div", { class: "as-line" }, field(t("Tax number"), number, "tax_number", true), field(t("Valid from"), from, "valid_from", true), field(t("Valid to (optional)"), to, "valid_to", true), h("button", { class: "btn", text: t("Add"), attrs: { type: "button" }, on: { click: add } })),
  );
}

function stations(branch) {
  const rows = branch.stations.map((s) => {
    const name = h("input", { class: "input", attrs: { value: s.name } });
    const warn = h("input", { class: "input", attrs: { value: s.warn_after_seconds, inputmode: "numeric" } });
    const late = h("input", { class: "input", attrs: { value: s.late_after_seconds, inputmode: "numeric" } });
    const save = async () => {
      const r = await http.put(`/api/v1/admin/branches/${branch.id}/stations/${s.id}`, { code: s.code, name: name.value.trim(), warn_after_seconds: Number(warn.value), late_after_seconds: Number(late.value), sort_order: s.sort_order });
      if (!r.ok) return showError(r);
      toast.ok(t("Saved."));
      replace(r.data);
    };
    return h(
      "div",
      { class: "as-line" },
      h("strong", { class: "as-mono", text: s.code }),
      field(t("Name"), name, "name", true),
      field(t("Amber after (s)"), warn, "warn_after_seconds", true),
      field(t("Red after (s)"), late, "late_after_seconds", true),
      h("button", { class: "btn", text: t("Save"), attrs: { type: "button" }, on: { click: save } }),
    );
  });
  const code = h("input", { class: "input as-mono", attrs: { dir: "ltr", autocomplete: "off", placeholder: "grill" } });
  const name = h("input", { class: "input", attrs: { autocomplete: "off" } });
  const add = async () => {
    const r = await http.post(`/api/v1/admin/branches/${branch.id}/stations`, { code: code.value.trim(), name: name.value.trim() });
    if (!r.ok) return showError(r);
    replace(r.data);
  };
  return h(
    "section",
    {},
    h("h3", { class: "as-subtitle", text: t("Kitchen stations") }),
    rows.length ? null : h("p", { class: "as-muted", text: t("No stations yet: add one for each kitchen screen (grill, drinks…).") }),
    ...rows,
    h("div", { class: "as-line" }, field(t("New station code"), code, "code", true), field(t("Name"), name, "name", true), h("button", { class: "btn", text: t("Add station"), attrs: { type: "button" }, on: { click: add } })),
  );
}

function limits(branch) {
  const inputs = Object.fromEntries(
    Object.keys(STATES).map((s) => [s, h("input", { class: "input", attrs: { value: branch.state_limits[s] ? Math.round(branch.state_limits[s] / 60) : "", inputmode: "numeric" } })]),
  );
  const save = async () => {
    const body = {};
    for (const [s, input] of Object.entries(inputs)) if (input.value.trim()) body[s] = Number(input.value) * 60;
    const r = await http.put(`/api/v1/branches/${branch.id}/state-limits`, body);
    if (!r.ok) return showError(r);
    toast.ok(t("Alert limits saved."));
    replace({ ...branch, state_limits: r.data.limits });
  };
  return h(
    "section",
    {},
    h("h3", { class: "as-subtitle", text: t("Alert when an order waits longer than (minutes)") }),
    h("div", { class: "as-line" }, ...Object.entries(STATES).map(([s, label]) => field(label, inputs[s], s, true)), h("button", { class: "btn", text: t("Save limits"), attrs: { type: "button" }, on: { click: save } })),
  );
}

if (boot.is_admin) {
  const button = $("new-branch-button");
  button.hidden = false;
  button.addEventListener("click", newBranch);
}

(async () => {
  await load();
  document.body.dataset.ready = "";
})();
