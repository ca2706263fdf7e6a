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
