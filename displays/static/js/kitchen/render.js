// Drawing a station's tickets (kds.js owns when): one <article> per ticket id, rebuilt only when what it
// shows changed, moved into order without re-creating it. Lateness is told three ways — the card's
// colour, a shape in its corner (triangle when due soon, square when late) and a word.

import { h } from "/static/js/shared/dom.js";
import { formatAge } from "/static/js/shared/clock.js";
import { t } from "/static/js/shared/i18n.js";
import { channelLabel, orderRef } from "/static/js/shared/labels.js";

const LATENESS_WORD = { ok: "", warn: t("Due soon"), late: t("Late") };

function itemLine(item) {
  const unit = item.unit && item.unit !== "piece" ? ` ${item.unit}` : "";
  return h(
    "li",
    { class: "item" },
    h("bdi", { class: "qty", text: `${item.qty}${unit}` }),
    h("span", { class: "name", attrs: { dir: "auto" }, text: item.name }),
    // A combo's component says which combo it belongs to, so the cook plates it with the rest of the meal.
    item.bundle ? h("span", { class: "item-bundle", text: t("in {combo}", { combo: item.bundle }) }) : null,
    item.note ? h("span", { class: "item-note", attrs: { dir: "auto" }, text: item.note }) : null,
  );
}

function fill(el, ticket, state, busy) {
  el.dataset.state = state;
  el.dataset.rush = ticket.rush ? "1" : "0";
  el.setAttribute("aria-busy", busy ? "true" : "false");
  const action = state === "queued" ? "start" : "bump";
  const ref = orderRef(ticket);
  el.setAttribute("aria-label", t("Ticket {order}", { order: ref }));
  const parts = [
    h(
      "header",
      { class: "ticket-head" },
      h("span", { class: "token", attrs: { dir: "ltr" }, text: ref }),
      h(
        "span",
        { class: "meta" },
        h("span", { class: "channel", text: channelLabel(ticket.channel) }),
        ticket.table_label ? h("bdi", { class: "table", text: ticket.table_label }) : null,
      ),
      ticket.rush ? h("span", { class: "flag flag-rush", text: t("RUSH") }) : null,
      ticket.recalled ? h("span", { class: "flag flag-recalled", text: t("RECALLED") }) : null,
      h("span", { class: "lateness", attrs: { "aria-live": "polite" } }),
      h("time", { class: "age", attrs: { dir: "ltr" } }),
    ),
    h("ul", { class: "items" }, ticket.items.map(itemLine)),
    ticket.note ? h("p", { class: "ticket-note", attrs: { dir: "auto" }, text: ticket.note }) : null,
    h("button", {
      class: `act act-${action}`,
      text: action === "start" ? t("Start") : t("Bump ✓"),
      attrs: { type: "button", disabled: busy },
      dataset: { action },
    }),
  ];
  // replaceChildren would write a null as the text "null".
  el.replaceChildren(...parts.filter(Boolean));
}

function signature(ticket, state, busy) {
  return JSON.stringify([
    state,
    busy,
    ticket.rush,
    ticket.recalled,
    ticket.token,
    ticket.table_label,
    ticket.note,
    ticket.items,
  ]);
}

export function createStationView({ container, countEl, emptyEl }) {
  const elements = new Map(); // id -> its <article> on screen (one per id, whatever happens)

  function render(list, { markNew }) {
    const shown = new Set();
    let cursor = container.firstElementChild;
    for (const { t: ticket, state, busy } of list) {
      shown.add(ticket.ticket_id);
      let el = elements.get(ticket.ticket_id);
      if (!el) {
        el = h("article", { class: markNew ? "ticket is-new" : "ticket", dataset: { ticketId: ticket.ticket_id } });
        elements.set(ticket.ticket_id, el);
      }
      const sig = signature(ticket, state, busy);
      if (el.dataset.sig !== sig) {
        fill(el, ticket, state, busy);
        el.dataset.sig = sig;
      }
      if (el === cursor) cursor = cursor.nextElementSibling;
      else container.insertBefore(el, cursor);
    }
    for (const [id, el] of elements) {
      if (!shown.has(id)) {
        el.remove();
        elements.delete(id);
      }
    }
    countEl.textContent = String(list.length);
    emptyEl.hidden = list.length > 0;
  }

  /** Ages and lateness, once a second (no rebuild: only the words and the data attribute change). */
  function tick(store, nowMs) {
    for (const [id, el] of elements) {
      const ticket = store.get(id);
      if (!ticket) continue;
      const level = store.lateness(ticket, nowMs);
      if (el.dataset.age !== level) {
        el.dataset.age = level;
        const word = el.querySelector(".lateness");
        if (word) word.textContent = LATENESS_WORD[level];
      }
      const age = el.querySelector(".age");
      const text = formatAge(nowMs - ticket.created_ms);
      if (age && age.textContent !== text) age.textContent = text;
    }
  }

  return { render, tick };
}

function ago(ms) {
  const minutes = Math.floor(ms / 60_000);
  return minutes < 1 ? t("just now") : t("{n} min ago", { n: minutes });
}

/** A row of the recall drawer: what was bumped, when, and its Recall button. */
export function recallRow(ticket, nowMs) {
  return h(
    "li",
    { class: "recall-row", dataset: { ticketId: ticket.ticket_id } },
    h(
      "div",
      { class: "recall-what" },
      h("span", { class: "token", attrs: { dir: "ltr" }, text: orderRef(ticket) }),
      h("span", { class: "recall-items", text: ticket.items.map((i) => `${i.qty} ${i.name}`).join(t(", ")) }),
      ticket.bumped_ms
        ? h("span", { class: "recall-when", text: t("bumped {ago}", { ago: ago(nowMs - ticket.bumped_ms) }) })
        : null,
    ),
    h("button", {
      class: "act act-recall",
      text: t("Recall"),
      attrs: { type: "button" },
      dataset: { ticketId: ticket.ticket_id },
    }),
  );
}
