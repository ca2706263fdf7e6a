// Delivery on /admin/branches: the territories (shared by every branch: what the customer pays, what the
// courier earns) and this branch's couriers, each linked to the login they use on /courier.

import { h } from "/static/js/shared/dom.js";
import { isolatePaths } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { field, showError } from "/static/js/admin/common.js";

const input = (value, attrs = {}) => h("input", { class: "input", attrs: { value: value ?? "", autocomplete: "off", ...attrs } });
const money = (value) => input(value, { inputmode: "decimal", dir: "ltr" });
const box = (label, checked) => {
  const el = h("input", { attrs: { type: "checkbox", checked } });
  return [el, h("label", { class: "as-check" }, el, label)];
};

export function territoriesSection() {
  const section = h("section", { attrs: { id: "territories", "aria-labelledby": "territories-title" } }, h("h3", { class: "as-subtitle", text: t("Delivery territories (every branch)"), attrs: { id: "territories-title" } }));
  const body = h("div", {}, h("p", { class: "as-muted", text: t("Loading…") }));
  section.append(body);

  const save = async (id, payload, where, message) => {
    const r = id ? await http.put(`/api/v1/admin/territories/${id}`, payload) : await http.post("/api/v1/admin/territories", payload);
    if (!r.ok) return showError(r, where);
    toast.ok(message);
    load();
  };

  function row(tr) {
    const name = input(tr.name);
    const charge = money(tr.delivery_charge);
    const fee = money(tr.courier_fee);
    const [active, activeLabel] = box(t("In use"), tr.active);
    const line = h(
      "div",
      { class: ["as-line", tr.active ? "" : "is-off"], dataset: { territory: tr.code } },
      h("strong", { class: "as-mono as-code", text: tr.code, attrs: { dir: "ltr" } }),
      field(t("Name"), name, "name", true),
      field(t("Delivery charge"), charge, "delivery_charge", true),
      field(t("Courier fee"), fee, "courier_fee", true),
      activeLabel,
      h("button", { class: "btn", text: t("Save"), attrs: { type: "button" }, on: { click: () => save(tr.id, { code: tr.code, name: name.value.trim(), delivery_charge: charge.value.trim() || "0", courier_fee: fee.value.trim() || "0", active: active.checked }, line, t("Saved.")) } }),
    );
    return line;
  }

  function adder() {
    const code = input("", { dir: "ltr", placeholder: "DQ", class: "input as-mono", maxlength: "10" });
    const name = input("");
    const charge = money("");
    const fee = money("");
    const line = h(
      "div",
      { class: "as-line" },
      field(t("New territory code"), code, "code", true),
      field(t("Name"), name, "name", true),
      field(t("Delivery charge"), charge, "delivery_charge", true),
      field(t("Courier fee"), fee, "courier_fee", true),
      h("button", { class: "btn", text: t("Add territory"), attrs: { type: "button", id: "add-territory" }, on: { click: () => save(null, { code: code.value.trim().toUpperCase(), name: name.value.trim(), delivery_charge: charge.value.trim() || "0", courier_fee: fee.value.trim() || "0" }, line, t("Territory added.")) } }),
    );
    return line;
  }

  async function load() {
    const r = await http.get("/api/v1/admin/territories");
    if (!r.ok) return body.replaceChildren(h("p", { class: "problem", text: r.error.message }));
    const empty = r.data.length ? [] : [h("p", { class: "as-muted", text: t("No territories yet: add one before taking delivery orders.") })];
    body.replaceChildren(...empty, ...r.data.map(row), adder());
  }

  load();
  return section;
}

export function couriersSection(branch) {
  const section = h("section", { attrs: { id: "couriers", "aria-labelledby": "couriers-title" } }, h("h3", { class: "as-subtitle", text: t("Couriers"), attrs: { id: "couriers-title" } }));
  const body = h("div", {}, h("p", { class: "as-muted", text: t("Loading…") }));
  section.append(body);
  const base = `/api/v1/admin/branches/${branch.id}/couriers`;
  let logins = [];

  const loginSelect = (chosen) =>
    h(
      "select",
      { class: "input" },
      h("option", { text: t("No login"), attrs: { value: "" } }),
      ...logins.map((u) => h("option", { text: u.full_name ? `${u.full_name} (${u.username})` : u.username, attrs: { value: u.id, selected: u.id === chosen } })),
    );

  const save = async (id, payload, where, message) => {
    const r = id ? await http.put(`${base}/${id}`, payload) : await http.post(base, payload);
    if (!r.ok) return showError(r, where);
    toast.ok(message);
    load();
  };

  function row(c) {
    const name = input(c.name);
    const phone = input(c.phone, { type: "tel", dir: "ltr" });
    const vehicle = input(c.vehicle);
    const login = loginSelect(c.user_id);
    const [active, activeLabel] = box(t("Working"), c.active);
    const line = h(
      "div",
      { class: ["as-line", c.active ? "" : "is-off"], dataset: { courier: String(c.id) } },
      field(t("Name"), name, "name", true),
      field(t("Phone"), phone, "phone", true),
      field(t("Vehicle"), vehicle, "vehicle", true),
      field(isolatePaths(t("Login on /courier")), login, "user_id", true),
      activeLabel,
      h("button", { class: "btn", text: t("Save"), attrs: { type: "button" }, on: { click: () => save(c.id, { name: name.value.trim(), phone: phone.value.trim(), vehicle: vehicle.value.trim(), user_id: login.value ? Number(login.value) : null, active: active.checked }, line, t("Saved.")) } }),
    );
    return line;
  }

  function adder() {
    const name = input("");
    const phone = input("", { type: "tel", dir: "ltr" });
    const login = loginSelect(null);
    const line = h(
      "div",
      { class: "as-line" },
      field(t("New courier"), name, "name", true),
      field(t("Phone"), phone, "phone", true),
      field(isolatePaths(t("Login on /courier")), login, "user_id", true),
      h("button", { class: "btn", text: t("Add courier"), attrs: { type: "button", id: "add-courier" }, on: { click: () => save(null, { name: name.value.trim(), phone: phone.value.trim(), user_id: login.value ? Number(login.value) : null }, line, t("Courier added.")) } }),
    );
    return line;
  }

  async function load() {
    const [couriers, people] = await Promise.all([http.get(base), http.get(`/api/v1/admin/users?branch_id=${branch.id}&role=courier&active=true&page_size=100`)]);
    if (!couriers.ok) return body.replaceChildren(h("p", { class: "problem", text: couriers.error.message }));
    logins = people.ok ? people.data.items : [];
    body.replaceChildren(
      ...(couriers.data.length ? [] : [h("p", { class: "as-muted", attrs: { id: "couriers-empty" }, text: isolatePaths(t("No couriers yet. A courier who signs in on /courier needs a login with the courier role (People).")) })]),
      ...couriers.data.map(row),
      adder(),
    );
  }

  load();
  return section;
}
