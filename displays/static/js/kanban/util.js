// Small helpers the board's modules share: API calls that keep the server's clock, element building
// (text only: names and notes come from customers and are never parsed as HTML), labels and formats.

import { ApiError, csrfToken } from "../api.js";
import { clockIn, formatAge, idMs, midnightIn, minutesIn, serverClock, toMs } from "../clock.js";

export { ApiError, clockIn, formatAge, idMs, midnightIn, minutesIn, serverClock, toMs };

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** JSON API call with the CSRF token on writes; throws ApiError (status, body) on 4xx/5xx. */
export async function request(method, path, body, { keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
    keepalive, // a save started as the page goes away still reaches the server
  });
  serverClock.observeDate(response.headers.get("Date"));
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    error.retryAfter = Number(response.headers.get("Retry-After")) || null;
    throw error;
  }
  return data;
}

/**
 * A GET that may name an endpoint this server does not have yet: null on 404/405 instead of an error,
 * so a control built on it can hide itself.
 */
export async function optional(path) {
  try {
    return await request("GET", path);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return null;
    throw error;
  }
}

/** What the server said, for a person: its `detail`, plus the messages of a validation error's `extra`. */
export function describeError(error) {
  if (!(error instanceof ApiError)) return error && error.message ? error.message : String(error);
  const body = error.body || {};
  let text = typeof body.detail === "string" && body.detail ? body.detail : `HTTP ${error.status}`;
  if (Array.isArray(body.extra)) {
    const parts = body.extra
      .map((item) => (item && item.message ? `${item.key ? `${item.key}: ` : ""}${item.message}` : ""))
      .filter(Boolean);
    if (parts.length) text = `${text} (${parts.join("; ")})`;
  }
  return text;
}

export function signInAgain() {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/** "14:30" in the branch's time (`timeZone`), whatever zone the tablet is set to. */
export function clockTime(value, timeZone) {
  return clockIn(value, timeZone);
}

export function slotText(start, end, timeZone) {
  const a = clockTime(start, timeZone);
  const b = clockTime(end, timeZone);
  if (a && b) return `${a}–${b}`;
  return a || b;
}

/** Money arrives as a decimal string at the currency's decimals; shown as given (never through floats). */
export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "—";
  return currency ? `${amount} ${currency}` : String(amount);
}

/**
 * The sum of decimal strings ("12.50", "-3.00"), exact (scaled integers, never floats), written with as
 * many decimals as the most precise term.
 */
export function sumMoney(amounts) {
  const parts = amounts.map((a) => String(a ?? "0").trim());
  const places = Math.max(0, ...parts.map((a) => (a.includes(".") ? a.split(".")[1].length : 0)));
  let total = 0n;
  for (const a of parts) {
    const negative = a.startsWith("-");
    const [whole, frac = ""] = a.replace(/^[-+]/, "").split(".");
    const scaled = BigInt(whole || "0") * 10n ** BigInt(places) + BigInt((frac + "0".repeat(places)).slice(0, places) || "0");
    total += negative ? -scaled : scaled;
  }
  const sign = total < 0n ? "-" : "";
  const digits = (total < 0n ? -total : total).toString().padStart(places + 1, "0");
  return places ? `${sign}${digits.slice(0, -places)}.${digits.slice(-places)}` : `${sign}${digits}`;
}

export const CHANNEL_LABELS = {
  counter: "Counter",
  pickup: "Pickup",
  dine_in: "Dine-in",
  delivery: "Delivery",
  partner: "Partner",
};

export const STATE_LABELS = {
  scheduled: "Scheduled",
  received: "Received",
  preparing: "Preparing",
  ready: "Ready",
  out_for_delivery: "Out for delivery",
  returned: "Returned",
  completed: "Completed",
  delivered: "Delivered",
  cancelled: "Cancelled",
};

export const PAYMENT_LABELS = {
  unpaid: "Unpaid",
  partially_paid: "Part paid",
  paid: "Paid",
  refunded: "Refunded",
};

export const TERMINAL = new Set(["completed", "delivered", "cancelled"]);

/** A small element builder: `text` becomes textContent, never markup. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = String(value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Calls `fn` at most once per `ms`, with the latest arguments (trailing call kept). */
export function debounce(fn, ms) {
  let timer = null;
  let lastArgs = [];
  const run = () => {
    timer = null;
    fn(...lastArgs);
  };
  const wrapped = (...args) => {
    lastArgs = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  wrapped.pending = () => timer !== null;
  wrapped.flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      run();
    }
  };
  return wrapped;
}
