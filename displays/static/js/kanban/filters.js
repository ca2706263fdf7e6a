// What the manager narrows the board to: branches (several at once), channels, courier, slot window and
// a search over token and customer. Remembered per user: on the server (`/api/v1/me/preferences/…`, so
// the filters follow the manager between the office laptop and the tablet at the pass), and in this
// browser's localStorage as well, which is what remains when the server has no preferences endpoint.

import { minutesIn, toMs } from "/static/js/shared/clock.js";
import { h } from "/static/js/shared/dom.js";
import { t } from "/static/js/shared/i18n.js";
import { CHANNEL_LABELS } from "/static/js/shared/labels.js";
import { HttpError, debounce, request } from "./net.js";

export const PREFERENCE_KEY = "kanban.filters";
const CHANNELS = Object.keys(CHANNEL_LABELS);

export function defaultFilters(branchIds) {
  return { branches: [...branchIds], channels: [], courier: "", slot_from: "", slot_to: "", q: "", done_open: false };
}

/** Keeps only what still makes sense (a branch the user lost, a channel that no longer exists). */
export function sanitize(raw, branchIds) {
  const base = defaultFilters(branchIds);
  if (!raw || typeof raw !== "object") return base;
  const allowed = new Set(branchIds.map(Number));
  const branches = Array.isArray(raw.branches) ? raw.branches.map(Number).filter((b) => allowed.has(b)) : [];
  const time = (v) => (typeof v === "string" && /^\d{2}:\d{2}$/.test(v) ? v : "");
  return {
    branches: branches.length ? [...new Set(branches)] : base.branches,
    channels: Array.isArray(raw.channels) ? raw.channels.filter((c) => CHANNELS.includes(c)) : [],
    courier: typeof raw.courier === "string" || typeof raw.courier === "number" ? String(raw.courier) : "",
    slot_from: time(raw.slot_from),
    slot_to: time(raw.slot_to),
    q: typeof raw.q === "string" ? raw.q.slice(0, 100) : "",
    done_open: raw.done_open === true,
  };
}

const DAY = 24 * 60;

function minutesOfDay(ms, timeZone) {
  return minutesIn(ms, timeZone);
}

function hhmmMinutes(value, fallback) {
  if (!value) return fallback;
  const [hours, minutes] = value.split(":").map(Number);
  return hours * 60 + minutes;
}

/**
 * Does a slot overlap the window? Both are times of day in the branch's zone, so "18:00–20:00" means the
 * evening whatever the date (the board holds today's and the next few orders); a window or a slot that
 * runs past midnight wraps.
 */
export function slotInWindow(startMs, endMs, from, to, timeZone) {
  let s = minutesOfDay(startMs, timeZone);
  let e = minutesOfDay(endMs, timeZone);
  if (e < s) e += DAY;
  const f = hhmmMinutes(from, 0);
  let t = hhmmMinutes(to, DAY);
  if (t < f) t += DAY;
  for (const shift of [-DAY, 0, DAY]) {
    if (s + shift <= t && e + shift >= f) return true;
  }
  return false;
}

