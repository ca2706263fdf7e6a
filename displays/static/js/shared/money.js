// Decimal arithmetic for money in the browser (big.js from npm, served by Passline). Amounts travel as
// decimal strings; never add them as JavaScript numbers.
//
//   add("10.10", "0.20").toFixed(2) === "10.30";  round("2.345", 2, "half-even").toFixed(2) === "2.34"

import Big from "/vendor/big.js/big.mjs";

const MODES = { down: 0, "half-up": 1, "half-even": 2, up: 3 };

export function dec(x) {
  return x instanceof Big ? x : new Big(x === null || x === undefined || x === "" ? 0 : x);
}

export const add = (a, b) => dec(a).plus(dec(b));
export const sub = (a, b) => dec(a).minus(dec(b));
export const mul = (a, b) => dec(a).times(dec(b));
export const div = (a, b, places = 4) => dec(a).div(dec(b)).round(places, MODES["half-up"]);
export const cmp = (a, b) => dec(a).cmp(dec(b));
export const isZero = (a) => dec(a).eq(0);
export const sum = (values) => values.reduce((total, v) => total.plus(dec(v)), new Big(0));

/** Rounded to `places`; mode "half-up" (default), "half-even", "down" (toward zero) or "up". */
export function round(x, places = 2, mode = "half-up") {
  if (!(mode in MODES)) throw new Error(`unknown rounding mode ${mode}`);
  return dec(x).round(places, MODES[mode]);
}

/** The decimal string the API expects, with exactly `places` fractional digits. */
export function toApi(x, places = 2) {
  return round(x, places).toFixed(places);
}

export { Big };
