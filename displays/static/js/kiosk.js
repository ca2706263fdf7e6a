// The walk-in kiosk (/queue/{branch}/kiosk): tap a service, get a number with an estimated wait, print it.
// Public: no login, no device token needed to take a number; the server limits how fast numbers are taken.
//
// Paired as a queue display (a device token in localStorage, credentials.js) or opened by staff, it also
// shows, live, the numbers at the counters and how many wait: the TV's board snapshot, then /queue events
// (live.js), the same walk-in events the TV applies. Times are the branch's, whatever the tablet's zone.

import { clockIn } from "./clock.js";
import { apiHeaders, deviceCredentials, socketAuth } from "./credentials.js";
import { connectLive } from "./live.js";

// Every word the script puts on the screen (the template holds the rest).
const STRINGS = {
  next: "You are next",
  wait: (m) => `About ${m} minute${m === 1 ? "" : "s"} wait`,
  busy: "Many numbers were just taken. Please try again in a moment.",
  wrong: "Something went wrong. Please ask at the counter.",
  unreachable: "The queue is unreachable right now. Please ask at the counter.",
  counter: (c) => `Counter ${c}`,
  waiting: (n) => (n === 1 ? "1 waiting" : `${n} waiting`),
};

const root = document.getElementById("kiosk");
const branchId = Number(root.dataset.branch);
const timeZone = root.dataset.timezone || undefined;
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
}

function show(ticket, title) {
  document.getElementById("ticket-number").textContent = String(ticket.number);
  document.getElementById("ticket-service").textContent = title;
  document.getElementById("ticket-wait").textContent = minutes(ticket.estimated_wait_seconds);
  document.getElementById("ticket-time").textContent = clockIn(ticket.created_at, timeZone);
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
  try {
    const response = await fetch(`/api/v1/queue/${branchId}/tickets`, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify({ service: button.dataset.service }),
    });
    const body = await response.json().catch(() => null);
    if (response.ok) show(body, button.textContent.trim());
    else if (response.status === 429) errorBox.textContent = STRINGS.busy;
    else errorBox.textContent = (body && body.detail) || STRINGS.wrong;
    errorBox.hidden = response.ok;
  } catch {
    errorBox.textContent = STRINGS.unreachable;
    errorBox.hidden = false;
  } finally {
    for (const b of pick.querySelectorAll("button")) b.disabled = false;
  }
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
  const response = await fetch(`/api/v1/queue/${branchId}/board`, {
    headers: { Accept: "application/json", ...apiHeaders() },
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const snapshot = await response.json();
  numbers.clear();
  for (const s of snapshot.service) numbers.set(s.number, { counter: s.counter, state: s.state });
  drawStrip();
  return snapshot;
}

function apply(event) {
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
