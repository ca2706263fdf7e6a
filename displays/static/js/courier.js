// A courier's phone (/courier): my deliveries, live over /courier, with accept / delivered / returned,
// my cash today, and an optional location share.
//
// Snapshot -> subscribe -> apply (DESIGN §5): the page was rendered with the branch stream id its
// deliveries list is at least current to (read before the list). live.js connects from that id, so a
// change made while the list loaded is replayed; every event is applied by delivery and order, so a
// replayed one changes nothing twice. If the server cannot replay (`resync`), the page reloads itself.
//
// A courier sees only their own deliveries: the page asks for its own courier's list and the server
// enforces it (another courier's delivery is a 404; the /courier room carries only this courier's events).

import { serverClock } from "/static/js/shared/clock.js";
import { h } from "/static/js/shared/dom.js";
import { money as formatMoney, time, timeRange } from "/static/js/shared/format.js";
import { http, signInAgain } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { orderRef } from "/static/js/shared/labels.js";
import { connectLive } from "/static/js/shared/live.js";
import { add, cmp, dec, sub } from "/static/js/shared/money.js";
import { pageData as boot } from "/static/js/shared/page.js";
import { toast } from "/static/js/shared/toast.js";

const me = boot.courier.id;
const currency = boot.branch.currency;

function money(amount) {
  return amount === null || amount === undefined || amount === "" ? "—" : formatMoney(amount, currency);
}

const slotText = timeRange;

const deliveries = new Map(); // delivery id -> delivery
const busy = new Set(); // delivery ids with a request in flight

const listEl = document.getElementById("deliveries");
const emptyEl = document.getElementById("empty");
const countEl = document.getElementById("delivery-count");

// ---------------------------------------------------------------------------------------- furniture

const STATUS_TEXT = {
  connecting: t("Connecting…"),
  live: t("Live"),
  offline: t("Offline · reconnecting…"),
  refused: t("Refused"),
};
const conn = document.getElementById("conn");
function setStatus(status, detail) {
  conn.dataset.status = status;
  conn.querySelector("span").textContent = STATUS_TEXT[status] || status;
  if (status === "refused" && detail && detail.data && detail.data.code === "unauthorized") signInAgain();
}

function label(d) {
  return orderRef({ token: d.token, order_id: d.order_id });
}

function mapLink(address) {
  return `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}`;
}

/** A phone number as a tel: URI (digits and a leading +; spaces and dashes are for people). */
function telLink(phone) {
  return `tel:${String(phone).replace(/[^\d+]/g, "")}`;
}

/** A refused call: sign in again after a 401, otherwise say what failed and why. */
function failed(result, what) {
  if (result.status === 401) {
    signInAgain();
    return;
  }
  toast.error(`${what}: ${result.error.message}`);
}

// ---------------------------------------------------------------------------------------- deliveries

function upsert(d) {
  const id = String(d.id ?? d.delivery_id);
  const held = deliveries.get(id) || {};
  deliveries.set(id, { ...held, ...d, id, order_id: String(d.order_id ?? held.order_id) });
}

function removeOrder(orderId) {
  for (const [id, d] of deliveries) if (d.order_id === String(orderId)) deliveries.delete(id);
}

function draw() {
  const items = [...deliveries.values()].sort(
    (a, b) => String(a.slot_start || a.created_at || "").localeCompare(String(b.slot_start || b.created_at || "")) || a.id.localeCompare(b.id),
  );
  emptyEl.hidden = items.length > 0;
  countEl.textContent = items.length ? `(${items.length})` : "";
  listEl.replaceChildren(...items.map(drawDelivery));
}

