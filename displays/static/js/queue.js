// The queue TV (/queue/{branch}): order tokens "Preparing" and "Ready", and the walk-in numbers being
// served. Snapshot (GET /api/v1/queue/{branch}/board) -> subscribe (/queue, resuming from its stream id)
// -> apply only newer events (live.js). Nothing to click: a TV has no keyboard.
//
// A token becoming ready, or called again at the pass (token.called), rings a chime and is spoken in the
// branch's announcement language (`announce_language`, any of SPOKEN's); so is a walk-in number called to a
// counter. What is written on screen is in the page's language (the branch's default, catalogs). A ready token leaves when the order is
// handed over (completed / cancelled) or `ready_seconds` after it became ready, on the server's clock.
//
// Who is looking: a paired display (device token in localStorage, credentials.js) or a member of staff
// with a session. Neither -> /pair. A token the server refuses (revoked, unknown) is forgotten -> /pair.

import { DEVICE_REFUSALS, deviceCredentials, goPair, refusalCode, socketAuth } from "/static/js/shared/credentials.js";
import { time as formatTime } from "/static/js/shared/format.js";
import { http } from "/static/js/shared/http.js";
import { t, tn } from "/static/js/shared/i18n.js";
import { orderRef } from "/static/js/shared/labels.js";
import { connectLive } from "/static/js/shared/live.js";

const root = document.getElementById("queue");
const branchId = Number(root.dataset.branch);
const hasSession = root.dataset.session === "1";

// Announcements older than this are not spoken (a replay after a long disconnect is not news).
const ANNOUNCE_WITHIN_MS = 60_000;
const PREPARING_STATES = new Set(["received", "preparing"]);
const SERVICE_OPEN = new Set(["waiting", "called", "serving"]);

// What the TV says aloud, in the branch's announcement language (which may differ from the screen's:
// a shop can show English and call in Arabic). Speech only; anything else falls back to English.
const SPOKEN = {
  en: {
    orderReady: (token) => `Order ${token} is ready`,
    numberCalled: (number, counter) => `Number ${number}, please go to counter ${counter}`,
  },
  ar: {
    orderReady: (token) => `الطلب رقم ${token} جاهز`,
    numberCalled: (number, counter) => `الرقم ${number}، تفضل إلى الشباك ${counter}`,
  },
  fr: {
    orderReady: (token) => `La commande ${token} est prête`,
    numberCalled: (number, counter) => `Numéro ${number}, présentez-vous au guichet ${counter}`,
  },
  de: {
    orderReady: (token) => `Bestellung ${token} ist fertig`,
    numberCalled: (number, counter) => `Nummer ${number}, bitte zu Schalter ${counter}`,
  },
  es: {
    orderReady: (token) => `El pedido ${token} está listo`,
    numberCalled: (number, counter) => `Número ${number}, pase a la ventanilla ${counter}`,
  },
};

const STATUS_TEXT = { connecting: t("Connecting…"), live: t("Live"), offline: t("Offline"), refused: t("Refused") };

const state = {
  language: "en-GB",
  spoken: SPOKEN.en,
  readyMs: 600_000,
  offsetMs: 0, // server clock - this browser's clock
  preparing: new Map(), // order id -> token
  quotes: new Map(), // order id -> quoted ready time (ms): menu depth's live-load quote
  ready: new Map(), // order id -> {token, at (server ms)}
  service: new Map(), // number -> {counter, state}
  announcements: [],
};
// For tests and for whoever debugs a TV through the remote inspector.
window.passlineQueue = state;

const device = deviceCredentials();

// ---------------------------------------------------------------------------------------- board

async function fetchBoard() {
  const result = await http.get(`/api/v1/queue/${branchId}/board`);
  if (result.ok) return result.data;
  const body = result.error.body;
  if (result.status === 401 && (device || DEVICE_REFUSALS.has(refusalCode(body)))) {
    goPair();
  } else if (result.status === 401) {
    window.location.replace(`/login?next=${encodeURIComponent(window.location.pathname)}`);
  } else if (result.status === 404 && device && device.screen && device.screen !== window.location.pathname) {
    // This display is paired with another branch: show that one.
    window.location.replace(device.screen);
  }
  throw new Error(result.error.message);
}

