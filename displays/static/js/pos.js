// The cashier's till (/pos): pick a till, build a cart from the grid, the search or the barcode scanner,
// pick the customer and channel, take a split payment, show the sale's token and change.
//
// Prices are worked out here exactly as the server does (pos/pricing.js) so the totals are live; the
// server's figures win once the order exists. Sales go straight to the API when it answers; when it does
// not, they go into an IndexedDB queue (pos/queue.js) that replays through /orders/sync. A service worker
// (/pos-sw.js) keeps this page, its scripts and the last catalog, so an offline reload still sells.

import { dateIn, wallTimeIn } from "/static/js/shared/clock.js";
import { confirm } from "/static/js/shared/dialog.js";
import { h } from "/static/js/shared/dom.js";
import { listText, money as formatMoney, number } from "/static/js/shared/format.js";
import { t } from "/static/js/shared/i18n.js";
import { orderRef } from "/static/js/shared/labels.js";
import { connectLive } from "/static/js/shared/live.js";
import { dec } from "/static/js/shared/money.js";
import { pageData } from "/static/js/shared/page.js";
import { toast as notify } from "/static/js/shared/toast.js";
import { BusyMode } from "./pos/busy.js";
import { Catalog, catalogUrl, loadCatalog } from "./pos/catalog.js";
import { Checkout } from "./pos/checkout.js";
import { askToConfirm } from "./pos/confirm.js";
import { CustomerPicker } from "./pos/customers.js";
import { allergenName, applyAvailability, chooseModifiers, hasModifiers, lineExtras, mountMenuDepth, unavailableMessage } from "./pos/modifiers.js";
import { Offline, Refused, call, describeError, uuid } from "./pos/net.js";
import { keepForOffline, registerWorker } from "./pos/offline.js";
import { checkQty, isDecimal, isInteger, parse, plain, priceCart, unitPrice } from "./pos/pricing.js";
import { SaleQueue } from "./pos/queue.js";
import { RefusedSales } from "./pos/refused.js";
import { ShiftPanel } from "./pos/shift.js";
import { SwitchUser } from "./pos/switch_user.js";
import { TillClock } from "./pos/till_clock.js";

const boot = pageData.boot;
const root = document.getElementById("pos");
const $ = (id) => document.getElementById(id);
mountMenuDepth();
const roles = new Set(boot.user.roles);
const isManager = roles.has("manager") || roles.has("admin");
const TILL_KEY = "passline_pos_till";
const TILLS_KEY = "passline_pos_tills";
const ALL_METHODS = ["cash", "card", "wallet", "bank_transfer", "on_account"];
// A till that is no profile (a server without tills) still asks about a line over this quantity.
const DEFAULT_CONFIRM_QTY = "20";
// The words of the sanity checks (the rest of the page's words are in the template and its modules).
const STRINGS = {
  lineOver: (name, qty, limit) => t("{name}: {qty} (more than {limit})", { name: `\u2068${name}\u2069`, qty, limit }),
  totalOver: (total, limit) => t("Total {total} (more than {limit})", { total, limit }),
  checkSale: (items) => ({
    title: t("Check this sale"),
    items,
    text: t("This is more than this till usually sells. Is it right?"),
    yes: t("Yes, take payment"),
    no: t("Go back and fix it"),
  }),
};
// Units are codes in the catalog; these are the ones every shop has, in the page's language.
const UNIT_NAMES = { piece: t("piece"), kg: t("kg"), package: t("package") };
const unitName = (unit) => UNIT_NAMES[unit] || unit;

const state = {
  branch: null,
  profile: null,
  catalog: null,
  cart: [],
  priceList: "counter",
  orderDiscount: null,
  orderDiscountReason: "",
  customer: null,
  category: null,
  query: "",
  priced: null,
  // The order the server already has for this sale ({id, order, tenders, balance}): its tickets are in the
  // kitchen, so until it is paid or deliberately left unpaid the cart is locked and Pay reopens it.
  made: null,
};
const queue = new SaleQueue();
let live = null;

// ---------------------------------------------------------------------------------------- furniture

/** The shared toast: errors stay 8 s (announced at once), good news 4 s. */
function toast(message, { kind = "error", ms } = {}) {
  notify.show(message, { kind: kind === "info" ? "ok" : kind, timeout: ms });
}

function setConn(status) {
  const labels = { connecting: t("Connecting…"), live: t("Live"), offline: t("Offline"), refused: t("Signed out") };
  $("conn").dataset.status = status;
  $("conn").querySelector("span").textContent = labels[status] || status;
}

/** An amount in the branch's digits with its currency's decimals, isolated for RTL ("⁨1,234.50⁩"). */
function fmt(value) {
  const e = state.branch ? state.branch.currency_exponent : 2;
  return number(dec(value).toFixed(e), { minimumFractionDigits: e, maximumFractionDigits: e });
}

/** The same with its currency ("⁨EGP 1,234.50⁩"), where a figure stands alone. */
function money(value) {
  const e = state.branch ? state.branch.currency_exponent : 2;
  return formatMoney(dec(value).toFixed(e), state.branch ? state.branch.currency : undefined);
}

// ---------------------------------------------------------------------------------------- tills

/**
 * The till's first load in one read (GET /api/v1/pos/start): the tills of every branch, the catalog of the
 * till this tablet used last (or the first), its open shift and the paused channels. {url, doc}, or null when
 * there is no such read to be had (an older server; offline with no saved copy of this URL): then the page
 * starts the long way, read by read (loadTills + chooseTill), from whatever the service worker kept.
 */
async function startDocument() {
  const [savedBranch, savedProfile] = (localStorage.getItem(TILL_KEY) || "").split(":");
  const query = new URLSearchParams();
  if (savedProfile) query.set("pos_profile_id", savedProfile);
  else if (savedBranch) query.set("branch_id", savedBranch);
  const url = query.toString() ? `/api/v1/pos/start?${query}` : "/api/v1/pos/start";
  try {
    return { url, doc: await call("GET", url) };
  } catch (error) {
    if (error instanceof Offline || (error instanceof Refused && error.status === 404)) return null;
    throw error;
  }
}