function drawDelivery(d) {
  const collect = cmp(d.amount_to_collect ?? "0", "0") > 0;
  const accepted = d.state === "accepted";
  const wait = busy.has(d.id);
  return h(
    "li",
    { class: `cr-delivery cr-${d.state}`, dataset: { delivery: d.id, order: d.order_id } },
    h(
      "header",
      null,
      h("strong", { class: "cr-token", text: label(d) }),
      h("span", { class: `cr-badge cr-badge-${d.state}`, text: accepted ? t("Accepted") : t("New") }),
      d.slot_start || d.slot_end
        ? h("span", { class: "cr-slot", text: slotText(d.slot_start, d.slot_end) })
        : null,
    ),
    h(
      "p",
      { class: `cr-collect${collect ? "" : " cr-collect-none"}`, dataset: { collect: String(d.amount_to_collect ?? "") } },
      collect ? t("Collect {amount}", { amount: money(d.amount_to_collect) }) : t("Nothing to collect"),
    ),
    d.customer_name ? h("p", { class: "cr-customer", attrs: { dir: "auto" }, text: d.customer_name }) : null,
    drawItems(d.items),
    d.address
      ? h("a", {
          class: "cr-address",
          attrs: { href: mapLink(d.address), target: "_blank", rel: "noopener", dir: "auto" },
          text: d.address,
        })
      : null,
    h(
      "div",
      { class: "cr-actions" },
      d.customer_phone
        ? h(
            "a",
            { class: "btn cr-button cr-call", attrs: { href: telLink(d.customer_phone) } },
            `${t("Call")} `,
            h("bdi", { attrs: { dir: "ltr" }, text: d.customer_phone }),
          )
        : null,
      accepted ? null : actButton("accept", "btn-primary", t("Accept"), wait),
      actButton("delivered", "cr-ok", t("Delivered"), wait),
      actButton("returned", "cr-danger", t("Returned"), wait),
    ),
  );
}

function actButton(act, kind, text, wait) {
  return h("button", { class: `btn cr-button ${kind}`, attrs: { type: "button", disabled: wait }, dataset: { act }, text });
}

/** What is in the bag, so the courier can check it before leaving (a combo's parts under it). */
function drawItems(items) {
  if (!Array.isArray(items) || !items.length) return null;
  return h(
    "ul",
    { class: "cr-items", attrs: { "aria-label": t("Items") } },
    items.map((i) =>
      h(
        "li",
        { class: i.part ? "cr-item cr-item-part" : "cr-item" },
        h("bdi", { class: "cr-item-qty", text: i.unit && i.unit !== "piece" ? `${i.qty} ${i.unit}` : `${i.qty} ×` }),
        h("span", { attrs: { dir: "auto" }, text: i.part ? `↳ ${i.name}` : i.name }),
        i.note ? h("small", { attrs: { dir: "auto" }, text: ` · ${i.note}` }) : null,
      ),
    ),
  );
}

/** The whole delivery (its items too) for one the live event announced. */
async function fillIn(id) {
  const result = await http.get(`/api/v1/deliveries/${id}`);
  if (result.status === 401) signInAgain();
  if (!result.ok || !deliveries.has(String(id))) return; // gone meanwhile
  upsert(result.data);
  draw();
}

async function loadDeliveries() {
  const result = await http.get(`/api/v1/couriers/${me}/deliveries?active=true`);
  if (!result.ok) {
    failed(result, t("Deliveries not loaded"));
    return;
  }
  for (const d of result.data) upsert(d);
  draw();
}

// ---------------------------------------------------------------------------------------- balance

async function loadBalance() {
  const result = await http.get(`/api/v1/couriers/${me}/balance`);
  if (result.status === 401) signInAgain();
  if (!result.ok) return;
  showBalance(result.data);
}

function showBalance(b) {
  // One figure, shown twice: what the courier holds for the branch (deliveries done, not yet settled).
  const held = b.cash_in_hand ?? b.owes_branch;
  document.getElementById("cash-in-hand").textContent = money(held);
  document.getElementById("to-collect").textContent = money(b.to_collect ?? "0");
  document.getElementById("fees-today").textContent = money(b.fees_earned_today);
  document.getElementById("tips-today").textContent = money(b.tips_today ?? "0");
  const parts = [];
  if (!dec(held ?? "0").eq(0)) parts.push(t("You hold {amount} for the branch", { amount: money(held) }));
  if (!dec(b.to_collect ?? "0").eq(0)) parts.push(t("{amount} still to collect", { amount: money(b.to_collect) }));
  if (!dec(b.branch_owes ?? "0").eq(0)) parts.push(t("the branch owes you {amount}", { amount: money(b.branch_owes) }));
  document.getElementById("cash-balance").textContent = parts.length ? parts.join(t("; ")) : t("All settled.");
}