function applyBoard(board) {
  state.language = board.language || "en-GB";
  state.spoken = SPOKEN[state.language.split("-")[0].toLowerCase()] || SPOKEN.en;
  state.readyMs = board.ready_seconds * 1000;
  state.offsetMs = board.now_ms - Date.now();
  state.preparing = new Map(board.preparing.map((t) => [t.order_id, t.token]));
  state.ready = new Map(board.ready.map((t) => [t.order_id, { token: t.token, at: t.ready_at_ms }]));
  state.service = new Map(board.service.map((s) => [s.number, { counter: s.counter, state: s.state }]));
  if (board.quotes) {
    // The board brings its quotes (one call); an older server has them on their own endpoint.
    state.quotes = new Map(Object.entries(board.quotes).map(([orderId, at]) => [orderId, Date.parse(at)]));
  } else {
    loadQuotes();
  }
  render();
}

/** The quotes of the orders on the board (an older server has none: the tokens show without them). */
async function loadQuotes() {
  const result = await http.get(`/api/v1/menu/branches/${branchId}/quotes`, { attempts: 1 });
  if (!result.ok) return;
  state.quotes = new Map(Object.entries(result.data).map(([orderId, at]) => [orderId, Date.parse(at)]));
  render();
}

// ---------------------------------------------------------------------------------------- events

function serverNow() {
  return Date.now() + state.offsetMs;
}

function apply(event) {
  const data = event.data || {};
  const at = Date.parse(event.ts) || serverNow();
  switch (event.type) {
    case "order.created":
      if (data.token != null && PREPARING_STATES.has(data.state)) state.preparing.set(data.order_id, data.token);
      if (data.quoted_ready_at) state.quotes.set(data.order_id, Date.parse(data.quoted_ready_at));
      break;
    case "order.state_changed":
      state.preparing.delete(data.order_id);
      if (data.to === "ready" && data.token != null) {
        state.ready.set(data.order_id, { token: data.token, at });
        announceOrder(data.token, at);
      } else {
        state.ready.delete(data.order_id);
        if (PREPARING_STATES.has(data.to) && data.token != null) state.preparing.set(data.order_id, data.token);
      }
      break;
    case "token.called":
      // Called again at the pass: back on top, and its time on screen starts over.
      state.preparing.delete(data.order_id);
      state.ready.set(data.order_id, { token: data.token, at });
      announceOrder(data.token, at);
      break;
    case "service.ticket_created":
    case "service.ticket_called":
    case "service.ticket_updated":
      if (SERVICE_OPEN.has(data.state)) state.service.set(data.number, { counter: data.counter, state: data.state });
      else state.service.delete(data.number);
      if (event.type === "service.ticket_called") announceNumber(data.number, data.counter, at);
      break;
    default:
      return;
  }
  render();
}

// Ready tokens time out on the server's clock; one sweep a second is plenty for a TV.
setInterval(() => {
  const now = serverNow();
  let changed = false;
  for (const [orderId, item] of state.ready) {
    if (item.at + state.readyMs <= now) {
      state.ready.delete(orderId);
      changed = true;
    }
  }
  if (changed) render();
}, 1000);

// ---------------------------------------------------------------------------------------- screen

const preparingList = document.getElementById("preparing");
const readyList = document.getElementById("ready");
const strip = document.getElementById("service-strip");
const servingList = document.getElementById("serving");
const waitingLine = document.getElementById("waiting");
const statusDot = document.getElementById("queue-status");
const statusText = document.getElementById("queue-status-text");
const soundButton = document.getElementById("sound");
let lastFresh = null;

function tile(token, orderId, extraClass) {
  const item = document.createElement("li");
  item.className = `token ${extraClass || ""}`.trim();
  item.dir = "ltr"; // "#42" reads the same in Arabic
  item.dataset.orderId = orderId;
  item.dataset.token = String(token);
  // The order's reference as on the receipt (#42), told apart from the walk-in numbers below it.
  item.textContent = orderRef({ token, order_id: orderId });
  // Being prepared: when the kitchen's live load said it would be ready.
  const quoted = state.preparing.has(orderId) && state.quotes.get(orderId);
  if (quoted) {
    const eta = document.createElement("small");
    eta.className = "token-eta";
    eta.textContent = `~${formatTime(quoted)}`;
    item.append(eta);
  }
  return item;
}

