// People (/admin/people). Staff accounts: roles (a manager never sees the admin role, the server refuses it
// anyway), custom roles, branches; deactivate (their sessions end at once), new password, clear the second
// factor, set the PIN that switches user on a signed-in till. Admins define custom roles here too.

import { clear, h } from "/static/js/shared/dom.js";
import { confirm, prompt } from "/static/js/shared/dialog.js";
import { dateTime, listText } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tn, tp } from "/static/js/shared/i18n.js";
import { pageData as boot } from "/static/js/shared/page.js";
import { toast } from "/static/js/shared/toast.js";
import { field, modal, showError } from "/static/js/admin/common.js";
import { paySection } from "/static/js/admin/pay_rates.js";
import { clockSection } from "/static/js/admin/time_entries.js";

const ROLE_LABELS = {
  admin: tp("role", "Admin"),
  manager: t("Manager"),
  cashier: t("Cashier"),
  kitchen: t("Kitchen"),
  courier: t("Courier"),
  hr: t("HR"),
};
const state = { rows: [], total: 0, person: null, roles: [], permissions: [] };
const $ = (id) => document.getElementById(id);

function branchNames(ids) {
  return listText((boot.branches || []).filter((b) => ids.includes(b.id)).map((b) => b.name)) || "—";
}

async function load() {
  const query = new URLSearchParams({ page_size: 200 });
  const q = $("search").value.trim();
  if (q) query.set("q", q);
  const r = await http.get(`/api/v1/admin/users?${query}`);
  if (!r.ok) return showError(r);
  state.rows = r.data.items;
  state.total = r.data.total;
  render();
}

async function loadRoles() {
  const [roles, permissions] = await Promise.all([http.get("/api/v1/admin/roles"), http.get("/api/v1/admin/permissions")]);
  if (roles.ok) state.roles = roles.data;
  if (permissions.ok) state.permissions = permissions.data;
}

function render() {
  const body = $("people-rows");
  clear(body);
  for (const row of state.rows) {
    const selected = state.person && state.person.id === row.id;
    const custom = state.roles.filter((r) => row.custom_role_ids.includes(r.id)).map((r) => r.name);
    body.append(
      h(
        "tr",
        {
          class: ["as-row", selected ? "is-selected" : ""],
          attrs: { tabindex: "0", "aria-selected": selected ? "true" : "false" },
          dataset: { username: row.username },
          on: { click: () => open(row), keydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(row); } } },
        },
        h("td", {}, h("bdi", { text: row.full_name || row.username }), h("div", { class: "as-muted as-mono", text: row.username })),
        h("td", { text: listText([...row.roles.map((r) => ROLE_LABELS[r] || r), ...custom]) }),
        h("td", { text: branchNames(row.branch_ids) }),
        h(
          "td",
          {},
          h("span", { class: row.is_active ? "badge badge-ok" : "badge badge-danger", text: row.is_active ? t("Active") : t("Deactivated") }),
          row.pin_locked ? h("span", { class: "badge badge-warn", text: t("PIN locked") }) : null,
        ),
      ),
    );
  }
  $("people-total").textContent = tn("{n} person", "{n} people", state.total);
}

function blank() {
  return { id: null, username: "", full_name: "", roles: ["cashier"], custom_role_ids: [], branch_ids: (boot.branches || []).slice(0, 1).map((b) => b.id), employee_code: null, phone: null, is_active: true, has_totp: false, has_pin: false, pin_locked: false, last_login_at: null };
}

function checks(name, options, chosen, legend) {
  return h(
    "fieldset",
    { class: "as-checks as-fieldset" },
    legend ? h("legend", { class: "as-subtitle", text: legend }) : null,
    ...options.map(([value, label]) =>
      h("label", { class: "as-check" }, h("input", { attrs: { type: "checkbox", name, value, checked: chosen.includes(value) } }), label),
    ),
  );
}