let balanceTimer = null;
function balanceSoon() {
  // Several events of one dispatch or settlement arrive together: one read after them.
  clearTimeout(balanceTimer);
  balanceTimer = setTimeout(loadBalance, 300);
}

// ---------------------------------------------------------------------------------------- actions

async function act(id, action) {
  const d = deliveries.get(id);
  if (!d || busy.has(id)) return;
  if (action === "accept") {
    busy.add(id);
    draw();
    const result = await http.post(`/api/v1/deliveries/${id}/accept`);
    if (result.ok) upsert(result.data);
    else failed(result, t("{order} not accepted", { order: label(d) }));
    busy.delete(id);
    draw();
  } else if (action === "delivered") {
    openDelivered(d);
  } else if (action === "returned") {
    openReturned(d);
  }
}

listEl.addEventListener("click", (event) => {
  const button = event.target.closest("[data-act]");
  if (!button) return;
  const item = button.closest("[data-delivery]");
  act(item.dataset.delivery, button.dataset.act);
});

async function finish(d, path, body, errorEl, dialog) {
  busy.add(d.id);
  draw();
  errorEl.hidden = true;
  const result = await http.post(`/api/v1/deliveries/${d.id}/${path}`, body);
  if (result.ok) {
    deliveries.delete(d.id);
    dialog.close();
    toast.ok(
      path === "delivered"
        ? t("{order} delivered.", { order: label(d) })
        : t("{order} on its way back.", { order: label(d) }),
    );
    balanceSoon();
  } else {
    if (result.status === 401) signInAgain();
    // Stays open with the server's words (a bad amount is a 422 naming the field).
    errorEl.textContent = result.error.message;
    errorEl.hidden = false;
  }
  busy.delete(d.id);
  draw();
}

const deliveredDialog = document.getElementById("delivered-dialog");
const deliveredForm = document.getElementById("delivered-form");
const cashInput = document.getElementById("cash-collected");
const deliveredError = document.getElementById("delivered-error");
const extraChoice = document.getElementById("extra-choice");
const shortNote = document.getElementById("short-note");
let deliveredFor = null;

const CASH_PATTERN = /^\d+(\.\d{1,4})?$/;

function sign(x) {
  return cmp(x, "0");
}

/** As the courier types: above the amount asks what the extra is; below it says the collection is short. */
function judgeCash() {
  const d = deliveredFor;
  const cash = cashInput.value.trim().replace(",", ".");
  extraChoice.hidden = true;
  shortNote.hidden = true;
  if (!d || !CASH_PATTERN.test(cash)) return { cash, valid: false };
  const due = d.amount_to_collect ?? "0";
  const places = String(due).includes(".") ? String(due).split(".")[1].length : 0;
  const gap = sub(cash, due);
  if (sign(gap) > 0) {
    document.getElementById("extra-legend").textContent = t("{extra} more than the {due} to collect is…", {
      extra: money(gap.toFixed(places)),
      due: money(due),
    });
    extraChoice.hidden = false;
    // The server's cap (the amount plus a tip as large as the order): a slip of the thumb shows at once.
    const cap = d.order_total != null ? add(due, d.order_total).toFixed(places) : null;
    if (cap !== null && sign(sub(cash, cap)) > 0) {
      shortNote.textContent = t("Check the amount: at most {amount} can be taken on this delivery.", { amount: money(cap) });
      shortNote.hidden = false;
    }
  } else if (sign(gap) < 0) {
    shortNote.textContent = t("Short by {amount}: it is recorded as a short collection and the customer still owes it.", {
      amount: money(gap.abs().toFixed(places)),
    });
    shortNote.hidden = false;
  }
  return { cash, valid: true, over: sign(gap) > 0, due };
}

