// The couriers of the followed branches: names for the cards and the filter, each one's load (cards out
// for delivery with their name) and their last location ping, when they share it from /courier.

import { formatAge, idMs, serverClock, toMs } from "/static/js/shared/clock.js";
import { h } from "/static/js/shared/dom.js";
import { t } from "/static/js/shared/i18n.js";
import { request } from "./net.js";

const STALE_LOCATION_MS = 10 * 60 * 1000;

export class Couriers {
  constructor({ board }) {
    this.board = board;
    this.byId = new Map();
    this.byBranch = new Map(); // branch id -> Promise<courier[]>
    this.locations = new Map(); // courier id -> {lat, lng, at_ms}
    this.el = document.getElementById("couriers");
    this.listeners = new Set();
    setInterval(() => this.draw(), 15_000);
  }

  onChange(listener) {
    this.listeners.add(listener);
  }

  /** The couriers of a branch: from the board snapshot; a branch it did not cover is asked once. */
  of(branchId) {
    const key = Number(branchId);
    if (!this.byBranch.has(key)) {
      const loading = request("GET", `/api/v1/couriers?branch_id=${key}`).then((list) => {
        for (const c of list) this.byId.set(c.id, c);
        return list;
      });
      loading.catch(() => this.byBranch.delete(key));
      this.byBranch.set(key, loading);
    }
    return this.byBranch.get(key);
  }

  /** The snapshot's couriers of the followed branches (with load and last position) and the deliveries on
   * the road (whether each was accepted on the phone yet; events say so from then on). */
  load(branchIds, couriers, deliveries, { following = branchIds } = {}) {
    this.lists = this.lists || new Map(); // branch id -> that branch's couriers, as its last snapshot said
    for (const b of branchIds.map(Number)) {
      const list = couriers.filter((c) => c.branch_id === b);
      this.lists.set(b, list);
      this.byBranch.set(b, Promise.resolve(list));
    }
    for (const c of couriers) {
      this.byId.set(c.id, c);
      if (c.location) this.setLocation({ courier_id: c.id, ...c.location });
    }
    // A resync reloads one branch: the strip still shows every followed branch's couriers.
    this.followed = following.flatMap((b) => this.lists.get(Number(b)) || []);
    for (const d of deliveries) this.board.noteDelivery(d);
    this.draw();
    for (const listener of this.listeners) listener(this.followed);
    return this.followed;
  }

  setLocation(item) {
    if (!item || item.courier_id === undefined || item.lat === undefined || item.lng === undefined) return false;
    const at = toMs(item.at) ?? serverClock.now();
    const held = this.locations.get(Number(item.courier_id));
    if (held && held.at_ms > at) return false;
    this.locations.set(Number(item.courier_id), { lat: Number(item.lat), lng: Number(item.lng), at_ms: at });
    return true;
  }

  /** `courier.updated` with a position moves the courier's pin. */
  apply(event) {
    if (event.type !== "courier.updated") return;
    const data = event.data || {};
    if (data.lat === undefined || data.lng === undefined) return;
    if (this.setLocation({ ...data, at: data.at ?? idMs(event.id) })) this.draw();
  }

  draw() {
    const couriers = (this.followed || []).filter((c) => c.active !== false);
    const now = serverClock.now();
    // The strip keeps its height when empty, so cards do not jump when the couriers arrive.
    const none = this.followed && !couriers.length;
    this.el.replaceChildren(
      h("h2", { class: "visually-hidden", text: t("Couriers") }),
      ...(none ? [h("span", { class: "kb-muted", text: t("No couriers in these branches.") })] : []),
      ...couriers.map((c) => {
        const load = this.board.loadOf(c.id);
        const spot = this.locations.get(c.id);
        let where = null;
        if (spot) {
          const age = now - spot.at_ms;
          where = h("a", { class: `kb-where${age > STALE_LOCATION_MS ? " kb-where-stale" : ""}`, text: `📍 ${t("{age} ago", { age: formatAge(age) })}`, attrs: { href: `https://www.openstreetmap.org/?mlat=${spot.lat}&mlon=${spot.lng}#map=17/${spot.lat}/${spot.lng}`, target: "_blank", rel: "noopener", title: t("Last seen {age} ago", { age: formatAge(age) }) } });
        }
        return h(
          "span",
          { class: "kb-courier-chip", dataset: { courier: String(c.id) } },
          // The courier's cash (balance, settle, history) is a tap away from their chip.
          h(
            "a",
            { class: "kb-courier-cash", attrs: { href: `/admin/courier-cash?branch=${c.branch_id}&courier=${c.id}`, title: t("{name}: cash and settlements", { name: c.name }) } },
            h("bdi", null, h("strong", { text: c.name })),
          ),
          h("span", { class: "kb-load", text: load ? t("{n} out", { n: load }) : t("free") }),
          where,
        );
      }),
    );
  }
}
