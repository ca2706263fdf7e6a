// Socket clients and transition sender for run_latency.py: the official socket.io-client (the one our pages
// load, installed in displays/node_modules by `make setup`) on Node, one process.
//
// It reads commands as JSON lines on stdin and answers each with one JSON line on stdout, so the driver can
// measure the server between steps (its RSS before and after the clients connect):
//
//   {"cmd": "connect", "sockets": [{"auth": {...}}, ...]}   connect them all (websocket, one connection each)
//   {"cmd": "shape", "rate": 60, "seconds": 15, "targets": [...]}   send moves at a steady rate
//   {"cmd": "burst", "targets": [...]}                       send one move per target, all at once
//   {"cmd": "stats"}        sockets still connected, order.state_changed events received since the start
//   {"cmd": "disconnect"}   {"cmd": "quit"}
//
// Every move and every receipt is stamped with this process's clock (performance.timeOrigin + now(), ms), so
// "send -> receipt" needs no clock agreement with the server. A move is an HTTP request: Passline's
// POST /api/v1/orders/{id}/transitions (target {order_id, state}), or the bare ceiling's POST /emit (target
// {room, order_id}). Each event is matched to its move by (order id, version): the version comes back in the
// HTTP answer and in the event's data.
//
// Startup config (argv[2], JSON): {url, namespace, mode: "passline" | "bare", cookie, csrf}.

import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";

const require = createRequire(new URL("../../displays/package.json", import.meta.url));
const { io } = require("socket.io-client");

const config = JSON.parse(process.argv[2]);
const EVENT = "order.state_changed";
const NEXT = { received: "preparing", preparing: "ready", ready: "received" };
const now = () => performance.timeOrigin + performance.now();

let sockets = [];
// "order:version" -> receipt times (ms) of every socket that got that event
let receipts = new Map();
let received = 0;

function record(payload) {
  const t = now();
  const data = payload && payload.data;
  if (!data) return;
  const key = `${data.order_id}:${data.version}`;
  let list = receipts.get(key);
  if (!list) receipts.set(key, (list = []));
  list.push(t);
  received += 1;
}

function connectOne(auth) {
  return new Promise((resolve, reject) => {
    const socket = io(config.url + config.namespace, {
      transports: ["websocket"],
      forceNew: true, // one websocket per client, as separate screens have
      reconnection: false,
      auth,
      extraHeaders: config.cookie ? { Cookie: config.cookie } : {},
      timeout: 20000,
    });
    const timer = setTimeout(() => reject(new Error("no hello within 20 s")), 20000);
    socket.on(EVENT, record);
    socket.once("hello", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(new Error(`connect_error: ${err.message}`));
    });
  });
}

async function connect({ sockets: specs, parallel = 50, attempts = 3 }) {
  // A connect that times out or is refused is tried again (up to `attempts` in all): with thousands of
  // sockets on a busy box the server can fall behind for a moment, which is not what is being measured.
  const started = now();
  const made = new Array(specs.length);
  let next = 0;
  let retries = 0;
  async function lane() {
    while (next < specs.length) {
      const index = next++;
      for (let attempt = 1; ; attempt++) {
        try {
          made[index] = await connectOne(specs[index].auth);
          break;
        } catch (err) {
          if (attempt >= attempts) throw err;
          retries += 1;
          await new Promise((r) => setTimeout(r, 250 * attempt));
        }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, specs.length) }, lane));
  sockets = sockets.concat(made);
  return { connected: sockets.length, seconds: (now() - started) / 1000, retries };
}

async function disconnect() {
  for (const socket of sockets) socket.disconnect();
  const count = sockets.length;
  sockets = [];
  await new Promise((r) => setTimeout(r, 500));
  return { disconnected: count };
}

// ------------------------------------------------------------------------------------------ moves

const versions = new Map(); // bare mode: the version we tell the ceiling to put in the event
const states = new Map(); // passline mode: each order's state after our last accepted move

