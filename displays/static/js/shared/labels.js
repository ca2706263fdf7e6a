// What the states, channels and payment words are called on every screen, in the page's language.

import { t } from "./i18n.js";

export const STATE_LABELS = {
  scheduled: t("Scheduled"),
  received: t("Received"),
  preparing: t("Preparing"),
  ready: t("Ready"),
  out_for_delivery: t("Out for delivery"),
  returned: t("Returned"),
  completed: t("Completed"),
  delivered: t("Delivered"),
  cancelled: t("Cancelled"),
};

export const CHANNEL_LABELS = {
  counter: t("Counter"),
  pickup: t("Pickup"),
  dine_in: t("Dine-in"),
  delivery: t("Delivery"),
  partner: t("Partner"),
};

export const PAYMENT_LABELS = {
  unpaid: t("Unpaid"),
  partially_paid: t("Part paid"),
  paid: t("Paid"),
  refunded: t("Refunded"),
};

export const METHOD_LABELS = {
  cash: t("Cash"),
  card: t("Card"),
  wallet: t("Wallet"),
  online: t("Online"),
  voucher: t("Voucher"),
};

function pick(table, key) {
  return table[key] || String(key || "").replace(/_/g, " ");
}

export const stateLabel = (state) => pick(STATE_LABELS, state);
export const channelLabel = (channel) => pick(CHANNEL_LABELS, channel);
export const paymentLabel = (status) => pick(PAYMENT_LABELS, status);
export const methodLabel = (method) => pick(METHOD_LABELS, method);

/** The one human reference of an order: "#42" (its token), or "№ 35A6C1" (older orders, by id). */
export function orderRef(order) {
  if (!order) return "";
  if (order.token !== null && order.token !== undefined && order.token !== "") return `#${order.token}`;
  const id = String(order.order_id ?? order.id ?? "").replace(/-/g, "");
  return `№ ${id.slice(0, 6).toUpperCase()}`;
}
