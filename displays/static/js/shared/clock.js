// Time on a screen, measured in the server's clock: every page that shows ages (kitchen tickets, board
// cards, couriers' positions) imports these, so they all agree.

/** Milliseconds of a stream id ("ms-seq"): when Redis appended the event, in server time. */
export function idMs(id) {
  return Number(String(id).split("-")[0]);
}

/** A time from the API: epoch ms (number or digits) or an ISO string; null when absent or unreadable. */
export function toMs(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (/^\d+$/.test(String(value))) return Number(value);
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? null : parsed;
}

/**
 * The server's clock as seen from this screen. Ages are measured against the server's timestamps, and a
 * tablet's own clock can be minutes off. The HTTP `Date` header gives the offset to within a second; every
 * event id is a hard lower bound (it was stamped before it arrived), which tightens it.
 */
export const serverClock = {
  offset: 0,
  now() {
    return Date.now() + this.offset;
  },
  observeDate(header) {
    const ms = Date.parse(header || "");
    // `Date` has whole seconds: the server's now is somewhere in the following second.
    if (!Number.isNaN(ms)) this.offset = ms + 500 - Date.now();
  },
  observeEvent(id) {
    const lower = idMs(id) - Date.now();
    if (Number.isFinite(lower) && lower > this.offset) this.offset = lower;
  },
};

export function formatAge(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

// ---------------------------------------------------------------------------------------- the branch's time
//
// A screen shows the time of its branch, never the device's: a tablet set to another zone (or to UTC, as
// many are out of the box) must still show a slot entered as 13:00 as 13:00. Times of day are 24-hour.

const formatters = new Map();

function partsIn(ms, timeZone) {
  const key = timeZone || "";
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: timeZone || undefined,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(key, format);
  }
  const out = {};
  for (const part of format.formatToParts(new Date(ms))) {
    if (part.type !== "literal") out[part.type] = Number(part.value);
  }
  return out; // {year, month, day, hour, minute, second}
}

/** "14:30": the time of day of `value` (ms or ISO) in `timeZone` (an IANA name); "" when absent. */
export function clockIn(value, timeZone) {
  const ms = toMs(value);
  if (ms === null) return "";
  const p = partsIn(ms, timeZone);
  return `${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
}

/** Minutes since midnight of `ms` in `timeZone`. */
export function minutesIn(ms, timeZone) {
  const p = partsIn(ms, timeZone);
  return p.hour * 60 + p.minute;
}

/** How far `timeZone` is ahead of UTC at the instant `ms`, in ms. */
function offsetAt(ms, timeZone) {
  const p = partsIn(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The instant (ms) at which it is `hh:mm` on the date {year, month, day} in `timeZone`. */
export function wallTimeIn({ year, month, day }, hhmm, timeZone) {
  const [hour, minute] = String(hhmm).split(":").map(Number);
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // Twice: the offset at the guess may differ from the offset at the answer across a DST change.
  const first = guess - offsetAt(guess, timeZone);
  return guess - offsetAt(first, timeZone);
}

/** Today's date {year, month, day} in `timeZone`, by the given clock (ms). */
export function dateIn(ms, timeZone) {
  const p = partsIn(ms, timeZone);
  return { year: p.year, month: p.month, day: p.day };
}

/** The instant today began in `timeZone` (its local midnight), by the given clock (ms). */
export function midnightIn(ms, timeZone) {
  return wallTimeIn(dateIn(ms, timeZone), "00:00", timeZone);
}