function open(person) {
  state.person = person;
  render();
  const form = $("editor");
  form.hidden = false;
  $("editor-empty").hidden = true;
  $("editor-title").textContent = person.id ? person.full_name || person.username : t("Add a person");
  clear(form);
  const input = (name, value, extra = {}) => h("input", { class: "input", attrs: { name, value: value ?? "", autocomplete: "off", ...extra } });
  const roles = Object.entries(ROLE_LABELS).filter(([code]) => code !== "admin" || boot.is_admin);
  form.append(
    h(
      "div",
      { class: "as-grid" },
      field(t("Full name"), input("full_name", person.full_name), "full_name"),
      person.id ? h("p", { class: "as-muted", text: t("Username: {username}", { username: person.username }) }) : field(t("Username"), input("username", "", { dir: "ltr", required: true }), "username"),
      person.id ? null : field(t("Password (10 characters or more)"), input("password", "", { type: "password", autocomplete: "new-password" }), "password"),
      field(t("Employee code"), input("employee_code", person.employee_code, { dir: "ltr" }), "employee_code"),
      field(t("Phone"), input("phone", person.phone, { type: "tel", dir: "ltr" }), "phone"),
    ),
    checks("roles", roles, person.roles, t("Roles")),
    ...(state.roles.length ? [checks("custom_role_ids", state.roles.map((r) => [String(r.id), r.name]), person.custom_role_ids.map(String), t("Custom roles"))] : []),
    checks("branch_ids", (boot.branches || []).map((b) => [String(b.id), b.name]), person.branch_ids.map(String), t("Branches")),
  );
  if (person.id) {
    form.append(
      h(
        "dl",
        { class: "as-kv" },
        h("dt", { text: t("Last sign-in") }),
        h("dd", { text: person.last_login_at ? dateTime(person.last_login_at) : t("never") }),
        h("dt", { text: t("Second factor") }),
        h("dd", { text: person.has_totp ? t("set up") : t("none") }),
        h("dt", { text: t("Till PIN") }),
        h("dd", { text: person.pin_locked ? t("locked") : person.has_pin ? t("set") : t("none") }),
      ),
      h(
        "div",
        { class: "toolbar" },
        h("button", { class: "btn", text: person.is_active ? t("Deactivate") : t("Activate"), attrs: { type: "button", id: "toggle-active" }, on: { click: () => toggleActive(person) } }),
        h("button", { class: "btn", text: t("New password"), attrs: { type: "button" }, on: { click: () => newPassword(person) } }),
        h("button", { class: "btn", text: t("Clear second factor"), attrs: { type: "button" }, on: { click: () => clearTotp(person) } }),
        h("button", { class: "btn", text: t("Set till PIN"), attrs: { type: "button" }, on: { click: () => setPin(person) } }),
      ),
    );
    if (boot.is_admin || !person.roles.includes("admin")) form.append(paySection(person, boot), clockSection(person));
  }
  form.append(
    h(
      "div",
      { class: "as-actions" },
      h("span", { class: "spacer" }),
      h("button", { class: "btn", text: t("Close"), attrs: { type: "button" }, on: { click: close } }),
      h("button", { class: "btn btn-primary", text: t("Save"), attrs: { type: "submit", id: "save-person" } }),
    ),
  );
}

function close() {
  state.person = null;
  $("editor").hidden = true;
  $("editor-empty").hidden = false;
  $("editor-title").textContent = t("Choose a person or add one");
  render();
}

function body() {
  const form = $("editor");
  const value = (name) => (form.querySelector(`[name=${name}]`) || { value: "" }).value.trim();
  const checked = (name) => [...form.querySelectorAll(`[name=${name}]:checked`)].map((x) => x.value);
  const out = {
    full_name: value("full_name"),
    roles: checked("roles"),
    custom_role_ids: checked("custom_role_ids").map(Number),
    branch_ids: checked("branch_ids").map(Number),
    employee_code: value("employee_code") || null,
    phone: value("phone") || null,
  };
  if (!state.person.id) {
    out.username = value("username").toLowerCase();
    out.password = form.querySelector("[name=password]").value;
  }
  return out;
}

