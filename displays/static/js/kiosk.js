// The walk-in kiosk (/queue/{branch}/kiosk): tap a service, get a number with an estimated wait, print it.
// Public: no login, no device token needed to take a number; the server limits how fast numbers are taken.
//
// Paired as a queue display (a device token in localStorage, credentials.js) or opened by staff, it also
// shows, live, the numbers at the counters and how many wait: the TV's board snapshot, then /queue events
// (live.js), the same walk-in events the TV applies. Times are the branch's, whatever the tablet's zone.

import { deviceCredentials, socketAuth } from "/static/js/shared/credentials.js";
import { time } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { connectLive } from "/static/js/shared/live.js";

// Every word the script puts on the screen (the template holds the rest).
const STRINGS = {
  next: t("You are next"),
  wait: (m) => tn("About {n} minute wait", "About {n} minutes wait", m),
  busy: t("Many numbers were just taken. Please try again in a moment."),
  wrong: t("Something went wrong. Please ask at the counter."),
  unreachable: t("The queue is unreachable right now. Please ask at the counter."),
  counter: (c) => t("Counter {counter}", { counter: c }),
  waiting: (n) => tn("{n} waiting", "{n} waiting", n),
};

const root = document.getElementById("kiosk");
const branchId = Number(root.dataset.branch);
const pick = document.getElementById("kiosk-pick");
const slip = document.getElementById("kiosk-ticket");
const errorBox = document.getElementById("kiosk-error");
// Back to the service buttons by itself, for the next customer.
const RESET_AFTER_MS = 30_000;
let resetTimer = null;

function minutes(seconds) {
  if (seconds <= 0) return STRINGS.next;
  return STRINGS.wait(Math.max(1, Math.round(seconds / 60)));
}

function reset() {
  clearTimeout(resetTimer);
  slip.hidden = true;
  pick.hidden = false;
  errorBox.hidden = true;
  // Between two customers: the services as the branch offers them now (a kiosk that is not live too).
  refreshServices();
}

/** The buttons, from the branch's services now (a manager changes them in /admin/branches). */
async function refreshServices() {
  const result = await http.get(`/api/v1/queue/${branchId}/services`);
  if (!result.ok || !Array.isArray(result.data)) return;
  const shown = [...pick.querySelectorAll("button[data-service]")].map((b) => `${b.dataset.service}\n${b.textContent.trim()}`);
  const wanted = result.data.map((s) => `${s.code}\n${s.title}`);
  if (shown.join("\0") === wanted.join("\0")) return;
  pick.replaceChildren(
    ...result.data.map((s) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "kiosk-service";
      button.dataset.service = s.code;
      button.textContent = s.title;
      return button;
    }),
  );
}

function show(ticket, title) {
  document.getElementById("ticket-number").textContent = String(ticket.number);
  document.getElementById("ticket-service").textContent = title;
  document.getElementById("ticket-wait").textContent = minutes(ticket.estimated_wait_seconds);
  document.getElementById("ticket-time").textContent = time(ticket.created_at);
  root.dataset.number = String(ticket.number);
  pick.hidden = true;
  slip.hidden = false;
  clearTimeout(resetTimer);
  resetTimer = setTimeout(reset, RESET_AFTER_MS);
}

pick.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-service]");
  if (!button) return;
  for (const b of pick.querySelectorAll("button")) b.disabled = true;
  errorBox.hidden = true;
  // Taking a number is not repeated on a failure: a second tap is the customer's choice.
  const result = await http.post(`/api/v1/queue/${branchId}/tickets`, { service: button.dataset.service });
  if (result.ok) show(result.data, button.textContent.trim());
  else if (result.offline) errorBox.textContent = STRINGS.unreachable;
  else if (result.status === 429) errorBox.textContent = STRINGS.busy;
  else errorBox.textContent = result.error.message || STRINGS.wrong;
  errorBox.hidden = result.ok;
  for (const b of pick.querySelectorAll("button")) b.disabled = false;
});

document.getElementById("ticket-print").addEventListener("click", () => window.print());
document.getElementById("ticket-done").addEventListener("click", reset);

// ---------------------------------------------------------------------------------------- live strip

const OPEN = new Set(["waiting", "called", "serving"]);
const numbers = new Map(); // number -> {counter, state}
const strip = document.getElementById("kiosk-live");

function drawStrip() {
  const atCounters = [...numbers].filter(([, s]) => s.state !== "waiting");
  const waiting = [...numbers].filter(([, s]) => s.state === "waiting").length;
  document.getElementById("kiosk-serving").replaceChildren(
    ...atCounters.map(([number, s]) => {
      const item = document.createElement("li");
      item.dataset.number = String(number);
      const big = document.createElement("strong");
      big.textContent = String(number);
      const where = document.createElement("span");
      where.textContent = s.counter ? STRINGS.counter(s.counter) : "";
      item.append(big, where);
      return item;
    }),
  );
  document.getElementById("kiosk-waiting").textContent = waiting ? STRINGS.waiting(waiting) : "";
  strip.hidden = atCounters.length === 0 && waiting === 0;
}

async function board() {
  const result = await http.get(`/api/v1/queue/${branchId}/board`);
  if (!result.ok) throw new Error(result.error.message);
  const snapshot = result.data;
  numbers.clear();
  for (const s of snapshot.service) numbers.set(s.number, { counter: s.counter, state: s.state });
  drawStrip();
  return snapshot;
}

function apply(event) {
  if (event.type === "queue.setup_changed") {
    if (event.data && event.data.kind === "services") refreshServices();
    return;
  }
  if (!event.type.startsWith("service.ticket_")) return;
  const data = event.data || {};
  if (OPEN.has(data.state)) numbers.set(data.number, { counter: data.counter, state: data.state });
  else numbers.delete(data.number);
  drawStrip();
}

async function follow() {
  let snapshot;
  try {
    snapshot = await board();
  } catch {
    // Not paired with this branch, or the server is away: the kiosk still hands out numbers.
    return;
  }
  root.dataset.live = "connecting";
  connectLive({
    namespace: "/queue",
    branchIds: [branchId],
    lastIds: { [branchId]: snapshot.stream_id },
    auth: () => socketAuth({ branch_id: branchId }),
    onEvent: apply,
    onResync: board,
    onStatus: (status) => (root.dataset.live = status),
  });
}

if (root.dataset.session === "1" || deviceCredentials()) follow();