/** The till picker from the tills of each branch ({branch id: [profiles]}); remembers them for offline. */
function fillTills(byBranch) {
  const options = [];
  const known = JSON.parse(localStorage.getItem(TILLS_KEY) || "{}");
  for (const branch of boot.branches) {
    if (byBranch[branch.id]) known[branch.id] = byBranch[branch.id];
    const profiles = (byBranch[branch.id] || []).filter((p) => p.active !== false);
    if (!profiles.length) options.push({ value: `${branch.id}:`, label: branch.name, branch, profile: null });
    for (const profile of profiles) {
      options.push({ value: `${branch.id}:${profile.id}`, label: `${branch.name} · ${profile.name}`, branch, profile });
    }
  }
  localStorage.setItem(TILLS_KEY, JSON.stringify(known));
  const select = $("till");
  select.replaceChildren(...options.map((o) => h("option", { text: o.label, attrs: { value: o.value } })));
  select.tills = options;
  return options;
}

/** The long way: each branch's tills read on their own (offline: the ones listed last time). */
async function loadTills() {
  const known = JSON.parse(localStorage.getItem(TILLS_KEY) || "{}");
  const byBranch = {};
  for (const branch of boot.branches) {
    try {
      byBranch[branch.id] = (await call("GET", `/api/v1/pos/profiles?branch_id=${branch.id}`)) || [];
    } catch (error) {
      // A server without tills (404) sells from the branch; offline, from the tills it listed last time.
      if (error instanceof Offline) byBranch[branch.id] = known[branch.id] || [];
      else if (!(error instanceof Refused) || error.status !== 404) throw error;
    }
  }
  const options = fillTills(byBranch);
  const saved = localStorage.getItem(TILL_KEY);
  $("till").value = options.some((o) => o.value === saved) ? saved : options[0].value;
}

/** Sell on the till `value` ("branch:profile"); `started` is the start document when it came with one. */
async function chooseTill(value, started = null) {
  const till = $("till").tills.find((o) => o.value === value);
  if (!till) return;
  localStorage.setItem(TILL_KEY, value);
  root.removeAttribute("data-ready");
  state.branch = till.branch;
  state.profile = till.profile;
  state.catalog = started ? new Catalog(started.catalog) : await loadCatalog(till.branch, till.profile && till.profile.id);
  // The catalog document's branch carries the server's current money rules; the boot copy is a fallback.
  state.branch = { ...till.branch, ...(state.catalog.branch || {}) };
  state.profile = state.catalog.profile || till.profile;
  state.priceList = (state.profile && state.profile.default_price_list) || "counter";
  $("price-list").value = state.priceList;
  state.category = null;
  resetSale();
  renderTabs();
  renderGrid();
  fillTerritories();
  await shift.load(state.profile, started ? { shift: started.shift } : null);
  followBranch(state.branch.id);
  await busy.load(state.branch.id, started ? started.pauses : null);
  root.dataset.ready = "";
}

function methods() {
  return (state.profile && state.profile.payment_methods) || ALL_METHODS;
}

// ---------------------------------------------------------------------------------------- catalog

function renderTabs() {
  const tabs = [{ code: null, name: t("All") }, ...state.catalog.categories];
  $("cat-tabs").replaceChildren(
    ...tabs.map((c) =>
      h("button", {
        class: "pos-tab",
        text: c.name,
        attrs: {
          type: "button",
          role: "tab",
          "aria-controls": "grid",
          // The colour a manager gave the category in /admin/menu marks its tab (its edge, not its text).
          style: c.color ? `border-inline-start: 6px solid ${c.color}` : null,
          "aria-selected": String(state.category === c.code),
        },
        on: {
          click: () => {
            state.category = c.code;
            renderTabs();
            renderGrid();
          },
        },
      }),
    ),
  );
}

/** Base units of `product` already in the cart (its own lines and bundle components). */
function inCart(productId, except = null) {
  let total = dec(0);
  for (const line of state.cart) {
    if (line === except) continue;
    const product = state.catalog.product(line.product_id);
    if (!product) continue;
    if (product.id === productId) total = total.plus(dec(line.qty).times(unitFactor(product, line.unit)));
    for (const group of product.bundle_groups || []) {
      for (const item of group.items) {
        if (item.product_id !== productId) continue;
        const chosen = group.kind === "fixed" || (line.choices || []).some((c) => c.group === group.code && c.product_id === item.product_id);
        if (chosen) total = total.plus(dec(line.qty).times(item.qty));
      }
    }
  }
  return total;
}

function unitFactor(product, unit) {
  return dec((product.units.find((u) => u.unit === (unit || product.base_unit)) || { factor: "1" }).factor);
}

/** null when `extra` base units of product fit in its stock, else the message to show. */
function stockProblem(product, extra, except = null) {
  if (!product || !product.stock_tracked || product.stock === null || product.stock === undefined) return null;
  const left = dec(product.stock).minus(inCart(product.id, except));
  if (left.cmp(extra) >= 0) return null;
  if (left.cmp(0) <= 0) return t("no {name} left", { name: product.name });
  return t("only {qty} left of {name}", { qty: plain(left), name: product.name });
}

function renderGrid() {
  // An 86'd product leaves the grid (it is back when the kitchen says so); one 86'd because its tracked
  // stock ran out stays, shown "0 left", as a sold-out item always was.
  const soldOut = (p) => p.stock_tracked && p.stock != null && dec(p.stock).minus(inCart(p.id)).cmp(0) <= 0;
  const products = state.catalog
    .filter({ category: state.category, query: state.query })
    .filter((p) => p.available !== false || soldOut(p));
  $("grid").replaceChildren(...products.map(tile));
}