async function move(target) {
  const sent = now();
  let response, body, key;
  if (config.mode === "passline") {
    const from = states.get(target.order_id) || target.state;
    const to = NEXT[from];
    response = await fetch(`${config.url}/api/v1/orders/${target.order_id}/transitions`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: config.cookie, "X-CSRF-Token": config.csrf },
      body: JSON.stringify({ to }),
    });
    body = await response.json();
    if (response.ok) {
      states.set(target.order_id, to);
      key = `${target.order_id}:${body.version}`;
    }
  } else {
    const version = (versions.get(target.order_id) || 0) + 1;
    versions.set(target.order_id, version);
    response = await fetch(`${config.url}/emit`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ room: target.room, order_id: target.order_id, version }),
    });
    body = await response.json();
    if (response.ok) key = `${target.order_id}:${version}`;
  }
  const answered = now();
  return { key, sent, answered, status: response.status, expected: target.expected, detail: response.ok ? undefined : body };
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  const rank = Math.max(1, Math.min(sorted.length, Math.ceil((p / 100) * sorted.length)));
  return Math.round(sorted[rank - 1] * 1000) / 1000;
}

function stats(values) {
  const sorted = Float64Array.from(values).sort();
  return { n: sorted.length, p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), max: pct(sorted, 100) };
}

async function settle(moves, graceMs) {
  // Wait until every accepted move's event reached every socket that should get it, or the grace ends.
  const expected = moves.reduce((sum, m) => sum + (m.key ? m.expected : 0), 0);
  const deadline = now() + graceMs;
  const got = () => moves.reduce((sum, m) => sum + (m.key ? (receipts.get(m.key) || []).length : 0), 0);
  while (got() < expected && now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { expected, got: got() };
}

function report(moves, extra) {
  const fromSend = [];
  const fromAnswer = [];
  let first = Infinity;
  let last = 0;
  for (const m of moves) {
    if (!m.key) continue;
    first = Math.min(first, m.sent);
    for (const t of receipts.get(m.key) || []) {
      fromSend.push(t - m.sent);
      fromAnswer.push(t - m.answered);
      last = Math.max(last, t);
    }
  }
  const failed = moves.filter((m) => !m.key);
  return {
    moves: moves.length,
    failed: failed.length,
    failure: failed.length ? { status: failed[0].status, detail: failed[0].detail } : undefined,
    http_ms: stats(moves.filter((m) => m.key).map((m) => m.answered - m.sent)),
    send_to_receipt_ms: stats(fromSend),
    answer_to_receipt_ms: stats(fromAnswer),
    deliveries: fromSend.length,
    first_send_to_last_receipt_s: fromSend.length ? (last - first) / 1000 : null,
    ...extra,
  };
}

async function shape({ rate, seconds, targets, grace_ms = 5000 }) {
  receipts = new Map();
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(move(targets[i % targets.length]));
  }
  const moves = await Promise.all(pending);
  const sendSeconds = (now() - start) / 1000;
  const delivered = await settle(moves, grace_ms);
  const result = report(moves, { send_seconds: sendSeconds, ...delivered });
  result.deliveries_per_s = result.deliveries / sendSeconds;
  return result;
}

async function burst({ targets, grace_ms = 20000 }) {
  receipts = new Map();
  const moves = await Promise.all(targets.map((t) => move(t)));
  const delivered = await settle(moves, grace_ms);
  const result = report(moves, delivered);
  result.deliveries_per_s = result.first_send_to_last_receipt_s ? result.deliveries / result.first_send_to_last_receipt_s : null;
  return result;
}

// ------------------------------------------------------------------------------------------ commands

async function probeStats() {
  const connected = sockets.filter((s) => s.connected).length;
  return { sockets: sockets.length, connected, received };
}

const handlers = { connect, shape, burst, disconnect, stats: probeStats };

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const command = JSON.parse(line);
  if (command.cmd === "quit") break;
  let answer;
  try {
    answer = { ok: true, ...(await handlers[command.cmd](command)) };
  } catch (err) {
    answer = { ok: false, error: String(err && err.stack ? err.stack : err) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
await disconnect();
process.exit(0);
