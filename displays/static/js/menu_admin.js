// The menu-depth admin page: modifier groups (with their options), each product's groups, allergens and
// prep time, the branch's 86 list and its stations' pacing. Reads GET /api/v1/menu?branch_id= once per
// branch and after each save; every write names the field at fault when the server refuses it.

import { clear, h, qs, qsa } from "/static/js/shared/dom.js";
import { money } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { pageData } from "/static/js/shared/page.js";
import { toast } from "/static/js/shared/toast.js";

const state = { branchId: pageData.branch_id, doc: null, editing: null };
const branchOf = (id) => pageData.branches.find((b) => b.id === id);
const SOURCES = { admin: t("manager"), kds: t("kitchen screen"), stock: t("stock ran out") };

function refused(result) {
  const { message, field } = result.error;
  toast.error(field && !message.startsWith(field) ? `${field}: ${message}` : message);
}

async function load() {
  const result = await http.get(`/api/v1/menu?branch_id=${state.branchId}`);
  if (!result.ok) return refused(result);
  state.doc = result.data;
  renderGroups();
  renderProducts();
  render86();
  renderPacing();
}

// ------------------------------------------------------------------------------------------ tabs

for (const tab of qsa('[role="tab"]')) {
  tab.addEventListener("click", () => {
    for (const other of qsa('[role="tab"]')) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      qs(`#${other.getAttribute("aria-controls")}`).hidden = !on;
    }
  });
}

// ------------------------------------------------------------------------------------------ groups

function describe(group) {
  const parts = [];
  if (group.min_choices > 0) parts.push(t("at least {n}", { n: group.min_choices }));
  parts.push(t("at most {n}", { n: group.max_choices }));
  if (group.free_choices > 0) parts.push(t("{n} free", { n: group.free_choices }));
  return parts.join(" · ");
}

function renderGroups() {
  const groups = state.doc.groups;
  qs("#groups").replaceChildren(
    ...(groups.length
      ? groups.map((group) =>
          h(
            "article",
            { class: ["card", "menu-group", group.active ? "" : "is-inactive"], dataset: { group: group.code } },
            h("h3", { text: group.name }, h("small", { text: ` ${describe(group)}` })),
            h(
              "ul",
              { class: "menu-options" },
              group.options
                .filter((o) => o.active)
                .map((o) =>
                  h("li", {
                    text: `${o.kind === "remove" ? "\u2013" : "+"} ${o.name}${Number(o.price_delta) ? ` ${money(o.price_delta)}` : ""}${o.station_code ? ` (${o.station_code})` : ""}`,
                  }),
                ),
            ),
            h("button", { class: "btn", text: t("Edit"), attrs: { type: "button" }, on: { click: () => editGroup(group) } }),
          ),
        )
      : [h("p", { class: "empty", text: t("No modifier groups yet.") })]),
  );
}

function optionRow(option = {}) {
  return h(
    "tr",
    { class: "menu-option-row" },
    h("td", {}, h("input", { class: "input", attrs: { name: "code", value: option.code || "", "aria-label": t("Code"), required: true, pattern: "[a-z][a-z0-9_]*" } })),
    h("td", {}, h("input", { class: "input", attrs: { name: "name", value: option.name || "", "aria-label": t("Name"), required: true } })),
    h(
      "td",
      {},
      h(
        "select",
        { class: "input", attrs: { name: "kind", "aria-label": t("Kind") } },
        h("option", { text: t("+ add"), attrs: { value: "add", selected: option.kind !== "remove" } }),
        h("option", { text: t("\u2013 remove"), attrs: { value: "remove", selected: option.kind === "remove" } }),
      ),
    ),
    h("td", {}, h("input", { class: "input", attrs: { name: "price_delta", value: option.price_delta || "0", inputmode: "decimal", "aria-label": t("Price delta") } })),
    h("td", {}, h("input", { class: "input", attrs: { name: "station_code", value: option.station_code || "", "aria-label": t("Station (optional)") } })),
    h(
      "td",
      {},
      h("button", {
        class: "btn btn-ghost",
        text: t("Remove"),
        attrs: { type: "button" },
        on: { click: (event) => event.target.closest("tr").remove() },
      }),
    ),
  );
}