/** One product's tile: its picture when it has one (lazy, sized so the grid does not jump), name, price,
 * what is left and its allergens. Sold out and bundles say so in words, not only by colour. */
function tile(p) {
  const price = p.prices.find((x) => x.price_list === state.priceList && x.unit === p.base_unit) ||
    p.prices.find((x) => x.unit === p.base_unit);
  const stock = p.stock_tracked && p.stock !== null && p.stock !== undefined ? dec(p.stock).minus(inCart(p.id)) : null;
  const out = stock && stock.cmp(0) <= 0;
  return h(
    "button",
    {
      class: ["pos-product", p.kind === "bundle" && "is-bundle", out && "is-out", p.image_url && "has-image"],
      attrs: { type: "button" },
      dataset: { productId: p.id },
      on: { click: () => addProduct(p, null) },
    },
    p.image_url
      ? h("img", { class: "pos-tile-img", attrs: { src: p.image_url, alt: "", loading: "lazy", decoding: "async", width: 160, height: 96 } })
      : null,
    h("span", { class: "pos-tile-name", text: p.name, attrs: { dir: "auto" } }),
    h(
      "span",
      { class: "pos-tile-meta" },
      h("span", { class: "pos-price" }, price ? fmt(price.price) : "—", p.base_unit === "kg" ? ` ${t("/kg")}` : ""),
      p.kind === "bundle" ? h("small", { class: "pos-tag", text: t("Combo") }) : null,
    ),
    stock ? h("small", { class: "pos-stock", text: t("{qty} left", { qty: out ? "0" : plain(stock) }) }) : null,
    out ? h("small", { class: "pos-tag pos-tag-out", text: t("Sold out") }) : null,
    (p.allergens || []).length ? h("small", { class: "pos-tile-allergens", text: p.allergens.map((c) => allergenName(c)).join(" · ") }) : null,
  );
}

// ---------------------------------------------------------------------------------------- scanner and search

function scanMessage(text) {
  const el = $("scan-msg");
  el.textContent = text || "";
  el.hidden = !text;
}

function onScan(code) {
  const trimmed = code.trim();
  if (!trimmed) return;
  const found = state.catalog && state.catalog.scan(trimmed);
  if (!found) {
    scanMessage(t("Unknown barcode {code}: nothing was added.", { code: `\u2066${trimmed}\u2069` }));
    return;
  }
  scanMessage("");
  addProduct(found.product, found.unit);
}

$("barcode").addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const code = event.target.value;
  event.target.value = "";
  onScan(code);
});

// A USB scanner types like a keyboard wherever the focus is: keys typed outside any field go to the
// barcode field, so a scan works without touching it first.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  if (target && (target.closest("input, textarea, select, dialog[open]") || target.isContentEditable)) return;
  if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
  $("barcode").focus();
});

$("search").addEventListener("input", (event) => {
  state.query = event.target.value;
  renderGrid();
});
// Keyboard selling: Enter on a search with a single match adds it.
$("search").addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !state.catalog) return;
  event.preventDefault();
  const found = state.catalog.filter({ query: state.query });
  if (found.length === 1) {
    addProduct(found[0], null);
    event.target.value = "";
    state.query = "";
    renderGrid();
  }
});

// ---------------------------------------------------------------------------------------- cart

function resetSale() {
  state.pending = null;
  state.made = null;
  state.cart = [];
  state.orderDiscount = null;
  state.orderDiscountReason = "";
  state.customer = null;
  $("customer-name").textContent = t("walk-in");
  $("channel").value = "counter";
  $("table").value = "";
  $("address").value = "";
  $("slot-start").value = "";
  $("slot-end").value = "";
  $("order-note").value = "";
  showChannel();
  renderCart();
}

/** True (and says why) when the sale's order is already in the kitchen, so its cart cannot change. */
function locked() {
  if (!state.made) return false;
  toast(t("This sale is already in the kitchen: take its payment or leave it unpaid before changing it."));
  return true;
}


function addProduct(product, unit) {
  scanMessage("");
  if (locked()) return;
  if (product.available === false) {
    toast(unavailableMessage(product));
    return;
  }
  if (hasModifiers(product) && product.kind !== "bundle") {
    const e = state.branch.currency_exponent;
    chooseModifiers(product, { fmt, exponent: e, basePrice: unitPrice(product, product.base_unit, state.priceList === "customer" ? "counter" : state.priceList, e) }).then((picked) => {
      if (picked) pushLine({ product_id: product.id, qty: "1", unit: unit || product.base_unit, choices: [], ...picked });
    });
    return;
  }
  if (product.kind === "bundle" && (product.bundle_groups || []).some((g) => g.kind === "choice")) {
    chooseBundle(product);
    return;
  }
  const chosenUnit = unit || product.base_unit;
  if (chosenUnit === "kg" || product.base_unit === "kg") {
    const line = { key: uuid(), product_id: product.id, qty: "", unit: chosenUnit, note: "", choices: [] };
    editLine(line, { isNew: true });
    return;
  }
  pushLine({ product_id: product.id, qty: "1", unit: chosenUnit, choices: [] });
}

function pushLine(line) {
  const product = state.catalog.product(line.product_id);
  const same = state.cart.find(
    (l) => l.product_id === line.product_id && l.unit === line.unit && !l.note && !l.discount &&
      JSON.stringify(l.choices || []) === JSON.stringify(line.choices || []) && isInteger(l.qty || "0") &&
      JSON.stringify(l.modifiers || []) === JSON.stringify(line.modifiers || []) && (l.allergy || null) === (line.allergy || null),
  );
  const extra = dec(line.qty).times(unitFactor(product, line.unit));
  const problem = stockProblem(product, extra) || componentStockProblem(product, line.choices, dec(line.qty));
  if (problem) {
    toast(t("Cannot add: {problem}.", { problem }));
    return false;
  }
  if (same) same.qty = dec(same.qty).plus(line.qty).toFixed(0);
  else state.cart.push({ key: uuid(), note: "", ...line });
  renderCart();
  return true;
}

