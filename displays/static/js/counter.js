// A clerk's walk-in counter (/queue/{branch}/counter): which counter this tablet is and which services it
// takes (kept on the tablet), the number at the counter now — call again, start serving, send to another
// counter, no-show, done — "Call next", and the queue as it moves.
//
// Snapshot -> subscribe -> apply (DESIGN §5): GET /api/v1/queue/{branch}/counter says which stream id it is
// current to; live.js follows /pos (the walk-in events whole, ticket ids included) from there. Every event
// carries the ticket's whole state, so applying one twice, or after the clerk's own answer, changes
// nothing. What the TV shows and says ("Number 12, counter 3") follows from the same events.

import { serverClock, toMs } from "/static/js/shared/clock.js";
import { h } from "/static/js/shared/dom.js";
import { request as send, signInAgain } from "/static/js/shared/http.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { connectLive } from "/static/js/shared/live.js";
import { pageData as boot } from "/static/js/shared/page.js";

/** A write to the queue API; throws {status, message} when refused (the callers' try/catch reads them). */
async function request(method, path, body) {
  const result = await send(method, path, body);
  if (result.ok) return result.data;
  const error = new Error(result.error.message);
  error.status = result.status;
  throw error;
}

// Every word the script puts on the screen (the template holds the rest).
const STRINGS = {
  nobody: t("Nobody. Call the next number."),
  called: (counter) => t("Called to counter {counter}", { counter }),
  serving: (counter) => t("Being served at counter {counter}", { counter }),
  calledAgo: (age) => (age === STRINGS.justNow ? t("called {age}", { age }) : t("called {age} ago", { age })),
  waited: (age) => t("waiting {age}", { age }),
  justNow: t("just now"),
  minutes: (m) =>
    m < 60 ? t("{m} min", { m }) : t("{h} h {m} min", { h: Math.floor(m / 60), m: m % 60 }),
  atCounter: (counter) => t("counter {counter}", { counter }),
  finishFirst: (number) => t("Finish number {number} first: Done, or No-show if they did not come.", { number }),
  pickDesk: t("Name this counter first."),
  pickService: t("Tick at least one service."),
  allServices: t("all services"),
  others: (n) => tn("{n} more waits for another service.", "{n} more wait for other services.", n),
  sameCounter: t("That is this counter."),
  pickCounter: (names) => t("Pick one of the branch's counters: {names}", { names }),
  status: {
    connecting: t("Connecting…"),
    live: t("Live"),
    offline: t("Offline · reconnecting…"),
    refused: t("Refused"),
  },
  calledNumber: (number, counter) => t("Number {number} called to counter {counter}.", { number, counter }),
  sentNumber: (number, counter) => t("Number {number} sent to counter {counter}.", { number, counter }),
  failed: (what, why) => t("{what}: {why}", { what, why }),
  actions: {
    recall: t("Call again"),
    serve: t("Start serving"),
    transfer: t("Send to counter"),
    "no-show": t("No-show"),
    done: t("Done"),
    next: t("Call next"),
  },
  state: { waiting: t("waiting"), called: t("called"), serving: t("being served"), no_show: t("no-show") },
};

const OPEN = new Set(["waiting", "called", "serving"]);
const AT_COUNTER = new Set(["called", "serving"]);

const branchId = boot.branch.id;
// The branch's services and counters (/admin/branches); a manager's change arrives as queue.setup_changed.
let services = boot.services;
let counters = boot.counters || [];
const titles = new Map(services.map((s) => [s.code, s.title]));
const DESK_KEY = `passline_counter:${branchId}`;
const $ = (id) => document.getElementById(id);

/** ticket id -> {id, number, service, state, counter, business_date, created_ms, called_ms} */
const tickets = new Map();
let desk = loadDesk();
let busy = false;
// For tests and for whoever looks at a clerk's tablet through the remote inspector.
window.passlineCounter = { tickets, desk: () => desk };

// ---------------------------------------------------------------------------------------- the desk