function openDelivered(d) {
  deliveredFor = d;
  document.getElementById("delivered-order").textContent = label(d);
  deliveredForm.reset();
  // Prefilled with what the courier was to collect: usually one tap to confirm.
  cashInput.value = d.amount_to_collect ?? "0";
  document.getElementById("delivered-hint").textContent = sign(d.amount_to_collect ?? "0")
    ? t("Expected {amount}.", { amount: money(d.amount_to_collect) })
    : t("Paid already: nothing to collect.");
  deliveredError.hidden = true;
  judgeCash();
  deliveredDialog.showModal();
  cashInput.select();
}
cashInput.addEventListener("input", () => {
  deliveredError.hidden = true;
  judgeCash();
});
extraChoice.addEventListener("change", () => {
  deliveredError.hidden = true;
});
deliveredForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!deliveredFor) return;
  const judged = judgeCash();
  if (!judged.valid) {
    deliveredError.textContent = t("Enter the amount like 77.50.");
    deliveredError.hidden = false;
    return;
  }
  const body = { cash_collected: judged.cash };
  if (judged.over) {
    const picked = deliveredForm.querySelector("input[name=extra]:checked");
    if (!picked) {
      deliveredError.textContent = t("Say whether the extra is your tip or paid to the shop.");
      deliveredError.hidden = false;
      return;
    }
    body.extra = picked.value;
  }
  finish(deliveredFor, "delivered", body, deliveredError, deliveredDialog);
});
deliveredDialog.querySelector("[data-close]").addEventListener("click", () => deliveredDialog.close());

const returnedDialog = document.getElementById("returned-dialog");
const returnedForm = document.getElementById("returned-form");
const reasonPick = document.getElementById("return-reason-pick");
const reasonText = document.getElementById("return-reason");
const returnedError = document.getElementById("returned-error");
let returnedFor = null;

function openReturned(d) {
  returnedFor = d;
  document.getElementById("returned-order").textContent = label(d);
  returnedForm.reset();
  returnedError.hidden = true;
  returnedDialog.showModal();
}
reasonPick.addEventListener("change", () => {
  if (reasonPick.value && reasonPick.value !== "other") reasonText.value = reasonPick.value;
  else if (reasonPick.value === "other") {
    reasonText.value = "";
    reasonText.focus();
  }
});
returnedForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!returnedFor) return;
  const reason = reasonText.value.trim();
  if (!reason) {
    returnedError.textContent = t("Say why it comes back.");
    returnedError.hidden = false;
    return;
  }
  finish(returnedFor, "returned", { reason }, returnedError, returnedDialog);
});
returnedDialog.querySelector("[data-close]").addEventListener("click", () => returnedDialog.close());

// ---------------------------------------------------------------------------------------- location

// At most one ping every 30 s, and only while the courier has it switched on (DESIGN §8: nothing is
// tracked without them asking). The server throttles too; a 429 says when to try again.
const PING_EVERY_MS = 30_000;
const locationToggle = document.getElementById("location-toggle");
const locationStatus = document.getElementById("location-status");
let watchId = null;
let latest = null;
let lastSent = 0;
let pingTimer = null;
let notBefore = 0;
let locationNote = false; // the status line says why sharing cannot work: keep it

function locationText(text) {
  locationStatus.textContent = text;
}

async function sendLocation() {
  pingTimer = null;
  if (watchId === null || !latest) return;
  const wait = Math.max(lastSent + PING_EVERY_MS, notBefore) - Date.now();
  if (wait > 0) {
    pingTimer = setTimeout(sendLocation, wait);
    return;
  }
  const position = latest;
  latest = null;
  lastSent = Date.now();
  const result = await http.post("/api/v1/couriers/me/location", position);
  if (result.ok) {
    locationText(t("On · sent at {time}.", { time: time(serverClock.now()) }));
  } else if (result.status === 429) {
    const retry = result.retryAfter || 15;
    notBefore = Date.now() + retry * 1000;
    latest = latest || position;
    pingTimer = setTimeout(sendLocation, retry * 1000);
  } else if (result.status === 404) {
    locationNote = true;
    locationText(t("This server does not take locations."));
    stopLocation();
  } else {
    locationText(t("On · not sent: {reason}", { reason: result.error.message }));
  }
}