function componentStockProblem(product, choices, qty) {
  for (const group of product.bundle_groups || []) {
    for (const item of group.items) {
      const used = group.kind === "fixed" || (choices || []).some((c) => c.group === group.code && c.product_id === item.product_id);
      if (!used) continue;
      const problem = stockProblem(state.catalog.product(item.product_id), qty.times(item.qty));
      if (problem) return problem;
    }
  }
  return null;
}

function setQty(line, qty) {
  if (locked()) return;
  const product = state.catalog.product(line.product_id);
  const next = dec(qty);
  if (next.cmp(0) <= 0) {
    state.cart = state.cart.filter((l) => l !== line);
  } else {
    const problem = stockProblem(product, next.times(unitFactor(product, line.unit)), line) ||
      componentStockProblem(product, line.choices, next.minus(line.qty));
    if (problem) {
      toast(t("Cannot add: {problem}.", { problem }));
      return;
    }
    line.qty = plain(next);
  }
  renderCart();
}

function lineView(line, rows) {
  const own = rows.find((r) => r.key === line.key);
  const parts = rows.filter((r) => r.component && r.key.startsWith(`${line.key}:`));
  const product = state.catalog.product(line.product_id);
  const whole = !product || product.base_unit !== "kg";
  const name = product ? product.name : `#${line.product_id}`;
  return h(
    "li",
    { class: "pos-line", dataset: { line: line.key, productId: line.product_id } },
    h(
      "button",
      { class: "pos-line-name", attrs: { type: "button", "aria-label": t("Change {name}", { name }) }, on: { click: () => editLine(line) } },
      h("strong", {}, h("bdi", { text: name })),
      line.unit && product && line.unit !== product.base_unit ? ` (${unitName(line.unit)})` : "",
      line.note ? h("small", {}, " · ", h("bdi", { text: line.note })) : null,
      line.discount ? h("small", { class: "pos-disc" }, ` ${t("discount")} −${fmt(line.discount)} (`, h("bdi", { text: line.discount_reason }), ")") : null,
    ),
    h(
      "span",
      { class: "pos-qty" },
      whole
        ? h("button", { text: "−", attrs: { type: "button", "aria-label": t("Less {name}", { name }) }, on: { click: () => setQty(line, dec(line.qty).minus(1)) } })
        : null,
      h("output", { class: "pos-qty-value" }, h("bdi", { text: line.qty }), product && product.base_unit === "kg" ? ` ${unitName("kg")}` : ""),
      whole
        ? h("button", { text: "+", attrs: { type: "button", "aria-label": t("More {name}", { name }) }, on: { click: () => setQty(line, dec(line.qty).plus(1)) } })
        : null,
    ),
    h("span", { class: "pos-line-total", text: own ? fmt(own.gross) : "—" }),
    lineExtras(line, product),
    parts.length
      ? h(
          "ul",
          { class: "pos-parts" },
          parts.map((p) => h("li", {}, h("bdi", { text: plain(p.qty) }), " × ", h("bdi", { text: p.name }), p.gross.cmp(0) > 0 ? ` +${fmt(p.gross)}` : "")),
        )
      : null,
  );
}

function deliveryCharge() {
  if ($("channel").value !== "delivery") return "0";
  const territory = state.catalog && state.catalog.territory($("territory").value);
  return territory ? territory.delivery_charge : "0";
}

function renderCart() {
  if (!state.catalog) return;
  const priced = priceCart(state.cart, {
    catalog: state.catalog,
    branch: state.branch,
    priceList: state.priceList,
    orderDiscount: state.orderDiscount,
    deliveryCharge: deliveryCharge(),
  });
  state.priced = priced;
  $("cart").replaceChildren(...state.cart.map((line) => lineView(line, priced.rows)));
  $("cart-empty").hidden = state.cart.length > 0;
  $("t-subtotal").textContent = fmt(priced.subtotal);
  $("t-discount-label").hidden = $("t-discount").hidden = priced.discount.eq(0);
  $("t-discount").replaceChildren(`−${fmt(priced.discount)} (`, h("bdi", { text: state.orderDiscountReason }), ")");
  $("t-taxes").replaceChildren(
    ...priced.taxByRate.flatMap(([rate, tax]) => [
      h("dt", { text: t("Tax {rate} %", { rate: number(rate) }) }),
      h("dd", { text: fmt(tax) }),
    ]),
  );
  $("t-delivery-label").hidden = $("t-delivery").hidden = priced.delivery.eq(0);
  $("t-delivery").textContent = fmt(priced.delivery);
  $("t-total").textContent = fmt(priced.total);
  $("checkout").disabled = !state.made && (!state.cart.length || Boolean(priced.problem));
  if (priced.problem && !state.made) toast(priced.problem);
  renderGrid();
  renderMade();
}

// Everything that would change the sale; the order on the server would no longer match it.
const SALE_FIELDS = ["customer-button", "channel", "price-list", "table", "address", "territory", "slot-start", "slot-end", "order-note", "order-discount", "clear"];

function renderMade() {
  const made = state.made;
  root.toggleAttribute("data-locked", Boolean(made));
  $("made").hidden = !made;
  for (const id of SALE_FIELDS) $(id).disabled = Boolean(made) || (id === "price-list" && !isManager);
  for (const button of document.querySelectorAll("#cart button, #grid button")) button.disabled = Boolean(made);
  if (!made) return;
  const ref = made.order ? `\u2066${orderRef(made.order)}\u2069` : t("an order");
  $("made-text").textContent = t("Sent to the kitchen as {ref} — {amount} still to pay", { ref, amount: money(made.balance) });
}

function takePayment() {
  const made = state.made;
  checkout.open({ total: made.balance, body: orderBody, priced: state.priced, orderId: made.id, order: made.order, tenders: made.tenders });
}

