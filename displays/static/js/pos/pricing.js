// The cart's live totals, priced the way app/orders/pricing.py prices an order, so what the cashier sees
// before paying is what the server will charge. The server's figures still win: after a create the page
// shows the order's own totals.
//
// Per line: unit price from the price list for that unit (else the base-unit price × the unit's factor),
// rounded to the currency; gross = qty × unit price − discount, rounded half-up; tax per line at the
// product's rate, extracted from the gross when the branch's prices include tax, added on top when not.
// A bundle is one line at its own price; each component is a line at its extra price × (bundle qty × item
// qty), taxed at its own rate. An order discount is spread over the priced lines in proportion to their
// gross, the last line taking the remainder. Totals are sums of the rounded line figures plus the
// territory's delivery charge (untaxed).
// Modifiers: each chosen option adds its price delta to the unit price (taxed at the product's rate); in
// each group the cheapest `free_choices` picks are free; a group's min and max are checked like the server.

import { Big, dec, sum } from "/static/js/shared/money.js";
import { t } from "/static/js/shared/i18n.js";

const HUNDRED = dec(100);
const HALF_UP = 1;
// big.js divides to `DP` places with `RM`: a copy that truncates at 40 places, so the one half-up rounding
// that follows (mulDiv) is exact — truncation never moves a value across the half-way point.
const Exact = Big();
Exact.DP = 40;
Exact.RM = 0;

/** a × num / den, rounded half-up to `scale` places with no rounding before that. */
export function mulDiv(a, num, den, scale) {
  const quotient = new Exact(dec(a).toString()).times(new Exact(dec(num).toString())).div(new Exact(dec(den).toString()));
  return dec(quotient.round(scale, HALF_UP).toFixed(scale));
}

/** Fractional digits actually used (trailing zeros ignored): Python's `places()` in pricing.py. */
export function places(x) {
  const v = dec(x);
  return Math.max(0, v.c.length - 1 - v.e);
}

/** The decimal as plain text with just the digits it uses ("1.5", "3"). */
export function plain(x) {
  return dec(x).toFixed(places(x));
}

export function isInteger(x) {
  const v = dec(x);
  return v.eq(v.round(0, 0));
}

/**
 * What a person typed, in the digits big.js reads: Arabic-Indic and Persian digits (an Arabic keyboard's)
 * to 0-9, the Arabic decimal separator to ".", and the bidi isolates a copied figure carries dropped.
 */
function latin(value) {
  return String(value ?? "")
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .replace(/\u066b/g, ".")
    .replace(/[\u200e\u200f\u2066-\u2069]/g, "");
}

/** Text a person typed that is a plain decimal ("12", "-3.5", ".5", "١٢٫٥"). */
export function isDecimal(value) {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(latin(value));
}

/** A typed decimal as a Big (the sign, spaces and digits big.js does not take are handled), or throws. */
export function parse(value) {
  if (!isDecimal(value)) throw new Error(`not a number: ${value}`);
  return dec(latin(value).trim().replace(/^\+/, ""));
}
export const WHOLE_UNITS = new Set(["piece", "package"]);

export class PriceProblem extends Error {}

export function money(value, exponent) {
  return dec(value).round(exponent, HALF_UP);
}

/** Price of one `unit` of `product` on `priceList`, or null when the list has none. */
export function unitPrice(product, unit, priceList, exponent) {
  const listed = product.prices.find((p) => p.price_list === priceList && p.unit === unit);
  if (listed) return money(listed.price, exponent);
  const base = product.prices.find((p) => p.price_list === priceList && p.unit === product.base_unit);
  if (!base) return null;
  const factor = (product.units.find((u) => u.unit === unit) || { factor: "1" }).factor;
  return money(dec(base.price).times(factor), exponent);
}

function taxOf(gross, rate, branch) {
  const e = branch.currency_exponent;
  if (branch.prices_include_tax) {
    const tax = mulDiv(gross, rate, HUNDRED.plus(rate), e);
    return { tax, subtotal: gross.minus(tax), total: gross };
  }
  const tax = mulDiv(gross, rate, HUNDRED, e);
  return { tax, subtotal: gross, total: gross.plus(tax) };
}

