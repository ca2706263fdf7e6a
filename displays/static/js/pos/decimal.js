// Exact decimal arithmetic for the till's live totals: a value is a BigInt `n` scaled by 10^`s`, so
// 12.50 is {n: 1250n, s: 2}. Money never touches a float here, and rounding is half-up (away from zero
// on a tie), like Python's ROUND_HALF_UP in app/orders/pricing.py: the page's totals match the server's.

const TEN = 10n;

function pow10(k) {
  return TEN ** BigInt(k);
}

export class Dec {
  constructor(n, s = 0) {
    this.n = BigInt(n);
    this.s = s;
  }

  /** "12.5", "-3", 4 (an integer) or a Dec; throws on anything else (callers check `isDecimal` first). */
  static of(value) {
    if (value instanceof Dec) return value;
    if (typeof value === "number" && Number.isInteger(value)) return new Dec(BigInt(value), 0);
    const text = String(value ?? "").trim();
    const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (!match || (match[2] === "" && !match[3])) throw new Error(`not a number: ${text}`);
    const fraction = match[3] || "";
    const n = BigInt((match[2] || "0") + fraction);
    return new Dec(match[1] === "-" ? -n : n, fraction.length);
  }

  static zero() {
    return new Dec(0n, 0);
  }

  at(scale) {
    if (scale >= this.s) return new Dec(this.n * pow10(scale - this.s), scale);
    return this.round(scale);
  }

  add(other) {
    const b = Dec.of(other);
    const s = Math.max(this.s, b.s);
    return new Dec(this.at(s).n + b.at(s).n, s);
  }

  sub(other) {
    return this.add(Dec.of(other).neg());
  }

  neg() {
    return new Dec(-this.n, this.s);
  }

  mul(other) {
    const b = Dec.of(other);
    return new Dec(this.n * b.n, this.s + b.s);
  }

  /** Half-up to `scale` fractional digits. */
  round(scale) {
    if (scale >= this.s) return this.at(scale);
    return divRound(this.n, pow10(this.s - scale), scale);
  }

  /** this * num / den, rounded half-up to `scale` digits, with no intermediate rounding. */
  mulDiv(num, den, scale) {
    const a = Dec.of(num);
    const b = Dec.of(den);
    if (b.n === 0n) throw new Error("division by zero");
    // value = (this.n * a.n / 10^(s+a.s)) / (b.n / 10^b.s); times 10^scale for the result's units.
    const top = this.n * a.n * pow10(b.s + scale);
    const bottom = b.n * pow10(this.s + a.s);
    return divRound(top, bottom, scale);
  }

  cmp(other) {
    const b = Dec.of(other);
    const s = Math.max(this.s, b.s);
    const x = this.at(s).n;
    const y = b.at(s).n;
    return x < y ? -1 : x > y ? 1 : 0;
  }

  isZero() {
    return this.n === 0n;
  }

  isInteger() {
    return this.n % pow10(this.s) === 0n;
  }

  /** Fractional digits actually used (trailing zeros ignored): Python's `places()` in pricing.py. */
  places() {
    let n = this.n < 0n ? -this.n : this.n;
    let s = this.s;
    while (s > 0 && n % TEN === 0n) {
      n /= TEN;
      s -= 1;
    }
    return s;
  }

  /** Fixed-point text with `scale` digits (rounded half-up), or as stored without one. */
  format(scale = this.s) {
    const v = this.at(scale);
    const negative = v.n < 0n;
    const digits = (negative ? -v.n : v.n).toString().padStart(scale + 1, "0");
    const whole = scale ? digits.slice(0, -scale) : digits;
    const text = scale ? `${whole}.${digits.slice(-scale)}` : whole;
    return negative ? `-${text}` : text;
  }

  toString() {
    return this.format();
  }
}

function divRound(top, bottom, scale) {
  const negative = top < 0n !== bottom < 0n;
  const t = top < 0n ? -top : top;
  const b = bottom < 0n ? -bottom : bottom;
  let q = t / b;
  if ((t % b) * 2n >= b) q += 1n;
  return new Dec(negative ? -q : q, scale);
}

export function isDecimal(value) {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(String(value ?? ""));
}

export function sum(values) {
  return values.reduce((acc, v) => acc.add(v), Dec.zero());
}