function editGroup(group = null) {
  const editor = qs("#group-editor");
  const g = group || { code: "", name: "", min_choices: 0, max_choices: 1, free_choices: 0, options: [] };
  const number = (name, value, label) =>
    h("div", { class: "field" }, h("label", { text: label }, h("input", { class: "input", attrs: { name, value, type: "number", min: 0, max: 50, inputmode: "numeric" } })));
  const rows = h("tbody", {}, g.options.filter((o) => o.active !== false).map((o) => optionRow(o)));
  const form = h(
    "form",
    { class: "card menu-group-form", attrs: { autocomplete: "off" } },
    h("h3", { text: group ? t("Edit {name}", { name: group.name }) : t("New group") }),
    h(
      "div",
      { class: "menu-form-row" },
      h("div", { class: "field" }, h("label", { text: t("Code") }, h("input", { class: "input", attrs: { name: "group_code", value: g.code, required: true, readonly: Boolean(group), pattern: "[a-z][a-z0-9_]*" } }))),
      h("div", { class: "field" }, h("label", { text: t("Name") }, h("input", { class: "input", attrs: { name: "group_name", value: g.name, required: true } }))),
      number("min_choices", g.min_choices, t("At least")),
      number("max_choices", g.max_choices, t("At most")),
      number("free_choices", g.free_choices, t("Free picks")),
    ),
    h(
      "table",
      { class: "table" },
      h("thead", {}, h("tr", {}, [t("Code"), t("Name"), t("Kind"), t("Price delta"), t("Station (optional)"), ""].map((x) => h("th", { text: x })))),
      rows,
    ),
    h(
      "div",
      { class: "toolbar" },
      h("button", { class: "btn", text: t("Add option"), attrs: { type: "button" }, on: { click: () => rows.append(optionRow()) } }),
      h("span", { class: "spacer" }),
      h("button", { class: "btn btn-ghost", text: t("Cancel"), attrs: { type: "button" }, on: { click: () => (editor.hidden = true) } }),
      h("button", { class: "btn btn-primary", text: t("Save group"), attrs: { type: "submit" } }),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.elements.namedItem(name).value.trim();
    const body = {
      code: value("group_code"),
      name: value("group_name"),
      min_choices: Number(value("min_choices")),
      max_choices: Number(value("max_choices")),
      free_choices: Number(value("free_choices")),
      options: qsa(".menu-option-row", rows).map((row) => {
        const cell = (name) => qs(`[name="${name}"]`, row).value.trim();
        return {
          code: cell("code"),
          name: cell("name"),
          kind: cell("kind"),
          price_delta: cell("price_delta") || "0",
          station_code: cell("station_code") || null,
        };
      }),
    };
    const result = await http.put("/api/v1/menu/groups", body);
    if (!result.ok) return refused(result);
    toast.ok(t("{name} saved.", { name: result.data.name }));
    editor.hidden = true;
    await load();
  });
  editor.replaceChildren(form);
  editor.hidden = false;
  qs('[name="group_name"]', form).focus();
}

qs("#group-new").addEventListener("click", () => editGroup(null));

// ------------------------------------------------------------------------------------------ products

function chips(name, items, chosen) {
  return h(
    "fieldset",
    { class: "menu-chips" },
    h("legend", { class: "visually-hidden", text: name }),
    items.map((item) =>
      h(
        "label",
        { class: "menu-chip" },
        h("input", { attrs: { type: "checkbox", value: item.value, checked: chosen.includes(item.value) } }),
        ` ${item.label}`,
      ),
    ),
  );
}

function renderProducts() {
  const { products, groups, allergens } = state.doc;
  const groupItems = groups.filter((g) => g.active).map((g) => ({ value: String(g.id), label: g.name }));
  const allergenItems = allergens.map((a) => ({ value: a.code, label: t(a.name) }));
  qs("#products").replaceChildren(
    ...products.map((p) => {
      const groupsBox = chips(t("Modifier groups"), groupItems, p.group_ids.map(String));
      const allergenBox = chips(t("Allergens"), allergenItems, p.allergens);
      const prep = h("input", {
        class: "input menu-prep",
        attrs: { type: "number", min: 1, max: 86400, value: p.prep_seconds[p.station_code] || "", placeholder: "300", "aria-label": t("Prep time at {station} (seconds)", { station: p.station_code }) },
      });
      const save = h("button", { class: "btn btn-primary", text: t("Save"), attrs: { type: "button" } });
      save.addEventListener("click", async () => {
        const picked = (box) => qsa("input:checked", box).map((i) => i.value);
        const prepSeconds = { ...p.prep_seconds };
        if (prep.value) prepSeconds[p.station_code] = Number(prep.value);
        else delete prepSeconds[p.station_code];
        const result = await http.put(`/api/v1/menu/products/${p.product_id}`, {
          group_ids: picked(groupsBox).map(Number),
          allergens: picked(allergenBox),
          prep_seconds: prepSeconds,
        });
        if (!result.ok) return refused(result);
        toast.ok(t("{name} saved.", { name: p.name }));
      });
      return h(
        "article",
        { class: "card menu-product", dataset: { productId: p.product_id } },
        h("h3", { text: p.name }, h("small", { text: ` ${p.station_code}` })),
        h("h4", { text: t("Modifier groups") }),
        groupsBox,
        h("h4", { text: t("Allergens") }),
        allergenBox,
        h("label", { class: "field-inline" }, t("Prep time at {station} (seconds)", { station: p.station_code }), " ", prep),
        h("div", { class: "toolbar" }, save),
      );
    }),
  );
}