async function leaveUnpaid() {
  const made = state.made;
  if (!made) return;
  const ref = made.order ? `\u2066${orderRef(made.order)}\u2069` : "";
  const sure = await confirm({
    title: t("Leave this sale unpaid?"),
    message: t(
      "The order {ref} stays on the kitchen's board with {amount} still to pay; a manager settles or cancels it from the orders screen. The till starts a new sale.",
      { ref, amount: money(made.balance) },
    ),
    confirmLabel: t("Leave unpaid"),
    cancelLabel: t("Go back"),
    danger: true,
  });
  if (sure) resetSale();
}

$("made-pay").addEventListener("click", takePayment);
$("made-leave").addEventListener("click", leaveUnpaid);

// ---------------------------------------------------------------------------------------- dialogs

function closeOn(dialog) {
  for (const button of dialog.querySelectorAll("[data-close]")) button.onclick = () => dialog.close();
}

function fieldError(id, text) {
  $(id).textContent = text || "";
  $(id).hidden = !text;
}

function editLine(line, { isNew = false } = {}) {
  if (locked()) return;
  const dialog = $("line");
  const product = state.catalog.product(line.product_id);
  $("line-title").textContent = product.name;
  $("line-qty-label").textContent = line.unit === "kg" ? t("Weight (kg)") : t("Quantity");
  $("line-qty").value = line.qty;
  $("line-unit").replaceChildren(...product.units.map((u) => h("option", { text: unitName(u.unit), attrs: { value: u.unit } })));
  $("line-unit").value = line.unit || product.base_unit;
  $("line-note").value = line.note || "";
  $("line-allergy").value = line.allergy || "";
  $("line-discount-row").hidden = !isManager;
  $("line-discount").value = line.discount || "";
  $("line-discount-reason").value = line.discount_reason || "";
  dialog.querySelector("[data-remove]").hidden = isNew;
  dialog.querySelector("[data-remove]").onclick = () => {
    state.cart = state.cart.filter((l) => l !== line);
    dialog.close();
    renderCart();
  };
  fieldError("line-error", "");
  closeOn(dialog);
  $("line-form").onsubmit = (event) => {
    event.preventDefault();
    const unit = $("line-unit").value;
    const qty = checkQty($("line-qty").value, unit);
    if (qty.error) return fieldError("line-error", qty.error);
    const discount = $("line-discount").value.trim();
    const reason = $("line-discount-reason").value.trim();
    if (discount && (!isDecimal(discount) || parse(discount).cmp(0) < 0)) return fieldError("line-error", t("Discount must be an amount"));
    if (discount && !reason) return fieldError("line-error", t("A discount needs a reason"));
    const problem = stockProblem(product, dec(qty.qty).times(unitFactor(product, unit)), isNew ? null : line);
    if (problem) return fieldError("line-error", t("Cannot sell: {problem}.", { problem }));
    Object.assign(line, { qty: qty.qty, unit, note: $("line-note").value.trim(), allergy: $("line-allergy").value.trim() || null });
    line.discount = discount && !parse(discount).eq(0) ? parse(discount).toFixed(state.branch.currency_exponent) : null;
    line.discount_reason = line.discount ? reason : null;
    if (isNew) state.cart.push(line);
    dialog.close();
    renderCart();
  };
  dialog.showModal();
  $("line-qty").focus();
  $("line-qty").select();
}

function chooseBundle(product) {
  const dialog = $("bundle");
  $("bundle-title").textContent = product.name;
  const groups = product.bundle_groups.filter((g) => g.kind === "choice");
  $("bundle-groups").replaceChildren(
    ...groups.map((group) =>
      h(
        "fieldset",
        { class: "pos-mod-group", dataset: { group: group.code } },
        h("legend", { text: group.choose > 1 ? t("{group} (pick {n})", { group: group.name, n: group.choose }) : group.name }),
        group.items.map((item) => {
          const part = state.catalog.product(item.product_id);
          const out = stockProblem(part, dec(item.qty));
          return h(
            "label",
            { class: "pos-option" },
            h("input", {
              attrs: {
                type: group.choose > 1 ? "checkbox" : "radio",
                name: `g-${group.code}`,
                value: String(item.product_id),
                disabled: Boolean(out),
              },
            }),
            h("bdi", { text: item.name }),
            dec(item.extra_price).cmp(0) > 0 ? ` +${fmt(item.extra_price)}` : "",
            out ? h("small", { text: ` (${out})` }) : null,
          );
        }),
      ),
    ),
  );
  fieldError("bundle-error", "");
  closeOn(dialog);
  $("bundle-form").onsubmit = (event) => {
    event.preventDefault();
    const choices = [];
    for (const group of groups) {
      const picked = [...dialog.querySelectorAll(`input[name="g-${group.code}"]:checked`)];
      if (picked.length !== group.choose) {
        return fieldError("bundle-error", t("{group}: pick {n}", { group: group.name, n: group.choose }));
      }
      for (const input of picked) {
        const item = group.items.find((i) => i.product_id === Number(input.value));
        choices.push({ group: group.code, product_id: item.product_id, unit: item.unit });
      }
    }
    if (pushLine({ product_id: product.id, qty: "1", unit: product.base_unit, choices })) dialog.close();
  };
  dialog.showModal();
}

function orderDiscountDialog() {
  if (locked()) return;
  const dialog = $("discount");
  $("discount-amount").value = state.orderDiscount || "";
  $("discount-reason").value = state.orderDiscountReason || "";
  fieldError("discount-error", "");
  closeOn(dialog);
  dialog.querySelector("[data-clear]").onclick = () => {
    state.orderDiscount = null;
    state.orderDiscountReason = "";
    dialog.close();
    renderCart();
  };
  $("discount-form").onsubmit = (event) => {
    event.preventDefault();
    const amount = $("discount-amount").value.trim();
    const reason = $("discount-reason").value.trim();
    if (!isDecimal(amount) || parse(amount).cmp(0) <= 0) return fieldError("discount-error", t("Enter the amount off"));
    if (!reason) return fieldError("discount-error", t("A discount needs a reason"));
    if (state.priced && parse(amount).cmp(state.priced.subtotal.plus(state.priced.tax)) > 0) {
      return fieldError("discount-error", t("The discount is more than the order"));
    }
    state.orderDiscount = parse(amount).toFixed(state.branch.currency_exponent);
    state.orderDiscountReason = reason;
    dialog.close();
    renderCart();
  };
  dialog.showModal();
}