/** The priced rows of one cart line: the line itself, then its bundle components. */
function rowsOf(line, catalog, branch, priceList) {
  const e = branch.currency_exponent;
  const product = catalog.product(line.product_id);
  if (!product) throw new PriceProblem(t("product {id} is no longer sold", { id: line.product_id }));
  const unit = line.unit || product.base_unit;
  const qty = dec(line.qty);
  // Customer prices are negotiated per customer and not in the catalog: the counter price stands in until
  // the server prices the order (the page creates it before taking payment).
  const list = priceList === "customer" ? "counter" : priceList;
  const base = line.unit_price != null ? money(line.unit_price, e) : unitPrice(product, unit, list, e);
  if (base === null) throw new PriceProblem(t("{name} has no {list} price", { name: product.name, list: priceList }));
  const modifiers = modifierCharges(product, line.modifiers || [], e);
  const price = base.plus(sum(modifiers.map((m) => m.price)));
  const discount = line.discount ? money(line.discount, e) : dec(0);
  const amount = money(qty.times(price), e);
  if (discount.cmp(amount) > 0) throw new PriceProblem(t("the discount on {name} is more than the line", { name: product.name }));
  const rows = [
    {
      key: line.key,
      product,
      name: product.name,
      qty,
      unit,
      unit_price: price,
      rate: dec(product.tax_rate),
      gross: amount.minus(discount),
      discount,
      component: false,
      modifiers,
    },
  ];
  for (const item of bundleItems(product, line.choices || [])) {
    const part = catalog.product(item.product_id);
    const partQty = qty.times(item.qty);
    const extra = money(item.extra_price, e);
    rows.push({
      key: `${line.key}:${item.group}:${item.product_id}`,
      product: part,
      name: item.name,
      qty: partQty,
      unit: item.unit,
      unit_price: extra,
      rate: dec(part ? part.tax_rate : "0"),
      gross: money(partQty.times(extra), e),
      discount: dec(0),
      component: true,
      group: item.group,
    });
  }
  return rows;
}

/**
 * The chosen modifier options of a line, checked as the server checks them (each an option of one of the
 * product's groups, none twice, each group between its min and max), each with what it adds to the unit
 * price: the cheapest `free_choices` of a group cost nothing.
 */
export function modifierCharges(product, ids, exponent) {
  const groups = product.modifier_groups || [];
  const owner = new Map();
  for (const group of groups) for (const option of group.options) owner.set(Number(option.id), { group, option });
  const picked = new Map();
  for (const id of ids) {
    const found = owner.get(Number(id));
    if (!found) throw new PriceProblem(t("option {id} is not a modifier of {name}", { id, name: product.name }));
    const list = picked.get(found.group.code) || [];
    if (list.includes(found.option)) throw new PriceProblem(t("{option} is chosen twice in {group}", { option: found.option.name, group: found.group.name }));
    list.push(found.option);
    picked.set(found.group.code, list);
  }
  const out = [];
  for (const group of groups) {
    const list = picked.get(group.code) || [];
    if (list.length < group.min_choices) throw new PriceProblem(t("{group} needs a choice for {name}", { group: group.name, name: product.name }));
    if (list.length > group.max_choices) throw new PriceProblem(t("choose at most {n} from {group}", { n: group.max_choices, group: group.name }));
    const cheapest = [...list].sort((a, b) => dec(a.price_delta).cmp(dec(b.price_delta)) || a.id - b.id);
    const free = new Set(cheapest.slice(0, group.free_choices).map((o) => o.id));
    for (const option of list) {
      out.push({
        id: option.id,
        group: group.code,
        name: option.name,
        kind: option.kind,
        price: money(free.has(option.id) ? "0" : option.price_delta, exponent),
      });
    }
  }
  return out;
}

/** A bundle's components for the given choices: every `fixed` group's items, then the chosen ones. */
export function bundleItems(product, choices) {
  const out = [];
  for (const group of product.bundle_groups || []) {
    if (group.kind === "fixed") {
      for (const item of group.items) out.push({ ...item, group: group.code });
      continue;
    }
    for (const choice of choices.filter((c) => c.group === group.code)) {
      const item = group.items.find((i) => i.product_id === choice.product_id);
      if (item) out.push({ ...item, group: group.code });
    }
  }
  return out;
}

