// The one human reference of an order, on every screen: "#42", the order's token (every order gets one
// when it is created). An order stored before that falls back to the start of its id, "№ 35A6C1", so it
// is never mistaken for a token. app/orders/ref.py is the same rule for receipts and alerts.

/** `order` may be a card, a ticket, a delivery or an API order: {token, order_id | id}. */
export function orderRef(order) {
  if (!order) return "";
  if (order.token !== null && order.token !== undefined && order.token !== "") return `#${order.token}`;
  const id = String(order.order_id ?? order.id ?? "").replace(/-/g, "");
  return `№ ${id.slice(0, 6).toUpperCase()}`;
}