function render() {
  const preparing = [...state.preparing].sort((a, b) => a[1] - b[1]);
  preparingList.replaceChildren(...preparing.map(([orderId, token]) => tile(token, orderId)));
  const ready = [...state.ready].sort((a, b) => b[1].at - a[1].at);
  readyList.replaceChildren(
    ...ready.map(([orderId, item]) => tile(item.token, orderId, orderId === lastFresh ? "token-fresh" : "")),
  );

  const atCounters = [...state.service].filter(([, s]) => s.state !== "waiting");
  const waiting = [...state.service].filter(([, s]) => s.state === "waiting").length;
  servingList.replaceChildren(
    ...atCounters.map(([number, s]) => {
      const item = document.createElement("li");
      item.className = `serving serving-${s.state}`;
      item.dataset.number = String(number);
      const big = document.createElement("strong");
      big.textContent = String(number);
      const where = document.createElement("span");
      where.textContent = s.counter ? t("Counter {counter}", { counter: s.counter }) : "";
      item.append(big, where);
      return item;
    }),
  );
  waitingLine.textContent = waiting ? tn("{n} waiting", "{n} waiting", waiting) : "";
  strip.hidden = atCounters.length === 0 && waiting === 0;
}

// ---------------------------------------------------------------------------------------- sound

let audio = null;

function audioContext() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audio) audio = new Context();
  return audio;
}

function chime() {
  const context = audioContext();
  if (!context) return;
  if (context.state !== "running") {
    // Browsers keep audio off until someone touches the page once; say so on screen.
    soundButton.hidden = false;
    context.resume().catch(() => {});
    return;
  }
  const start = context.currentTime + 0.01;
  // A rising two-note chime, generated: no sound file to fetch on a shop LAN.
  for (const [frequency, offset] of [
    [784, 0],
    [1175, 0.22],
  ]) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.35, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.6);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + 0.65);
  }
}

soundButton.addEventListener("click", () => {
  const context = audioContext();
  if (context) context.resume().then(() => (soundButton.hidden = true)).catch(() => {});
});

function speak(text) {
  if (!("speechSynthesis" in window)) return;
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = state.language;
  const prefix = state.language.split("-")[0].toLowerCase();
  const voice = window.speechSynthesis
    .getVoices()
    .find((v) => v.lang === state.language || v.lang.toLowerCase().startsWith(prefix));
  if (voice) utterance.voice = voice;
  utterance.rate = 0.9;
  window.speechSynthesis.speak(utterance);
}

function announce(text, at) {
  if (serverNow() - at > ANNOUNCE_WITHIN_MS) return;
  state.announcements.push({ text, at });
  if (state.announcements.length > 50) state.announcements.shift();
  document.body.dataset.lastAnnouncement = text;
  chime();
  // After the chime has started, so the two do not talk over each other.
  setTimeout(() => speak(text), 700);
}

function announceOrder(token, at) {
  lastFresh = [...state.ready].find(([, item]) => item.token === token)?.[0] || null;
  announce(state.spoken.orderReady(token), at);
}

function announceNumber(number, counter, at) {
  announce(state.spoken.numberCalled(number, counter || ""), at);
}

// ---------------------------------------------------------------------------------------- start

async function start() {
  let board;
  try {
    board = await fetchBoard();
  } catch (error) {
    setStatus("offline", error);
    // The server may be restarting: try again shortly (the page never needs a manual refresh).
    setTimeout(start, 3000);
    return;
  }
  applyBoard(board);
  connectLive({
    namespace: "/queue",
    branchIds: [branchId],
    lastIds: { [branchId]: board.stream_id },
    auth: () => socketAuth({ branch_id: branchId }),
    onEvent: apply,
    onResync: async () => {
      const fresh = await fetchBoard();
      applyBoard(fresh);
      return fresh;
    },
    onStatus: setStatus,
  });
}

function setStatus(status, detail) {
  statusDot.dataset.status = status;
  statusDot.title = STATUS_TEXT[status] || status;
  statusText.textContent = STATUS_TEXT[status] || status;
  if (status === "refused" && DEVICE_REFUSALS.has(refusalCode(detail))) goPair();
}

if (!hasSession && !device) goPair();
else start();