/**
 * Spread `discount` over rows in proportion to what is left of each (rounded per row; the last open row
 * takes the remainder), then move a cent at a time off any row asked for more than it has, as the server
 * does, so no row goes below zero.
 */
function spread(rows, discount, exponent) {
  if (discount.eq(0)) return;
  const open = rows.filter((r) => r.gross.cmp(0) > 0);
  const base = sum(open.map((r) => r.gross));
  if (discount.cmp(base) > 0) throw new PriceProblem(t("the order discount is more than the order"));
  const shares = open.map((row) => mulDiv(discount, row.gross, base, exponent));
  shares[shares.length - 1] = discount.minus(sum(shares.slice(0, -1)));
  const step = dec(`1e-${exponent}`);
  open.forEach((row, i) => {
    while (shares[i].cmp(row.gross) > 0 || shares[i].cmp(0) < 0) {
      const move = shares[i].cmp(row.gross) > 0 ? step : step.neg();
      let j = open.length - 1;
      for (; j >= 0; j -= 1) {
        const next = shares[j].plus(move);
        if (j !== i && next.cmp(0) >= 0 && next.cmp(open[j].gross) <= 0) break;
      }
      shares[i] = shares[i].minus(move);
      shares[j] = shares[j].plus(move);
    }
  });
  open.forEach((row, i) => {
    row.gross = row.gross.minus(shares[i]);
    row.discount = row.discount.plus(shares[i]);
  });
}

/**
 * Totals of a cart: {rows, subtotal, tax, taxByRate: [[rate, tax]], delivery, total, discount, problem}.
 * A line that cannot be priced gives `problem` (text) and totals of the rest.
 */
export function priceCart(lines, { catalog, branch, priceList, orderDiscount, deliveryCharge }) {
  const e = branch.currency_exponent;
  const rows = [];
  let problem = null;
  for (const line of lines) {
    try {
      rows.push(...rowsOf(line, catalog, branch, priceList));
    } catch (error) {
      if (!(error instanceof PriceProblem)) throw error;
      problem = problem || error.message;
    }
  }
  const discount = orderDiscount ? money(orderDiscount, e) : dec(0);
  try {
    spread(rows, discount, e);
  } catch (error) {
    if (!(error instanceof PriceProblem)) throw error;
    problem = problem || error.message;
  }
  const byRate = new Map();
  for (const row of rows) {
    Object.assign(row, taxOf(row.gross, row.rate, branch));
    const rate = plain(row.rate);
    byRate.set(rate, (byRate.get(rate) || dec(0)).plus(row.tax));
  }
  const subtotal = money(sum(rows.map((r) => r.subtotal)), e);
  const tax = money(sum(rows.map((r) => r.tax)), e);
  const delivery = money(deliveryCharge || "0", e);
  return {
    rows,
    subtotal,
    tax,
    taxByRate: [...byRate.entries()].filter(([, tax]) => !tax.eq(0)),
    delivery,
    discount,
    total: money(subtotal.plus(tax).plus(delivery), e),
    problem,
  };
}

/** What a cash tender settling `balance` asks for: the balance rounded half-up to the branch's step. */
export function cashDue(balance, branch) {
  const step = dec(branch.cash_rounding || "0");
  if (step.cmp(0) <= 0) return dec(balance);
  return mulDiv(balance, 1, step, 0).times(step).round(branch.currency_exponent, HALF_UP);
}

/** A quantity the server will accept for this unit, or a message saying why not. */
export function checkQty(text, unit) {
  let qty;
  try {
    qty = parse(text);
  } catch {
    return { error: t("Enter a number") };
  }
  if (qty.cmp(0) <= 0) return { error: t("Quantity must be more than zero") };
  if (qty.cmp(10000) > 0) return { error: t("Quantity above 10000 is not a plausible sale") };
  if (places(qty) > 3) return { error: t("At most 3 decimal places") };
  if (WHOLE_UNITS.has(unit) && !isInteger(qty)) return { error: t("{unit} items are sold in whole numbers", { unit }) };
  return { qty: plain(qty) };
}