function loadDesk() {
  try {
    const saved = JSON.parse(localStorage.getItem(DESK_KEY) || "null");
    if (saved && typeof saved.counter === "string" && saved.counter && Array.isArray(saved.services)) {
      const services = saved.services.filter((s) => titles.has(s));
      if (services.length) return { counter: saved.counter, services };
    }
  } catch {
    // a damaged value: ask again
  }
  return null;
}

function takesAll() {
  return desk && desk.services.length === titles.size;
}

function openDesk() {
  const list = $("desk-service-list");
  list.replaceChildren(
    ...services.map((s) =>
      h(
        "label",
        { class: "ct-check" },
        h("input", { attrs: { type: "checkbox", value: s.code, checked: !desk || desk.services.includes(s.code) } }),
        ` ${s.title}`,
      ),
    ),
  );
  $("desk-input").value = desk ? desk.counter : "";
  $("desk-error").hidden = true;
  if (!$("desk").open) $("desk").showModal();
  $("desk-input").focus();
}

$("desk-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const counter = $("desk-input").value.trim();
  const ticked = [...$("desk-service-list").querySelectorAll("input:checked")].map((i) => i.value);
  const problem = !counter
    ? STRINGS.pickDesk
    : counters.length && !counters.includes(counter)
      ? STRINGS.pickCounter(counters.join(t(", ")))
      : !ticked.length
        ? STRINGS.pickService
        : "";
  if (problem) {
    $("desk-error").textContent = problem;
    $("desk-error").hidden = false;
    return;
  }
  desk = { counter, services: ticked };
  localStorage.setItem(DESK_KEY, JSON.stringify(desk));
  $("desk").close();
  render();
});
$("desk").addEventListener("cancel", (event) => {
  // The screen means nothing until the clerk says which counter it is.
  if (!desk) event.preventDefault();
});
$("desk-button").addEventListener("click", openDesk);

// ---------------------------------------------------------------------------------------- messages

let messageTimer = null;
function say(text, kind = "error") {
  const el = $("message");
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => (el.hidden = true), kind === "error" ? 12_000 : 5000);
}
$("message").addEventListener("click", () => ($("message").hidden = true));

function failed(error, what) {
  if (error.status === 401) {
    signInAgain();
    return;
  }
  say(STRINGS.failed(what, error.message));
}

// ---------------------------------------------------------------------------------------- tickets

function upsert(raw, atMs) {
  const id = String(raw.id ?? raw.ticket_id);
  const held = tickets.get(id) || {};
  const ticket = {
    ...held,
    id,
    number: raw.number,
    service: raw.service ?? held.service,
    state: raw.state,
    counter: raw.counter ?? null,
    business_date: raw.business_date ?? held.business_date,
    created_ms: toMs(raw.created_at) ?? held.created_ms ?? atMs,
    called_ms: toMs(raw.called_at) ?? (raw.state === "called" && held.state !== "called" ? atMs : held.called_ms) ?? null,
  };
  if (OPEN.has(ticket.state) || ticket.state === "no_show") tickets.set(id, ticket);
  else tickets.delete(id);
}

function byNumber(a, b) {
  return String(a.business_date).localeCompare(String(b.business_date)) || a.number - b.number;
}

function current() {
  if (!desk) return null;
  const mine = [...tickets.values()].filter((t) => AT_COUNTER.has(t.state) && t.counter === desk.counter);
  mine.sort((a, b) => (b.called_ms || 0) - (a.called_ms || 0));
  return mine[0] || null;
}

// ---------------------------------------------------------------------------------------- screen

/** "4 min" since `ms` on the server's clock (a clerk reads minutes, not seconds). */
function age(ms) {
  if (!ms) return "";
  const minutes = Math.floor((serverClock.now() - ms) / 60_000);
  return minutes < 1 ? STRINGS.justNow : STRINGS.minutes(minutes);
}

