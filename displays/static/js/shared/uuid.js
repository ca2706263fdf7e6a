// Client-made ids (a trip, a courier's cash note): the server's idempotency keys, so a retried request
// cannot act twice.

/** A random v4 UUID; crypto.randomUUID needs a secure context, which a shop's LAN address may not be. */
export function uuid4() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