// ---------------------------------------------------------------------------------------- customer and channel

function showChannel() {
  const channel = $("channel").value;
  $("table-row").hidden = channel !== "dine_in";
  $("delivery-row").hidden = channel !== "delivery";
}

function fillTerritories() {
  const options = [
    h("option", { text: "—", attrs: { value: "" } }),
    ...state.catalog.territories.map((x) => h("option", { text: `${x.name} (+${fmt(x.delivery_charge)})`, attrs: { value: x.id } })),
  ];
  $("territory").replaceChildren(...options);
  $("cn-territory").replaceChildren(...options.map((o) => o.cloneNode(true)));
}

const customers = new CustomerPicker({
  onPick(customer) {
    state.customer = customer;
    $("customer-name").textContent = customer ? customer.name : t("walk-in");
    const address = customer && (customer.addresses.find((a) => a.is_default) || customer.addresses[0]);
    if (address) {
      $("address").value = address.address;
      if (address.territory_id) $("territory").value = String(address.territory_id);
    }
    renderCart();
  },
  territories: () => (state.catalog ? state.catalog.territories : []),
  branchId: () => (state.branch ? state.branch.id : null),
});

$("customer-button").addEventListener("click", () => locked() || customers.open());
// eslint-disable-next-line no-new -- it wires its button and dialog
new SwitchUser({ busy: () => state.cart.length > 0 || Boolean(state.made) });
// eslint-disable-next-line no-new -- it wires its button and dialog
new TillClock({ branchId: () => (state.branch ? state.branch.id : null) });
$("channel").addEventListener("change", () => {
  showChannel();
  renderCart();
});
$("territory").addEventListener("change", renderCart);
$("price-list").addEventListener("change", (event) => {
  state.priceList = event.target.value;
  renderCart();
});
// Wholesale and customer prices are a manager's call; the server checks the same.
$("price-list").disabled = !isManager;
$("order-discount").hidden = !isManager;
$("order-discount").addEventListener("click", orderDiscountDialog);
$("clear").addEventListener("click", resetSale);

/**
 * The slot typed as "13:00"–"13:30" as instants: today, in the branch's zone (never the tablet's, which may
 * be set to another); an end at or before the start runs past midnight. {start, end} ms, either may be null.
 */
function slotTimes() {
  const zone = state.branch && state.branch.timezone;
  const today = dateIn(Date.now(), zone);
  const at = (value) => (value ? wallTimeIn(today, value, zone) : null);
  const start = at($("slot-start").value);
  let end = at($("slot-end").value);
  if (start !== null && end !== null && end <= start) end += 24 * 3600 * 1000;
  return { start, end };
}

/** The order body as POST /api/v1/orders takes it; fields a plain server does not know are left out. */
function orderBody(id) {
  const channel = $("channel").value;
  const body = {
    id,
    branch_id: state.branch.id,
    channel,
    lines: state.cart.map((line) => {
      const out = { product_id: line.product_id, qty: line.qty, unit: line.unit, price_list: state.priceList };
      if (line.note) out.note = line.note;
      if (line.unit_price != null) out.unit_price = line.unit_price;
      if (line.discount) Object.assign(out, { discount: line.discount, discount_reason: line.discount_reason });
      if (line.choices && line.choices.length) out.choices = line.choices;
      if (line.modifiers && line.modifiers.length) out.modifiers = line.modifiers;
      if (line.allergy) out.allergy = line.allergy;
      return out;
    }),
  };
  if (state.customer) body.customer_id = state.customer.id;
  const note = $("order-note").value.trim();
  if (note) body.note = note;
  if (channel === "dine_in" && $("table").value.trim()) body.table_label = $("table").value.trim();
  if (channel === "delivery") {
    body.delivery = { address: $("address").value.trim(), territory_id: Number($("territory").value) || null };
    const { start, end } = slotTimes();
    if (start !== null) body.delivery.slot_start = new Date(start).toISOString();
    if (end !== null) body.delivery.slot_end = new Date(end).toISOString();
  }
  if (state.orderDiscount) Object.assign(body, { discount: state.orderDiscount, discount_reason: state.orderDiscountReason });
  if (state.profile) body.pos_profile_id = state.profile.id;
  if (shift.current && shift.current.id) body.shift_id = shift.current.id;
  return body;
}

function checkBeforePay() {
  const channel = $("channel").value;
  if (channel === "delivery") {
    if (!state.customer) return t("A delivery needs a customer.");
    if (!$("address").value.trim()) return t("A delivery needs an address.");
    if (!$("territory").value) return t("A delivery needs a territory.");
    const { start, end } = slotTimes();
    if ((start === null) !== (end === null)) return t("Give the slot both a start and an end, or neither.");
    if (end !== null && end <= Date.now()) return t("That slot is already over: pick one still to come.");
  }
  if (state.profile && state.profile.require_shift && !shift.current) return t("Open a shift on this till first.");
  return null;
}

// ---------------------------------------------------------------------------------------- checkout