function startLocation() {
  if (!("geolocation" in navigator)) {
    locationNote = true;
    locationText(t("This phone cannot share its location."));
    return;
  }
  locationToggle.setAttribute("aria-pressed", "true");
  locationNote = false;
  locationText(t("On · finding you…"));
  watchId = navigator.geolocation.watchPosition(
    (pos) => {
      latest = {
        lat: pos.coords.latitude,
        lng: pos.coords.longitude,
        accuracy: Number.isFinite(pos.coords.accuracy) ? pos.coords.accuracy : undefined,
      };
      if (!pingTimer) sendLocation();
    },
    (error) => {
      if (error.code === 1) {
        locationNote = true;
        locationText(t("Location permission was refused."));
        stopLocation();
      } else {
        locationText(t("No location: {reason}", { reason: error.message }));
      }
    },
    { enableHighAccuracy: true, maximumAge: 15_000, timeout: 60_000 },
  );
}

function stopLocation() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
  latest = null;
  clearTimeout(pingTimer);
  pingTimer = null;
  locationToggle.setAttribute("aria-pressed", "false");
  // A reason the share stopped stays on screen; otherwise it just says it is off.
  if (!locationNote) locationText(t("Off."));
}

locationToggle.addEventListener("click", () => {
  if (watchId === null) startLocation();
  else stopLocation();
});

// ---------------------------------------------------------------------------------------- live

const HANDLERS = {
  "courier.assigned"(data) {
    if (Number(data.courier_id) !== me) {
      removeOrder(data.order_id); // reassigned to someone else
      return;
    }
    removeOrder(data.order_id); // a re-dispatch replaces the earlier delivery of the order
    upsert({
      id: data.delivery_id,
      order_id: data.order_id,
      state: "assigned",
      amount_to_collect: data.amount_to_collect,
      courier_fee: data.courier_fee,
      settle_mode: data.settle_mode,
      address: data.address,
      slot_start: data.slot_start,
      slot_end: data.slot_end,
      token: data.token,
      channel: data.channel,
      customer_name: data.customer_name ?? null,
      customer_phone: data.customer_phone ?? null,
    });
    fillIn(data.delivery_id);
    balanceSoon();
  },
  "courier.updated"(data) {
    if (!data.delivery_id) return;
    const d = deliveries.get(String(data.delivery_id));
    if (!d) return;
    if (data.state === "delivered" || data.state === "returned") deliveries.delete(d.id);
    else if (data.state) d.state = data.state;
  },
  "order.state_changed"(data) {
    // Off the road (delivered, returned, cancelled, or taken back by the branch): off the list.
    if (data.to !== "out_for_delivery") removeOrder(data.order_id);
    balanceSoon();
  },
  "settlement.completed"() {
    balanceSoon();
  },
  "payment.collected"() {
    balanceSoon();
  },
};

function onEvent(event) {
  serverClock.observeEvent(event.id);
  const handler = HANDLERS[event.type];
  if (!handler) return;
  handler(event.data || {});
  draw();
}

/** The first load in one call: the deliveries on the road and the balance (an older server: two). */
async function loadToday() {
  const result = await http.get(`/api/v1/couriers/${me}/today`);
  if (result.status === 404 || result.status === 405) {
    await Promise.all([loadDeliveries(), loadBalance()]);
    return;
  }
  if (result.status === 401) signInAgain();
  if (!result.ok) {
    failed(result, t("Deliveries not loaded"));
    return;
  }
  for (const d of result.data.deliveries) upsert(d);
  draw();
  showBalance(result.data.balance);
}

async function start() {
  setStatus("connecting");
  await loadToday();
  connectLive({
    namespace: "/courier",
    branchIds: [boot.branch.id],
    lastIds: { [String(boot.branch.id)]: boot.stream_id },
    onEvent,
    // The server cannot replay what this page missed: a fresh page is the simplest whole snapshot.
    onResync: async () => {
      window.location.reload();
      return null;
    },
    onStatus: setStatus,
  });
}

start();
