// Numbers, money, dates and ages for people: in the branch's locale, timezone and digits (page data),
// each result isolated for bidirectional text so "295.00 EGP" or an order token stays whole inside Arabic.
//
//   money("295.5") → "⁨EGP 295.50⁩"   dateTime(iso)   time(iso)   age(iso) → "3 min"
//   Put them in the DOM as text; `bdi(text)` gives a <bdi> element when markup isolation is wanted.

import { serverClock, toMs } from "./clock.js";
import { pageData } from "./page.js";

const lang = pageData.lang || "en";
const digits = pageData.digits || "latn";
const locale = `${lang}-u-nu-${digits}`;
const timeZone = pageData.timezone || undefined;
const defaultCurrency = pageData.currency || "EGP";

const FSI = "\u2068";
const PDI = "\u2069";

/** Text wrapped in Unicode isolates: keeps its own direction inside text of the other direction. */
export function bidi(text) {
  return `${FSI}${text}${PDI}`;
}

export function bdi(text) {
  const el = document.createElement("bdi");
  el.textContent = String(text);
  return el;
}

// A path or an address ("/courier", "/queue/1", "https://…") at the start of a word, up to its last letter,
// digit or slash (a sentence's own full stop stays outside).
const PATH = /(^|[\s("«])((?:https?:\/\/|\/)[\w\-./?=&%#:]*[\w/])/g;

/** Paths and addresses inside a sentence kept left to right (LRI … PDI): in Arabic "/courier" would
 *  otherwise read "courier/". The rest of the text is left as it is. */
export function isolatePaths(text) {
  return String(text).replace(PATH, (match, before, path) => `${before}\u2066${path}\u2069`);
}

const lists = new Map();
/** Items as one list in the page's language: "a, b, c" in English, "أ، وب، وج" in Arabic (never a Latin
 *  ", " inside Arabic). `type` as Intl.ListFormat's: "unit" (a plain list) or "conjunction" (… and …). */
export function listText(items, type = "unit") {
  if (!lists.has(type)) lists.set(type, new Intl.ListFormat(lang, { type, style: "short" }));
  return lists.get(type).format([...items].map(String));
}

const cache = new Map();
function formatter(kind, options) {
  const key = kind + JSON.stringify(options);
  if (!cache.has(key)) {
    cache.set(key, kind === "n" ? new Intl.NumberFormat(locale, options) : new Intl.DateTimeFormat(locale, options));
  }
  return cache.get(key);
}

/** `amount` is the API's decimal string (exact: Intl formats strings without going through a float). */
export function money(amount, currency = defaultCurrency) {
  if (amount === null || amount === undefined || amount === "") return "";
  return bidi(formatter("n", { style: "currency", currency }).format(String(amount)));
}

export function number(x, options = {}) {
  if (x === null || x === undefined || x === "") return "";
  return bidi(formatter("n", options).format(typeof x === "number" ? x : String(x)));
}

function when(value) {
  const ms = toMs(value);
  return ms === null ? null : new Date(ms);
}

export function dateTime(value) {
  const d = when(value);
  return d
    ? bidi(formatter("d", { timeZone, dateStyle: "medium", timeStyle: "short", hourCycle: "h23" }).format(d))
    : "";
}

export function date(value) {
  const d = when(value);
  return d ? bidi(formatter("d", { timeZone, dateStyle: "medium" }).format(d)) : "";
}

export function time(value) {
  const d = when(value);
  // A 24-hour clock on every screen, as on the board and the receipts (a kitchen reads 19:05, not 7:05 PM).
  return d ? bidi(formatter("d", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(d)) : "";
}

/** "07:05–07:35": a slot, isolated as one piece (a range must not be split by the text around it). */
export function timeRange(start, end) {
  const plain = (value) => (value ? time(value).slice(1, -1) : "");
  const a = plain(start);
  const b = plain(end);
  if (!a && !b) return "";
  return bidi(a && b ? `${a}–${b}` : a || b);
}

/** How long ago, by the server's clock: "45 sec", "3 min", "2 hr" (short units, the branch's digits). */
export function age(value, now = serverClock.now()) {
  const ms = toMs(value);
  if (ms === null) return "";
  const seconds = Math.max(0, Math.floor((now - ms) / 1000));
  const [unit, amount] =
    seconds < 60 ? ["second", seconds] : seconds < 3600 ? ["minute", Math.floor(seconds / 60)] : ["hour", Math.floor(seconds / 3600)];
  return bidi(formatter("n", { style: "unit", unit, unitDisplay: "short" }).format(amount));
}