function row(t, detail) {
  return h(
    "li",
    { class: `ct-row ct-${t.state}`, dataset: { ticket: t.id, number: String(t.number) } },
    h("strong", { class: "ct-row-number", attrs: { dir: "ltr" }, text: String(t.number) }),
    h("span", { class: "ct-row-service", text: titles.get(t.service) || t.service || "" }),
    h("span", { class: "ct-row-detail", text: detail }),
  );
}

function render() {
  $("desk-name").textContent = desk ? desk.counter : "—";
  $("desk-services").textContent = desk
    ? `· ${takesAll() ? STRINGS.allServices : desk.services.map((s) => titles.get(s)).join(t(", "))}`
    : "";
  const now = current();
  const el = $("now");
  el.dataset.state = now ? now.state : "none";
  el.dataset.ticket = now ? now.id : "";
  $("now-number").textContent = now ? String(now.number) : "";
  $("now-what").textContent = now
    ? [
        titles.get(now.service) || now.service,
        now.state === "serving" ? STRINGS.serving(now.counter) : STRINGS.called(now.counter),
        now.called_ms ? STRINGS.calledAgo(age(now.called_ms)) : "",
      ]
        .filter(Boolean)
        .join(" · ")
    : STRINGS.nobody;
  const enable = { recall: now, serve: now && now.state === "called", transfer: now, "no-show": now && now.state === "called", done: now };
  for (const button of document.querySelectorAll(".ct-actions [data-act]")) {
    button.disabled = busy || !enable[button.dataset.act];
  }
  $("call-next").disabled = busy || !desk || Boolean(now);
  $("next-hint").textContent = now ? STRINGS.finishFirst(now.number) : "";

  const all = [...tickets.values()].sort(byNumber);
  const waiting = all.filter((t) => t.state === "waiting");
  const mine = desk ? waiting.filter((t) => desk.services.includes(t.service)) : waiting;
  const others = waiting.length - mine.length;
  $("waiting-count").textContent = String(mine.length);
  $("waiting").replaceChildren(...mine.map((t) => row(t, STRINGS.waited(age(t.created_ms)))));
  $("waiting-empty").hidden = mine.length > 0;
  $("waiting-others").textContent = others ? STRINGS.others(others) : "";
  $("waiting-others").hidden = !others;

  const elsewhere = all.filter((t) => AT_COUNTER.has(t.state) && (!now || t.id !== now.id));
  $("elsewhere").replaceChildren(
    ...elsewhere.map((t) => row(t, `${STRINGS.state[t.state]} · ${STRINGS.atCounter(t.counter)}`)),
  );
  $("elsewhere-empty").hidden = elsewhere.length > 0;

  const missed = all.filter((t) => t.state === "no_show");
  $("missed").replaceChildren(
    ...missed.map((t) => {
      const item = row(t, STRINGS.state.no_show);
      item.append(
        h("button", {
          class: "ct-small",
          attrs: { type: "button", disabled: busy || !desk || Boolean(now) },
          dataset: { recall: t.id },
          text: STRINGS.actions.recall,
        }),
      );
      return item;
    }),
  );
  $("missed-empty").hidden = missed.length > 0;
}

// Ages move on their own.
setInterval(render, 15_000);

// ---------------------------------------------------------------------------------------- actions

async function run(what, work) {
  if (busy) return;
  busy = true;
  render();
  try {
    const ticket = await work();
    if (ticket) upsert(ticket, serverClock.now());
    return ticket;
  } catch (error) {
    failed(error, what);
    return null;
  } finally {
    busy = false;
    render();
  }
}

$("call-next").addEventListener("click", async () => {
  if (!desk) return openDesk();
  const body = { counter: desk.counter };
  if (!takesAll()) body.service_codes = desk.services;
  const ticket = await run(STRINGS.actions.next, () => request("POST", `/api/v1/queue/${branchId}/call-next`, body));
  if (ticket) say(STRINGS.calledNumber(ticket.number, ticket.counter), "info");
});