// ------------------------------------------------------------------------------------------ 86

function render86() {
  const { products, groups, unavailable } = state.doc;
  const target = qs("#eighty-six-target");
  const off = new Set(unavailable.map((u) => (u.product_id ? `p:${u.product_id}` : `o:${u.option_id}`)));
  target.replaceChildren(
    h("optgroup", { attrs: { label: t("Products") } }, products.filter((p) => !off.has(`p:${p.product_id}`)).map((p) => h("option", { text: p.name, attrs: { value: `p:${p.product_id}` } }))),
    ...groups.map((g) =>
      h(
        "optgroup",
        { attrs: { label: g.name } },
        g.options.filter((o) => o.active && !off.has(`o:${o.id}`)).map((o) => h("option", { text: o.name, attrs: { value: `o:${o.id}` } })),
      ),
    ),
  );
  const zone = (branchOf(state.branchId) || {}).timezone;
  qs("#eighty-six-list").replaceChildren(
    ...unavailable.map((u) =>
      h(
        "tr",
        { dataset: { target: u.product_id ? `p:${u.product_id}` : `o:${u.option_id}` } },
        h("td", {}, h("strong", { text: u.name })),
        h("td", { text: u.reason || "—" }),
        h("td", { text: SOURCES[u.source] || u.source }),
        h("td", { text: u.back_at ? new Date(u.back_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: zone }) : "—" }),
        h(
          "td",
          {},
          h("button", {
            class: "btn",
            text: t("Back on"),
            attrs: { type: "button" },
            on: {
              click: async () => {
                const query = u.product_id ? `product_id=${u.product_id}` : `option_id=${u.option_id}`;
                const result = await http.del(`/api/v1/menu/branches/${state.branchId}/unavailable?${query}`);
                if (!result.ok) return refused(result);
                await load();
              },
            },
          }),
        ),
      ),
    ),
  );
  qs("#eighty-six-empty").hidden = unavailable.length > 0;
}

qs("#eighty-six-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const [kind, id] = qs("#eighty-six-target").value.split(":");
  const body = { reason: qs("#eighty-six-reason").value.trim() };
  body[kind === "p" ? "product_id" : "option_id"] = Number(id);
  const until = qs("#eighty-six-until").value;
  if (until) {
    const [hours, minutes] = until.split(":").map(Number);
    const at = new Date();
    at.setHours(hours, minutes, 0, 0);
    body.back_at = at.toISOString();
  }
  const result = await http.post(`/api/v1/menu/branches/${state.branchId}/unavailable`, body);
  if (!result.ok) return refused(result);
  toast.ok(t("{name} is 86'd: every till hides it now.", { name: result.data.name }));
  event.target.reset();
  await load();
});

// ------------------------------------------------------------------------------------------ pacing

function renderPacing() {
  const branch = branchOf(state.branchId);
  const stations = (branch && branch.stations) || [];
  qs("#pacing").replaceChildren(
    ...(stations.length
      ? stations.map((station) => {
          const capacity = h("input", { class: "input", attrs: { type: "number", min: 1, max: 10000, inputmode: "numeric", "aria-label": t("Items per 15 minutes") } });
          const cooks = h("input", { class: "input", attrs: { type: "number", min: 1, max: 50, value: 1, inputmode: "numeric", "aria-label": t("Cooks") } });
          const save = h("button", { class: "btn btn-primary", text: t("Save"), attrs: { type: "button" } });
          save.addEventListener("click", async () => {
            const result = await http.put(`/api/v1/menu/branches/${state.branchId}/pacing/${station.code}`, {
              items_per_15min: Number(capacity.value),
              cooks: Number(cooks.value || 1),
            });
            if (!result.ok) return refused(result);
            toast.ok(t("{name} saved.", { name: station.name }));
          });
          return h(
            "div",
            { class: "card menu-pacing", dataset: { station: station.code } },
            h("h3", { text: station.name }),
            h("label", { class: "field-inline" }, t("Items per 15 minutes"), " ", capacity),
            h("label", { class: "field-inline" }, t("Cooks"), " ", cooks),
            save,
          );
        })
      : [h("p", { class: "empty", text: t("This branch has no stations.") })]),
  );
}

// ------------------------------------------------------------------------------------------ branch

const picker = qs("#branch");
picker.replaceChildren(...pageData.branches.map((b) => h("option", { text: b.name, attrs: { value: b.id, selected: b.id === state.branchId } })));
picker.addEventListener("change", () => {
  state.branchId = Number(picker.value);
  load();
});
clear(qs("#group-editor")).hidden = true;
load();
