// The kitchen station screen (/kds/{station}): kitchen/store.js holds the tickets and the rules,
// kitchen/render.js draws them, kitchen/follow.js keeps them current (snapshot -> subscribe -> apply).
// This file wires them: events and taps go to the store, then the view draws what the store shows.
//
// The page reloads its snapshot on its own when an event names a ticket it has never seen (a recall of a
// ticket bumped before the page loaded), and after a refused tap (404/409: the ticket moved under us).
//
// The expo screen imports the shared kitchen helpers from here too (they live in kitchen/follow.js).

import { createChime } from "./chime.js";
import { createStationView, recallRow } from "./kitchen/render.js";
import { createStationStore, ticketFrom } from "./kitchen/store.js";
import { createToast, followKitchen, kitchenApi, showStatus, signInAgain } from "./kitchen/follow.js";
import { formatAge, idMs, serverClock, toMs } from "/static/js/shared/clock.js";
import { t } from "/static/js/shared/i18n.js";
import { CHANNEL_LABELS, orderRef } from "/static/js/shared/labels.js";

export { CHANNEL_LABELS, createToast, followKitchen, formatAge, idMs, kitchenApi, serverClock, showStatus, signInAgain, toMs };

/** The expo's element builder (a class and a text), kept for it until it moves to shared/dom.js. */
export function h(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

function stationPage(root) {
  const branchId = Number(root.dataset.branchId);
  const station = root.dataset.station;
  const connEl = document.getElementById("conn");
  const toast = createToast();
  const drawer = document.getElementById("recall-drawer");
  const recallList = document.getElementById("recall-list");
  const recallStatus = document.getElementById("recall-status");
  const soundButton = document.getElementById("sound-overlay");
  const chime = createChime();
  let chimes = 0;
  let initialRender = true;

  const store = createStationStore({
    station,
    warnAfter: Number(root.dataset.warnAfter) || 300,
    lateAfter: Number(root.dataset.lateAfter) || 600,
  });
  const view = createStationView({
    container: document.getElementById("tickets"),
    countEl: document.getElementById("kds-count"),
    emptyEl: document.getElementById("kds-empty"),
  });

  function draw() {
    const list = store.visible();
    view.render(list, { markNew: !initialRender });
    view.tick(store, serverClock.now());
    // A guarded (just tapped) button comes back by itself.
    const guarded = list.map(({ t: ticket }) => store.cooling(ticket.ticket_id)).filter((ms) => ms > 0);
    if (guarded.length) setTimeout(draw, Math.min(...guarded) + 10);
  }

  // ------------------------------------------------------------------ the server's word

  function applySnapshot(snapshot) {
    store.applySnapshot(snapshot, serverClock.now());
    draw();
  }

  function applyEvent(event) {
    const { ring, unknown } = store.applyEvent(event);
    if (unknown) follow.reload("unknown_ticket").catch(() => {});
    draw();
    if (ring && chime.play()) root.dataset.chimes = String((chimes += 1));
  }

  // ------------------------------------------------------------------ taps

  async function act(id, action) {
    const ticket = store.get(id);
    const mine = store.begin(id, action);
    if (!mine) return;
    draw();
    try {
      await kitchenApi("POST", `/api/v1/tickets/${encodeURIComponent(id)}/${action}`);
      store.confirm(id, mine);
    } catch (error) {
      store.rollback(id, mine);
      if (error.status === 401) signInAgain();
      const params = { order: orderRef(ticket), reason: error.message };
      toast(action === "start" ? t("Start {order} failed: {reason}", params) : t("Bump {order} failed: {reason}", params));
      // The ticket changed under us (gone, already moved): the snapshot says how it really is.
      if (error.status === 404 || error.status === 409) follow.reload("action_refused").catch(() => {});
    }
    draw();
  }

  document.getElementById("tickets").addEventListener("click", (event) => {
    const button = event.target.closest("button.act");
    if (!button || button.disabled) return;
    const card = button.closest("[data-ticket-id]");
    if (card) act(card.dataset.ticketId, button.dataset.action);
  });

  // ------------------------------------------------------------------ recall drawer

  function recentRows(data) {
    if (Array.isArray(data)) return data;
    return (data && (data.tickets || data.items)) || [];
  }

  async function openRecall() {
    drawer.hidden = false;
    recallList.replaceChildren();
    recallStatus.textContent = t("Loading…");
    try {
      const path = `/api/v1/kds/${branchId}/${encodeURIComponent(station)}/recent?limit=20`;
      const rows = recentRows(await kitchenApi("GET", path));
      const now = serverClock.now();
      for (const raw of rows) {
        const ticket = ticketFrom(raw, now);
        ticket.state = "bumped";
        if (!store.has(ticket.ticket_id)) store.remember(ticket);
        recallList.append(recallRow(ticket, now));
      }
      recallStatus.textContent = rows.length ? "" : t("Nothing bumped lately.");
      document.getElementById("recall-close").focus();
    } catch (error) {
      recallStatus.textContent = t("Could not load: {reason}", { reason: error.message });
    }
  }

  async function recall(id, button) {
    button.disabled = true;
    button.textContent = t("Recalling…");
    try {
      await kitchenApi("POST", `/api/v1/tickets/${encodeURIComponent(id)}/recall`);
      // The ticket comes back through its ticket.recalled event, like on every other screen.
      drawer.hidden = true;
    } catch (error) {
      button.disabled = false;
      button.textContent = t("Recall");
      recallStatus.textContent = t("Recall failed: {reason}", { reason: error.message });
    }
  }

  document.getElementById("recall-open").addEventListener("click", openRecall);
  document.getElementById("recall-close").addEventListener("click", () => {
    drawer.hidden = true;
    document.getElementById("recall-open").focus();
  });
  recallList.addEventListener("click", (event) => {
    const button = event.target.closest("button.act-recall");
    if (button && !button.disabled) recall(button.dataset.ticketId, button);
  });

  // ------------------------------------------------------------------ sound

  // Browsers keep audio off until the page is touched once; a button in the bar asks for that touch
  // (it used to be an overlay over the whole screen, hiding the first controls).
  function enableSound() {
    chime.unlock().then((on) => {
      root.dataset.sound = on ? "on" : "off";
    });
    soundButton.hidden = true;
  }
  if (chime.supported) soundButton.addEventListener("click", enableSound);
  else {
    soundButton.hidden = true;
    root.dataset.sound = "unsupported";
  }

  // ------------------------------------------------------------------ going live

  const follow = followKitchen({
    branchId,
    snapshotPath: `/api/v1/kds/${branchId}/${encodeURIComponent(station)}`,
    auth: { branch_id: branchId, station },
    applySnapshot,
    applyEvent,
    onStatus: (status, detail) => showStatus(connEl, status, detail),
    onError: (error) => toast(t("Could not load the tickets: {reason}", { reason: error.message }), { ms: 15_000 }),
  });
  follow.ready
    .then(() => {
      initialRender = false;
    })
    .catch(() => {});
  setInterval(() => view.tick(store, serverClock.now()), 1000);
  // For tests and for anyone debugging a tablet from its console.
  window.kds = { follow, store, tickets: store.tickets, pending: store.pending, bumped: store.bumped };
}

const stationRoot = document.getElementById("kds");
if (stationRoot) stationPage(stationRoot);