async function after(r, message) {
  if (!r.ok) return showError(r, $("editor"));
  toast.ok(message);
  await load();
  open(r.data.user || r.data);
}

async function save(event) {
  event.preventDefault();
  const person = state.person;
  const r = person.id ? await http.put(`/api/v1/admin/users/${person.id}`, body()) : await http.post("/api/v1/admin/users", body());
  await after(r, person.id ? t("Saved. Their sessions ended; the new roles apply at their next sign-in.") : t("Added."));
}

async function toggleActive(person) {
  if (person.is_active) {
    const sure = await confirm({ title: t("Deactivate {name}?", { name: person.full_name || person.username }), message: t("They are signed out everywhere at once and cannot sign in again."), confirmLabel: t("Deactivate"), danger: true });
    if (!sure) return;
  }
  const r = await http.post(`/api/v1/admin/users/${person.id}/${person.is_active ? "deactivate" : "activate"}`);
  await after(r, person.is_active ? t("Deactivated; signed out everywhere.") : t("Active again."));
}

async function newPassword(person) {
  const password = await prompt({ title: t("New password for {name}", { name: person.username }), label: t("Password (10 characters or more)"), type: "password", required: true });
  if (!password) return;
  await after(await http.post(`/api/v1/admin/users/${person.id}/password`, { password }), t("Password changed; signed out everywhere."));
}

async function clearTotp(person) {
  const sure = await confirm({ title: t("Clear the second factor of {name}?", { name: person.username }), message: t("They set up a new one at their next sign-in."), confirmLabel: t("Clear") });
  if (sure) await after(await http.post(`/api/v1/admin/users/${person.id}/totp-reset`), t("Second factor cleared."));
}

async function setPin(person) {
  const pin = await prompt({ title: t("Till PIN for {name}", { name: person.username }), label: t("4 to 8 digits"), type: "password", required: true });
  if (pin) await after(await http.put(`/api/v1/admin/users/${person.id}/pin`, { pin }), t("PIN set."));
}

function rolesDialog() {
  const list = h("div");
  const render = () => {
    clear(list);
    for (const role of state.roles) {
      list.append(h("p", {}, h("strong", { text: role.name }), " — ", listText(role.permissions.map((p) => ROLE_LABELS[p] || p)), h("span", { class: "as-muted", text: ` (${tn("{n} person", "{n} people", role.users)})` })));
    }
    if (!state.roles.length) list.append(h("p", { class: "empty", text: t("No custom roles yet.") }));
  };
  render();
  const name = h("input", { class: "input", attrs: { autocomplete: "off" } });
  const perms = checks("permissions", state.permissions.map((p) => [p.code, p.label]), [], t("Permissions"));
  const add = async () => {
    const permissions = [...perms.querySelectorAll("input:checked")].map((x) => x.value);
    const r = await http.post("/api/v1/admin/roles", { name: name.value.trim(), permissions });
    if (!r.ok) return showError(r);
    await loadRoles();
    render();
    name.value = "";
  };
  modal({
    title: t("Custom roles"),
    body: [
      list,
      boot.is_admin
        ? h("div", {}, h("h3", { class: "as-subtitle", text: t("New role") }), field(t("Name"), name, "name"), perms, h("button", { class: "btn btn-primary", text: t("Add role"), attrs: { type: "button" }, on: { click: add } }))
        : h("p", { class: "as-muted", text: t("Only an admin defines roles; you can give people the ones that exist.") }),
    ],
  });
}

let timer = null;
$("search").addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(load, 250);
});
$("new-person").addEventListener("click", () => open(blank()));
$("editor").addEventListener("submit", save);
$("open-roles").addEventListener("click", rolesDialog);

(async () => {
  await loadRoles();
  await load();
  document.body.dataset.ready = "";
})();
