// The branch's walk-in queue on /admin/branches: the services its kiosk offers (name, expected minutes per
// customer, order, on/off) and its counters. A change reaches the open kiosk and counter screens by itself
// (queue.setup_changed); the API names the field it refuses.

import { h } from "/static/js/shared/dom.js";
import { http } from "/static/js/shared/http.js";
import { t, tp } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";
import { field, showError } from "/static/js/admin/common.js";

const input = (value, attrs = {}) => h("input", { class: "input", attrs: { value: value ?? "", autocomplete: "off", ...attrs } });
const check = (label, checked) => {
  const box = h("input", { attrs: { type: "checkbox", checked } });
  return [box, h("label", { class: "as-check" }, box, label)];
};
const minutes = (seconds) => (seconds ? String(Math.round((seconds / 60) * 10) / 10) : "");
const seconds = (text) => (text.trim() ? Math.round(Number(text.replace(",", ".")) * 60) : null);

/** Up and down buttons that move item `index` of `list` and send the new order. */
function mover(list, index, label, send) {
  const swap = (to) => {
    const order = list.slice();
    [order[index], order[to]] = [order[to], order[index]];
    send(order);
  };
  return h(
    "span",
    { class: "as-move" },
    h("button", { class: "btn btn-ghost as-x", text: "↑", attrs: { type: "button", disabled: index === 0, "aria-label": t("Move {name} up", { name: label }) }, on: { click: () => swap(index - 1) } }),
    h("button", { class: "btn btn-ghost as-x", text: "↓", attrs: { type: "button", disabled: index === list.length - 1, "aria-label": t("Move {name} down", { name: label }) }, on: { click: () => swap(index + 1) } }),
  );
}

export function queueSection(branch) {
  const box = h("section", { attrs: { id: "queue-setup", "aria-labelledby": "queue-title" } }, h("h3", { class: "as-subtitle", text: t("Walk-in queue"), attrs: { id: "queue-title" } }));
  const body = h("div", {}, h("p", { class: "as-muted", text: t("Loading…") }));
  box.append(body);
  const base = `/api/v1/admin/branches/${branch.id}/queue`;

  const draw = (setup) => body.replaceChildren(services(setup), counters(setup));
  const send = async (method, path, payload, where, message) => {
    const r = await http[method](`${base}${path}`, payload);
    if (!r.ok) return showError(r, where);
    toast.ok(message);
    draw(r.data);
  };

  function services(setup) {
    const codes = setup.services.map((s) => s.code);
    const rows = setup.services.map((s, index) => {
      const name = input(s.name);
      const avg = input(minutes(s.average_seconds), { inputmode: "decimal", dir: "ltr" });
      const [active, activeLabel] = check(t("Offered"), s.active);
      const row = h(
        "div",
        { class: ["as-line", "as-queue-row", s.active ? "" : "is-off"], dataset: { service: s.code } },
        h("strong", { class: "as-mono as-code", text: s.code, attrs: { dir: "ltr" } }),
        field(t("Name on the kiosk"), name, "name", true),
        field(t("Minutes per customer"), avg, "average_seconds", true),
        activeLabel,
        h("button", {
          class: "btn",
          text: t("Save"),
          attrs: { type: "button" },
          on: { click: () => send("put", `/services/${s.code}`, { name: name.value.trim(), average_seconds: seconds(avg.value), active: active.checked }, row, t("Saved. The kiosk shows it now.")) },
        }),
        mover(codes, index, s.name, (order) => send("put", "/service-order", { codes: order }, row, t("Order saved."))),
      );
      return row;
    });
    const code = input("", { dir: "ltr", placeholder: "parcels", class: "input as-mono" });
    const name = input("");
    const avg = input("", { inputmode: "decimal", dir: "ltr" });
    const adder = h(
      "div",
      { class: "as-line" },
      field(t("New service code"), code, "code", true),
      field(t("Name on the kiosk"), name, "name", true),
      field(t("Minutes per customer (optional)"), avg, "average_seconds", true),
      h("button", {
        class: "btn",
        text: t("Add service"),
        attrs: { type: "button", id: "add-service" },
        on: { click: () => send("post", "/services", { code: code.value.trim(), name: name.value.trim(), average_seconds: seconds(avg.value) }, adder, t("Service added. The kiosk offers it now.")) },
      }),
    );
    return h(
      "div",
      { attrs: { id: "queue-services" } },
      h("h4", { class: "as-minor", text: t("Services the kiosk offers") }),
      setup.customised ? null : h("p", { class: "as-muted", text: t("The built-in services until you change one.") }),
      ...rows,
      adder,
    );
  }

  function counters(setup) {
    const ids = setup.counters.map((c) => c.id);
    const rows = setup.counters.map((c, index) => {
      const name = input(c.name, { maxlength: "20" });
      const [active, activeLabel] = check(tp("queue window", "Open"), c.active);
      const row = h(
        "div",
        { class: ["as-line", "as-queue-row", c.active ? "" : "is-off"], dataset: { counter: String(c.id) } },
        field(t("Counter name"), name, "name", true),
        activeLabel,
        h("button", { class: "btn", text: t("Save"), attrs: { type: "button" }, on: { click: () => send("put", `/counters/${c.id}`, { name: name.value.trim(), active: active.checked }, row, t("Saved. The counter screens have it now.")) } }),
        mover(ids, index, c.name, (order) => send("put", "/counter-order", { ids: order }, row, t("Order saved."))),
      );
      return row;
    });
    const name = input("", { maxlength: "20", placeholder: t("e.g. 3") });
    const adder = h(
      "div",
      { class: "as-line" },
      field(t("New counter"), name, "name", true),
      h("button", { class: "btn", text: t("Add counter"), attrs: { type: "button", id: "add-counter" }, on: { click: () => send("post", "/counters", { name: name.value.trim() }, adder, t("Counter added.")) } }),
    );
    return h(
      "div",
      { attrs: { id: "queue-counters" } },
      h("h4", { class: "as-minor", text: t("Counters") }),
      rows.length ? null : h("p", { class: "as-muted", attrs: { id: "counters-empty" }, text: t("No counters yet: each counter tablet names its own. Add them so clerks pick from the list and the TV calls the right names.") }),
      ...rows,
      adder,
    );
  }

  http.get(base).then((r) => (r.ok ? draw(r.data) : body.replaceChildren(h("p", { class: "problem", text: r.error.message }))));
  return box;
}
