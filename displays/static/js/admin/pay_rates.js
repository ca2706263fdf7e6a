// The People screen's "Hourly pay" part: a person's rates (general, and per branch), each from a day on,
// and a small form to set one. A new rate never rewrites hours already worked: it starts on its day.
// The server decides who may see whose pay (a manager never sees an admin's); this part only asks.

import { clear, h } from "/static/js/shared/dom.js";
import { date, money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { field, showError } from "/static/js/admin/common.js";

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The section for `person` (an existing account); `boot` is the page's data (branches, currency). */
export function paySection(person, boot) {
  const branches = (boot.branches || []).filter((b) => person.branch_ids.includes(b.id));
  const currencyOf = (branchId) => {
    const branch = (boot.branches || []).find((b) => b.id === branchId) || branches[0];
    return branch ? branch.currency : boot.currency;
  };
  const list = h("tbody");
  const rate = h("input", { class: "input", attrs: { name: "hourly_rate", inputmode: "decimal", dir: "ltr", autocomplete: "off", required: true, placeholder: "0.00" } });
  const where = h(
    "select",
    { class: "input", attrs: { name: "rate_branch" } },
    h("option", { text: t("Every branch"), attrs: { value: "" } }),
    ...branches.map((b) => h("option", { text: b.name, attrs: { value: String(b.id) } })),
  );
  const from = h("input", { class: "input", attrs: { name: "effective_from", type: "date", value: today() } });
  const section = h(
    "fieldset",
    { class: "as-fieldset", attrs: { id: "pay-rates" } },
    h("legend", { class: "as-subtitle", text: t("Hourly pay") }),
    h(
      "table",
      { class: "table as-table" },
      h("thead", {}, h("tr", {}, h("th", { text: t("Where") }), h("th", { text: t("Per hour"), class: "n" }), h("th", { text: t("From") }))),
      list,
    ),
    h(
      "div",
      { class: "as-grid" },
      field(t("Rate per hour"), rate, "hourly_rate"),
      field(t("At"), where, "branch_id"),
      field(t("From"), from, "effective_from"),
    ),
    h("div", { class: "toolbar" }, h("button", { class: "btn", text: t("Set the rate"), attrs: { type: "button", id: "set-rate" }, on: { click: save } })),
  );

  function show(rates) {
    clear(list);
    if (!rates.length) {
      list.append(h("tr", {}, h("td", { class: "empty", text: t("No rate yet: their hours cost nothing in the labour report."), attrs: { colspan: "3" } })));
      return;
    }
    for (const r of rates) {
      list.append(
        h(
          "tr",
          {},
          h("td", {}, h("bdi", { text: r.branch_name || t("Every branch") })),
          h("td", { class: "n", text: money(r.hourly_rate, currencyOf(r.branch_id)) }),
          h("td", { text: date(`${r.effective_from}T12:00:00`) }),
        ),
      );
    }
  }

  async function load() {
    const r = await http.get(`/api/v1/admin/users/${person.id}/rates`);
    if (r.ok) show(r.data);
    else section.hidden = true; // not theirs to see: the section goes
  }

  async function save() {
    const body = { hourly_rate: rate.value.trim(), effective_from: from.value || null, branch_id: where.value ? Number(where.value) : null };
    const r = await http.put(`/api/v1/admin/users/${person.id}/rates`, body);
    if (!r.ok) return showError(r, section);
    show(r.data);
    for (const marked of section.querySelectorAll('[aria-invalid="true"]')) marked.removeAttribute("aria-invalid");
    rate.value = "";
    toast.ok(t("Rate saved."));
  }

  // The section sits inside the person's form: Enter here sets the rate, never saves (and signs out) the person.
  for (const control of [rate, from]) {
    control.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        save();
      }
    });
  }
  load();
  return section;
}