const checkout = new Checkout({
  queue,
  money,
  fmt,
  methods,
  branch: () => state.branch,
  customer: () => state.customer,
  isManager: () => isManager,
  shiftId: () => (shift.current ? shift.current.id : null),
  onMade(made) {
    state.made = made;
    renderMade();
  },
  onSold(sale) {
    // What was sold leaves the shelf at once; the next catalog load brings the server's count.
    for (const row of state.priced.rows) {
      if (row.product && row.product.stock_tracked && row.product.stock != null) {
        row.product.stock = dec(row.product.stock).minus(row.qty.times(unitFactor(row.product, row.unit))).toFixed(3);
      }
    }
    resetSale();
    if (sale.queued) {
      queue.replay().catch(() => null);
      return;
    }
    // The server's stock after this sale (and other tills' sales) for the next one.
    const { branch, profile } = state;
    loadCatalog(branch, profile && profile.id)
      .then((fresh) => {
        if (state.branch !== branch) return;
        state.catalog = fresh;
        renderCart();
      })
      .catch(() => null);
  },
});

/** A till's limits (its profile; a till-less sale uses the default line limit), as decimals or null. */
function limits() {
  const profile = state.profile;
  const qty = profile ? profile.confirm_line_qty : DEFAULT_CONFIRM_QTY;
  const total = profile ? profile.confirm_order_total : null;
  return { qty: qty != null ? dec(qty) : null, total: total != null ? dec(total) : null };
}

/** What looks like a slip of the finger in this sale: lines over the till's quantity, a total over its limit. */
function saleDoubts() {
  const { qty, total } = limits();
  const doubts = [];
  for (const line of state.cart) {
    if (!qty || dec(line.qty).cmp(qty) <= 0) continue;
    const product = state.catalog.product(line.product_id);
    const name = product ? product.name : `#${line.product_id}`;
    doubts.push(STRINGS.lineOver(name, line.qty, plain(qty)));
  }
  if (total && state.priced && state.priced.total.cmp(total) > 0) {
    doubts.push(STRINGS.totalOver(money(state.priced.total), money(total)));
  }
  return doubts;
}

$("checkout").addEventListener("click", async () => {
  // Pay pressed again for a sale the server already has reopens that order: never a second one.
  if (state.made) return takePayment();
  const problem = checkBeforePay();
  if (problem) return toast(problem);
  const doubts = saleDoubts();
  if (doubts.length && !(await askToConfirm(STRINGS.checkSale(doubts)))) return;
  if (state.priceList !== "customer") {
    checkout.open({ total: state.priced.total, body: orderBody, priced: state.priced });
    return;
  }
  // Customer prices live on the server: the order is made first and paid at the server's total.
  if (!state.customer) return toast(t("Customer prices need the sale's customer."));
  // Pay pressed again for the same cart (after Back) is the same order: its id is reused, not a new sale.
  const signature = JSON.stringify(orderBody(""));
  if (!state.pending || state.pending.signature !== signature) state.pending = { id: uuid(), signature };
  const id = state.pending.id;
  $("checkout").disabled = true;
  try {
    const order = await call("POST", "/api/v1/orders", orderBody(id));
    // Made is made: from here the sale is bound to this order, whatever becomes of the pay dialog.
    state.made = { id, order, tenders: [], balance: dec(order.balance != null ? order.balance : order.totals.total) };
    renderCart();
    takePayment();
  } catch (error) {
    toast(error instanceof Offline ? t("Customer prices need the server: sell on counter prices offline.") : describeError(error));
  } finally {
    $("checkout").disabled = false;
  }
});

const shift = new ShiftPanel({ fmt, methods, toast, onChange: () => renderCart() });

// ---------------------------------------------------------------------------------------- queue

function renderQueue(entries) {
  const waiting = entries.filter((e) => e.state === "queued").length;
  const refused = entries.filter((e) => e.state === "refused");
  $("queue-count").textContent = String(waiting);
  $("queue-refused").textContent = refused.length ? ` · ${t("{n} refused", { n: refused.length })}` : "";
  $("queue-badge").hidden = !waiting && !refused.length;
  $("queue-badge").dataset.count = String(waiting);
  root.dataset.queued = String(waiting);
  $("queue-badge").title = refused.length
    ? t("Sales the server refused: open to fix or discard them")
    : t("Sales waiting to reach the server");
  $("queue-badge").toggleAttribute("data-refused", refused.length > 0);
}

queue.onChange(renderQueue);

/** A refused sale back in the (empty) cart, for the cashier to fix and ring up again; false if it cannot. */
function restoreSale(entry) {
  if (state.made || state.cart.length) {
    toast(t("Finish or clear the sale in the cart first, then fix the refused one."));
    return false;
  }
  const body = entry.body || {};
  const changed = [];
  const cart = [];
  for (const line of body.lines || []) {
    const product = state.catalog && state.catalog.product(line.product_id);
    if (!product) {
      changed.push(t("product #{id} is not sold any more", { id: line.product_id }));
      continue;
    }
    const unit = product.units.some((u) => u.unit === line.unit) ? line.unit : product.base_unit;
    const qty = checkQty(String(line.qty), unit);
    if (qty.error) changed.push(t("{name}: quantity {qty} is now 1", { name: product.name, qty: readable(line.qty) }));
    const out = { key: uuid(), product_id: product.id, unit, qty: qty.error ? "1" : qty.qty, note: readable(line.note), choices: line.choices || [] };
    if (line.discount && isDecimal(line.discount)) Object.assign(out, { discount: line.discount, discount_reason: readable(line.discount_reason) });
    cart.push(out);
  }
  resetSale();
  state.cart = cart;
  $("channel").value = body.channel || "counter";
  showChannel();
  $("table").value = readable(body.table_label);
  $("order-note").value = readable(body.note);
  if (body.delivery) {
    $("address").value = readable(body.delivery.address);
    $("territory").value = String(body.delivery.territory_id || "");
  }
  if (body.customer_id) {
    state.customer = { id: body.customer_id, name: t("customer #{id}", { id: body.customer_id }), addresses: [] };
    $("customer-name").textContent = state.customer.name;
  }
  if (isManager && body.discount && isDecimal(body.discount)) {
    state.orderDiscount = body.discount;
    state.orderDiscountReason = readable(body.discount_reason);
  }
  renderCart();
  if (changed.length) toast(t("Changed while restoring: {list}.", { list: changed.join("; ") }), { ms: 15_000 });
  return true;
}

