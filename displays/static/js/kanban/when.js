// Times on the board are in each ORDER's branch timezone (one board shows several branches), so these
// take the zone; the results are isolated (FSI…PDI) so a clock stays whole inside Arabic text.

import { clockIn } from "/static/js/shared/clock.js";
import { bidi } from "/static/js/shared/format.js";

export const TERMINAL = new Set(["completed", "delivered", "cancelled"]);

/** "14:30" in the branch's time (`timeZone`), whatever zone the tablet is set to. */
export function clockTime(value, timeZone) {
  const text = clockIn(value, timeZone);
  return text ? bidi(text) : "";
}

export function slotText(start, end, timeZone) {
  const a = clockIn(start, timeZone);
  const b = clockIn(end, timeZone);
  if (a && b) return bidi(`${a}–${b}`);
  return a || b ? bidi(a || b) : "";
}