document.querySelector(".ct-actions").addEventListener("click", (event) => {
  const button = event.target.closest("[data-act]");
  const now = current();
  if (!button || !now) return;
  const act = button.dataset.act;
  if (act === "transfer") {
    $("transfer-input").value = "";
    $("transfer-error").hidden = true;
    $("transfer").dataset.ticket = now.id;
    $("transfer").showModal();
    $("transfer-input").focus();
    return;
  }
  const body = act === "recall" ? { counter: desk.counter } : undefined;
  run(STRINGS.actions[act], () => request("POST", `/api/v1/queue/tickets/${now.id}/${act}`, body));
});

$("missed").addEventListener("click", (event) => {
  const button = event.target.closest("[data-recall]");
  if (!button || !desk) return;
  // A no-show who came back: called again, to this counter.
  run(STRINGS.actions.recall, () =>
    request("POST", `/api/v1/queue/tickets/${button.dataset.recall}/recall`, { counter: desk.counter }),
  );
});

for (const button of $("transfer").querySelectorAll("[data-close]")) button.onclick = () => $("transfer").close();
$("transfer-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const counter = $("transfer-input").value.trim();
  const problem = !counter
    ? STRINGS.pickDesk
    : counter === desk.counter
      ? STRINGS.sameCounter
      : counters.length && !counters.includes(counter)
        ? STRINGS.pickCounter(counters.join(t(", ")))
        : "";
  if (problem) {
    $("transfer-error").textContent = problem;
    $("transfer-error").hidden = false;
    return;
  }
  $("transfer").close();
  const id = $("transfer").dataset.ticket;
  const ticket = await run(STRINGS.actions.transfer, () =>
    request("POST", `/api/v1/queue/tickets/${id}/transfer`, { counter }),
  );
  if (ticket) say(STRINGS.sentNumber(ticket.number, ticket.counter), "info");
});

// ---------------------------------------------------------------------------------------- live

function setStatus(status, detail) {
  const conn = $("conn");
  conn.dataset.status = status;
  conn.querySelector("span").textContent = STRINGS.status[status] || status;
  if (status === "refused" && detail && detail.data && detail.data.code === "unauthorized") signInAgain();
}

/** The branch's services and counters as the server has them now: the desk's choices follow. */
function applySetup(snapshot) {
  services = snapshot.services;
  counters = snapshot.counters || [];
  titles.clear();
  for (const s of services) titles.set(s.code, s.title);
  $("counter-names").replaceChildren(...counters.map((name) => h("option", { attrs: { value: name } })));
  if (desk) {
    // A service the manager retired drops out of what this counter takes; a retired counter asks again.
    const kept = desk.services.filter((s) => titles.has(s));
    if (kept.length !== desk.services.length) desk = kept.length ? { ...desk, services: kept } : null;
    if (desk && counters.length && !counters.includes(desk.counter)) desk = null;
    if (desk) localStorage.setItem(DESK_KEY, JSON.stringify(desk));
  }
  if ($("desk").open || !desk) openDesk();
}

async function refreshSetup() {
  const result = await send("GET", `/api/v1/queue/${branchId}/counter`);
  if (result.ok) {
    applySetup(result.data);
    render();
  }
}

function applySnapshot(snapshot) {
  applySetup(snapshot);
  serverClock.offset = snapshot.now_ms - Date.now();
  tickets.clear();
  for (const t of snapshot.tickets) upsert(t, snapshot.now_ms);
  document.getElementById("counter").dataset.ready = "true";
  render();
}

function onEvent(event) {
  if (event.type === "queue.setup_changed") {
    refreshSetup();
    return;
  }
  if (!event.type.startsWith("service.ticket_")) return;
  serverClock.observeEvent(event.id);
  upsert(event.data || {}, Number(String(event.id).split("-")[0]));
  render();
}

connectLive({
  namespace: "/pos",
  branchIds: [branchId],
  auth: { branch_id: branchId },
  snapshotUrl: `/api/v1/queue/${branchId}/counter`,
  onSnapshot: applySnapshot,
  onEvent,
  onStatus: setStatus,
});

render();
if (!desk) openDesk();