/** Does an order pass the filters (branches are handled by what the board follows)? */
export function matches(order, filters, timeZone) {
  if (filters.channels.length && !filters.channels.includes(order.channel)) return false;
  const courier = order.card.courier_id;
  if (filters.courier === "none" && courier) return false;
  if (filters.courier && filters.courier !== "none" && String(courier ?? "") !== filters.courier) return false;
  if (filters.slot_from || filters.slot_to) {
    const start = toMs(order.card.slot_start) ?? toMs(order.card.slot_end);
    const end = toMs(order.card.slot_end) ?? start;
    if (start === null) return false; // an order without a slot is in no slot window
    if (!slotInWindow(start, end, filters.slot_from, filters.slot_to, timeZone)) return false;
  }
  const q = filters.q.trim().toLowerCase();
  if (q) {
    const token = order.token === null || order.token === undefined ? "" : String(order.token);
    const bare = q.replace(/^(#|№\s*)/, "");
    const hit =
      (token && token === bare) ||
      (order.card.customer_name || "").toLowerCase().includes(q) ||
      (order.card.customer_phone || "").includes(q) ||
      (order.card.table_label || "").toLowerCase().includes(q) ||
      order.id.toLowerCase().startsWith(bare);
    if (!hit) return false;
  }
  return true;
}

/** The filter bar: reads and writes the controls, persists, and tells the board when anything changed. */
export class FilterBar {
  constructor({ userId, branches, onChange }) {
    this.userId = userId;
    this.branches = branches;
    this.branchIds = branches.map((b) => b.id);
    this.onChange = onChange;
    this.filters = defaultFilters(this.branchIds);
    this.serverPrefs = true; // until the server says it has no preferences endpoint
    // `#kanban[data-saving]` while a save waits or is in flight (people leaving the page and tests wait on it).
    this.saveLater = debounce(() => this.save().finally(() => this.settled()), 600);
    // A change made just before closing the tab is not lost to the debounce.
    window.addEventListener("pagehide", () => this.saveLater.flush());
    this.localKey = `passline:${PREFERENCE_KEY}:${userId}`;
    this.el = {
      branches: document.getElementById("branch-filter"),
      channels: document.getElementById("channel-filter"),
      courier: document.getElementById("f-courier"),
      from: document.getElementById("f-slot-from"),
      to: document.getElementById("f-slot-to"),
      search: document.getElementById("f-search"),
      clear: document.getElementById("f-clear"),
      count: document.getElementById("f-count"),
      done: document.getElementById("done"),
    };
  }

  /** Loads the remembered filters: the server's copy first (handed over with the page when it has it),
   * this browser's when there is none. */
  async load(saved) {
    let raw = saved && typeof saved === "object" ? saved : null;
    if (saved === undefined) {
      try {
        const answer = await request("GET", `/api/v1/me/preferences/${PREFERENCE_KEY}`);
        raw = answer && typeof answer === "object" && "value" in answer ? answer.value : answer;
      } catch (error) {
        // 404: nothing saved yet, or no such endpoint on this server; either way the local copy decides.
        if (!(error instanceof HttpError) || error.status >= 500) console.warn("preferences", error);
      }
    }
    if (!raw || typeof raw !== "object" || !Object.keys(raw).length) {
      try {
        raw = JSON.parse(localStorage.getItem(this.localKey) || "null");
      } catch {
        raw = null;
      }
    }
    this.filters = sanitize(raw, this.branchIds);
    this.build();
    return this.filters;
  }

  async save() {
    const value = { ...this.filters };
    try {
      localStorage.setItem(this.localKey, JSON.stringify(value));
    } catch {
      // Private mode or a full quota: the server copy still holds it.
    }
    if (!this.serverPrefs) return;
    try {
      await request("PUT", `/api/v1/me/preferences/${PREFERENCE_KEY}`, value, { keepalive: true });
    } catch (error) {
      if (error instanceof HttpError && (error.status === 404 || error.status === 405)) this.serverPrefs = false;
      else console.warn("saving preferences", error);
    }
  }

  queueSave() {
    document.getElementById("kanban").dataset.saving = "true";
    this.saveLater();
  }

  settled() {
    // One debounced save answers for every change queued before it ran; a later change has its own.
    if (!this.saveLater.pending()) delete document.getElementById("kanban").dataset.saving;
  }

  set(patch, { branchesChanged = false } = {}) {
    Object.assign(this.filters, patch);
    this.queueSave();
    this.onChange(this.filters, { branchesChanged });
  }

  build() {
    const f = this.filters;
    // Branch chips: one toggle per branch; at least one stays on.
    this.el.branches.replaceChildren(
      ...this.branches.map((b) =>
        h("button", { class: "kb-chip", dataset: { branch: String(b.id) }, text: b.name, attrs: { type: "button", "aria-pressed": String(f.branches.includes(b.id)) } }),
      ),
    );
    this.el.branches.hidden = this.branches.length < 2;
    this.el.branches.onclick = (event) => {
      const chip = event.target.closest("[data-branch]");
      if (!chip) return;
      const id = Number(chip.dataset.branch);
      const on = new Set(this.filters.branches);
      if (on.has(id)) {
        if (on.size === 1) return;
        on.delete(id);
      } else {
        on.add(id);
      }
      const branches = this.branchIds.filter((b) => on.has(b));
      for (const c of this.el.branches.querySelectorAll("[data-branch]")) {
        c.setAttribute("aria-pressed", String(on.has(Number(c.dataset.branch))));
      }
      this.set({ branches }, { branchesChanged: true });
    };

    this.el.channels.replaceChildren(
      ...CHANNELS.map((c) =>
        h("button", { class: "kb-chip", dataset: { channel: c }, text: CHANNEL_LABELS[c], attrs: { type: "button", "aria-pressed": String(f.channels.includes(c)) } }),
      ),
    );
    this.el.channels.onclick = (event) => {
      const chip = event.target.closest("[data-channel]");
      if (!chip) return;
      const on = new Set(this.filters.channels);
      if (on.has(chip.dataset.channel)) on.delete(chip.dataset.channel);
      else on.add(chip.dataset.channel);
      chip.setAttribute("aria-pressed", String(on.has(chip.dataset.channel)));
      this.set({ channels: CHANNELS.filter((c) => on.has(c)) });
    };

    this.el.search.value = f.q;
    this.el.search.oninput = () => this.set({ q: this.el.search.value });
    this.el.from.value = f.slot_from;
    this.el.to.value = f.slot_to;
    this.el.from.onchange = () => this.set({ slot_from: this.el.from.value });
    this.el.to.onchange = () => this.set({ slot_to: this.el.to.value });
    this.el.courier.onchange = () => this.set({ courier: this.el.courier.value });
    this.el.done.open = f.done_open;
    this.el.done.ontoggle = () => {
      if (this.el.done.open !== this.filters.done_open) this.set({ done_open: this.el.done.open });
    };
    this.el.clear.onclick = () => {
      const keep = { branches: this.filters.branches, done_open: this.filters.done_open };
      this.filters = { ...defaultFilters(this.branchIds), ...keep };
      this.build();
      this.queueSave();
      this.onChange(this.filters, { branchesChanged: false });
    };
  }

  /** The courier select lists the couriers of the followed branches (names come with the branch). */
  setCouriers(couriers) {
    const select = this.el.courier;
    const current = this.filters.courier;
    const options = [h("option", { text: t("Any"), attrs: { value: "" } }), h("option", { text: t("Unassigned"), attrs: { value: "none" } })];
    const multi = new Set(couriers.map((c) => c.branch_id)).size > 1;
    for (const c of couriers) {
      const branch = this.branches.find((b) => b.id === c.branch_id);
      const label = multi && branch ? `${c.name} (${branch.name})` : c.name;
      options.push(h("option", { text: label, attrs: { value: String(c.id) } }));
    }
    select.replaceChildren(...options);
    // A remembered courier of a branch no longer followed still filters (it is just not listed).
    if (current && ![...select.options].some((o) => o.value === current)) {
      select.append(h("option", { text: t("Courier {id}", { id: current }), attrs: { value: current } }));
    }
    select.value = current;
  }

  showCount(shown, total) {
    this.el.count.textContent = shown === total ? t("{total} open", { total }) : t("{shown} of {total} open", { shown, total });
  }

  active() {
    const f = this.filters;
    return Boolean(f.channels.length || f.courier || f.slot_from || f.slot_to || f.q.trim());
  }
}