/** Text a person can fix: control characters (a NUL from a scanner or a paste) cannot be seen, so go. */
function readable(text) {
  return String(text ?? "").replace(/[\u0000-\u001f\u007f]/g, " ").trim();
}

const refusedSales = new RefusedSales({
  queue,
  productName: (id) => (state.catalog && state.catalog.product(id) ? state.catalog.product(id).name : null),
  money,
  onFix: restoreSale,
  onRetry: () => replayNow(),
  toast,
});

$("queue-badge").addEventListener("click", async () => {
  const entries = await queue.all();
  if (entries.some((e) => e.state === "refused")) refusedSales.open();
  replayNow();
});

function replayNow() {
  return queue
    .replay()
    .then((summary) => {
      if (summary && summary.sent) {
        // A sale made offline had no reference yet: the server gave it one; say which, where it shows.
        const refs = summary.made.map((m) => orderRef(m.order));
        for (const m of summary.made) {
          if ($("success").dataset.orderId !== m.id) continue;
          $("s-token").textContent = orderRef(m.order);
          $("s-offline").hidden = true;
        }
        toast(t("Saved sales that reached the server: {n} ({refs}).", { n: summary.sent, refs: listText(refs.map((r) => `\u2066${r}\u2069`)) }), { kind: "info", ms: 15_000 });
      }
      if (summary && summary.refused) {
        toast(t("Saved sales the server refused: {n}. Fix or discard them.", { n: summary.refused }));
        refusedSales.open();
      }
    })
    .catch((error) => toast(describeError(error)));
}

window.addEventListener("online", replayNow);
setInterval(async () => {
  const entries = await queue.all();
  if (entries.some((e) => e.state === "queued")) replayNow();
}, 10_000);

// ---------------------------------------------------------------------------------------- live and offline shell

function followBranch(branchId) {
  if (live) live.close();
  live = connectLive({
    namespace: "/pos",
    branchIds: [branchId],
    auth: { branch_id: branchId },
    onStatus(status) {
      setConn(status);
      if (status === "live") replayNow();
    },
    onEvent(event) {
      if (event.type === "invoice.issued") checkout.invoiceIssued(event.data);
      if (event.type === "catalog.changed") catalogChanged(event.data);
      if (event.type === "channel.paused") busy.apply(event.data);
    },
  });
}

const busy = new BusyMode({ select: $("channel"), banner: $("pos-paused"), onChange: () => showChannel() });

/** Menu depth: an 86 shows at once from the event itself; the fresh document follows (debounced below). */
function catalogChanged(data) {
  if (applyAvailability(state.catalog, data)) renderGrid();
  refreshCatalog();
}

// A menu change (a price, a new product, one taken off) is re-read at once; the sale in progress stays and
// is re-priced. Fetched through the service worker, so the offline copy is the new menu too. Changes that
// arrive together (a bulk edit announces once per branch) cost one read.
let catalogTimer = null;
let catalogBusy = false;
let catalogAgain = false;
function refreshCatalog() {
  if (catalogBusy) {
    catalogAgain = true;
    return;
  }
  if (!catalogTimer) catalogTimer = setTimeout(readCatalog, 100);
}

async function readCatalog() {
  catalogTimer = null;
  const { branch, profile } = state;
  if (!branch) return;
  catalogBusy = true;
  try {
    const fresh = await loadCatalog(branch, profile && profile.id);
    if (state.branch !== branch) return;
    state.catalog = fresh;
    renderTabs();
    renderGrid();
    renderCart();
    root.dataset.catalogVersion = fresh.doc.catalog_version || "";
  } catch {
    // Offline or the server busy: the next change, or the next sale's catalog read, brings it.
  } finally {
    catalogBusy = false;
    if (catalogAgain) {
      catalogAgain = false;
      refreshCatalog();
    }
  }
}

$("till").addEventListener("change", (event) => {
  // Another till would start a new sale and silently leave this one's order unpaid in the kitchen.
  if (locked()) {
    event.target.value = localStorage.getItem(TILL_KEY);
    return;
  }
  chooseTill(event.target.value).catch((e) => toast(describeError(e)));
});

(async () => {
  setConn(navigator.onLine ? "connecting" : "offline");
  const worker = registerWorker();
  renderQueue(await queue.all());
  let started = null;
  try {
    started = await startDocument();
    if (started) {
      const { doc } = started;
      fillTills(Object.fromEntries(doc.branches.map((b) => [b.branch_id, b.tills])));
      await chooseTill(`${doc.branch_id}:${doc.pos_profile_id ?? ""}`, doc);
    } else {
      await loadTills();
      await chooseTill($("till").value);
    }
  } catch (error) {
    toast(t("The till could not start: {reason}", { reason: describeError(error) }));
  }
  const { controlled, fresh } = await worker;
  if (controlled) root.dataset.sw = "ready";
  // A cold load read its start before the worker took control, so the worker has no copy of it: hand it
  // the answers the page already has (no second download of the catalog), and the reads the long way
  // would make, should the next reload be offline on another till.
  if (controlled && state.branch) {
    if (fresh && started) {
      const { url, doc } = started;
      const keep = [keepForOffline(url, doc), keepForOffline(catalogUrl(state.branch, doc.pos_profile_id), doc.catalog)];
      for (const entry of doc.branches) keep.push(keepForOffline(`/api/v1/pos/profiles?branch_id=${entry.branch_id}`, entry.tills));
      if (doc.pos_profile_id) keep.push(keepForOffline(`/api/v1/pos/profiles/${doc.pos_profile_id}/shift`, doc.shift));
      await Promise.all(keep).catch(() => null);
    }
    root.dataset.offlineReady = "";
  }
  $("barcode").focus();
})();
