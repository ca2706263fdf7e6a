// The audit log (/admin/audit): every change with who made it and when; the chosen one's values before and
// after, side by side, the changed ones marked. Filters: person, kind of record, action, dates.

import { clear, h } from "/static/js/shared/dom.js";
import { dateTime } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { showError } from "/static/js/admin/common.js";

const PAGE_SIZE = 50;
const state = { page: 1, total: 0, rows: [], chosen: null };
const $ = (id) => document.getElementById(id);

function options(select, first, values) {
  select.replaceChildren(h("option", { text: first, attrs: { value: "" } }), ...values.map(([value, label]) => h("option", { text: label, attrs: { value } })));
}

async function loadFacets() {
  const r = await http.get("/api/v1/admin/audit/facets");
  if (!r.ok) return showError(r);
  options($("actor"), t("Everyone"), r.data.actors.map((a) => [a.id, a.full_name || a.username]));
  options($("entity-type"), t("Every kind of record"), r.data.entity_types.map((k) => [k, k]));
  const prefixes = [...new Set(r.data.actions.map((a) => a.split(".")[0]))];
  options($("action"), t("Every action"), [...prefixes.map((p) => [p, `${p}.*`]), ...r.data.actions.map((a) => [a, a])]);
}

async function load() {
  const query = new URLSearchParams({ page: state.page, page_size: PAGE_SIZE });
  const pairs = { actor_id: "actor", entity_type: "entity-type", action: "action", from: "date-from", to: "date-to" };
  for (const [key, id] of Object.entries(pairs)) if ($(id).value) query.set(key, $(id).value);
  const r = await http.get(`/api/v1/admin/audit?${query}`);
  if (!r.ok) return showError(r);
  state.rows = r.data.items;
  state.total = r.data.total;
  render();
}

function render() {
  const body = $("entry-rows");
  clear(body);
  for (const row of state.rows) {
    const selected = state.chosen && state.chosen.id === row.id;
    body.append(
      h(
        "tr",
        {
          class: ["as-row", selected ? "is-selected" : ""],
          attrs: { tabindex: "0", "aria-selected": selected ? "true" : "false" },
          on: {
            click: () => choose(row),
            keydown: (e) => {
              if (e.key === "Enter" || e.key === " ") {
                e.preventDefault();
                choose(row);
              }
            },
          },
        },
        h("td", { text: dateTime(row.ts) }),
        h("td", { text: row.actor ? row.actor.full_name || row.actor.username : t("the system") }),
        h("td", { class: "as-mono", text: row.action }),
        h("td", { class: "as-mono", text: row.entity_type ? `${row.entity_type} ${row.entity_id || ""}` : "—" }),
      ),
    );
  }
  if (!state.rows.length) body.append(h("tr", {}, h("td", { class: "empty", text: t("Nothing was changed that matches."), attrs: { colspan: "4" } })));
  const pages = Math.max(1, Math.ceil(state.total / PAGE_SIZE));
  $("entry-total").textContent = tn("{n} change", "{n} changes", state.total);
  $("page-label").textContent = t("Page {page} of {pages}", { page: state.page, pages });
  $("prev-page").disabled = state.page <= 1;
  $("next-page").disabled = state.page >= pages;
}

function text(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function choose(row) {
  state.chosen = row;
  render();
  const detail = $("detail");
  clear(detail);
  detail.append(
    h(
      "dl",
      { class: "as-kv" },
      h("dt", { text: t("When") }),
      h("dd", { text: dateTime(row.ts) }),
      h("dt", { text: t("Who") }),
      h("dd", { text: row.actor ? `${row.actor.full_name || row.actor.username} (${row.actor.username})` : t("the system") }),
      h("dt", { text: t("Action") }),
      h("dd", { class: "as-mono", text: row.action }),
      h("dt", { text: t("Record") }),
      h("dd", { class: "as-mono", text: row.entity_type ? `${row.entity_type} ${row.entity_id || ""}` : "—" }),
    ),
  );
  const data = row.data || {};
  if ("before" in data || "after" in data) {
    const before = data.before && typeof data.before === "object" ? data.before : { value: data.before };
    const after = data.after && typeof data.after === "object" ? data.after : { value: data.after };
    // What changed first; the unchanged rest below it for context.
    const all = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    const differs = (key) => text(before[key]) !== text(after[key]);
    const keys = [...all.filter(differs), ...all.filter((key) => !differs(key))];
    detail.append(
      h(
        "table",
        { class: "table as-diff-table", attrs: { id: "diff" } },
        h("thead", {}, h("tr", {}, h("th", { text: t("Field"), attrs: { scope: "col" } }), h("th", { text: t("Before"), attrs: { scope: "col" } }), h("th", { text: t("After"), attrs: { scope: "col" } }))),
        h(
          "tbody",
          {},
          ...keys.map((key) => {
            const was = text(before[key]);
            const now = text(after[key]);
            return h(
              "tr",
              { class: was !== now ? "as-changed" : "" },
              h("th", { class: "as-mono", text: key, attrs: { scope: "row" } }),
              h("td", {}, h("pre", { class: "as-json", text: was })),
              h("td", {}, h("pre", { class: "as-json", text: now })),
            );
          }),
        ),
      ),
    );
    const rest = Object.fromEntries(Object.entries(data).filter(([k]) => k !== "before" && k !== "after"));
    if (Object.keys(rest).length) detail.append(h("pre", { class: "as-json", text: JSON.stringify(rest, null, 2) }));
  } else {
    detail.append(h("pre", { class: "as-json", text: JSON.stringify(data, null, 2) }));
  }
}

for (const id of ["actor", "entity-type", "action", "date-from", "date-to"]) {
  $(id).addEventListener("change", () => {
    state.page = 1;
    load();
  });
}
$("prev-page").addEventListener("click", () => {
  state.page -= 1;
  load();
});
$("next-page").addEventListener("click", () => {
  state.page += 1;
  load();
});

(async () => {
  await loadFacets();
  await load();
  document.body.dataset.ready = "";
})();
