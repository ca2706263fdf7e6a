// Live updates for every screen: snapshot -> subscribe -> apply (DESIGN §5, STYLE 9).
//
// A page renders a snapshot that says which stream id it is current to (per branch), then connects with
// those ids; the server replays what the page missed, in order, then sends live events. This module keeps
// the last applied id of each branch and applies an event only if its id is greater. That one rule makes
// reconnects, replays and the rare repeat (an id the page already has) harmless: ids are the branch
// stream's, strictly increasing, compared as (milliseconds, sequence) numerically — never as strings.
//
// On reconnect Socket.IO calls the `auth` function again, so the server always gets the latest ids.
// When the server cannot replay (the ids fell out of the retained window) it sends `resync`: the page
// reloads its snapshot while events of that branch are held back, then those newer than the new snapshot
// are applied.
//
//   import { connectLive } from "/static/js/live.js";
//   const live = connectLive({
//     namespace: "/kanban",
//     branchIds: [1],
//     snapshotUrl: "/api/v1/branches/1/board",      // optional; JSON with {branch_id, stream_id}
//     onSnapshot: (board) => render(board),          // with snapshotUrl: first load and after each resync
//     onEvent: (event) => apply(event),              // {id, type, branch_id, ts, data}
//     onResync: ({ branch_id, reason }) => ...,      // without snapshotUrl: reload, return the snapshot
//     onStatus: (status, detail) => ...,             // "connecting" | "live" | "offline" | "refused"
//   });

import { io } from "/vendor/socket.io/socket.io.esm.min.js";
import { pageData } from "./page.js";

function compareDigits(a, b) {
  // Decimal strings of any length: fewer digits is smaller, same length compares as text.
  const x = a.replace(/^0+(?=\d)/, "");
  const y = b.replace(/^0+(?=\d)/, "");
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** -1, 0 or 1: stream ids "ms-seq" compared numerically (either part may exceed 2^53). */
export function compareIds(a, b) {
  const [am, as = "0"] = String(a).split("-");
  const [bm, bs = "0"] = String(b).split("-");
  return compareDigits(am, bm) || compareDigits(as, bs);
}

export function isStreamId(value) {
  return typeof value === "string" && /^\d{1,20}(-\d{1,20})?$/.test(value);
}

/** Stream ids a snapshot says it is current to: {stream_id, branch_id} or {stream_ids: {branch: id}}. */
export function snapshotIds(snapshot, fallbackBranch) {
  const ids = {};
  if (!snapshot || typeof snapshot !== "object") return ids;
  if (snapshot.stream_ids && typeof snapshot.stream_ids === "object") {
    for (const [branch, id] of Object.entries(snapshot.stream_ids)) {
      if (isStreamId(id)) ids[String(branch)] = id;
    }
  }
  const single = snapshot.stream_id ?? snapshot.last_event_id;
  const branch = snapshot.branch_id ?? fallbackBranch;
  if (isStreamId(single) && branch !== undefined && branch !== null) ids[String(branch)] = single;
  return ids;
}

/** The apply-once rule on its own, for pages (and tests) that feed events by hand. */
export function createTracker(initial = {}) {
  const last = new Map(Object.entries(initial).filter(([, id]) => isStreamId(id)));
  return {
    last,
    /** True if the event is new for its branch (and records it); false for an id already applied. */
    accept(event) {
      const branch = String(event.branch_id);
      const previous = last.get(branch);
      if (previous !== undefined && compareIds(event.id, previous) <= 0) return false;
      last.set(branch, event.id);
      return true;
    },
    set(branch, id) {
      if (isStreamId(id)) last.set(String(branch), id);
      else last.delete(String(branch));
    },
    ids() {
      return Object.fromEntries(last);
    },
  };
}

async function fetchJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

export function connectLive({
  namespace,
  auth = {},
  branchIds = [],
  snapshotUrl,
  lastIds = {},
  onSnapshot = () => {},
  onEvent = () => {},
  onResync = async () => null,
  onStatus = () => {},
  ioOptions = {},
} = {}) {
  const branches = branchIds.map((b) => String(b));
  const tracker = createTracker(lastIds);
  const resyncing = new Map(); // branch -> events held back while its snapshot reloads
  let closed = false;

  function apply(event) {
    const branch = String(event.branch_id);
    const held = resyncing.get(branch);
    if (held) {
      held.push(event);
      return;
    }
    if (tracker.accept(event)) onEvent(event);
  }

  async function loadSnapshot(reason) {
    const snapshot = await fetchJson(snapshotUrl);
    const ids = snapshotIds(snapshot, branches.length === 1 ? branches[0] : undefined);
    for (const [branch, id] of Object.entries(ids)) tracker.set(branch, id);
    onSnapshot(snapshot, reason);
    return ids;
  }

  async function resync({ branch_id: branchId, reason }) {
    const branch = String(branchId);
    if (resyncing.has(branch)) return; // one reload at a time; later events are already held
    resyncing.set(branch, []);
    try {
      let ids;
      if (snapshotUrl) {
        onResync({ branch_id: branchId, reason });
        ids = await loadSnapshot(reason);
      } else {
        ids = snapshotIds(await onResync({ branch_id: branchId, reason }), branch);
      }
      // A snapshot without an id cannot say what it contains: apply whatever comes next.
      tracker.set(branch, ids[branch]);
    } catch (error) {
      onStatus("offline", error);
      tracker.set(branch, undefined);
    } finally {
      const held = resyncing.get(branch) || [];
      resyncing.delete(branch);
      for (const event of held) apply(event);
    }
  }

  // Called by Socket.IO on the first connect and on every reconnect: always the latest ids.
  function connectAuth(callback) {
    const extra = typeof auth === "function" ? auth() : auth;
    const ids = tracker.ids();
    callback(Object.keys(ids).length ? { ...extra, last_event_ids: ids } : { ...extra });
  }

  const socket = io(namespace, {
    transports: ["websocket"],
    autoConnect: false,
    auth: connectAuth,
    // The page's language: a refusal (not signed in, not your branch) comes back in it.
    query: pageData.lang ? { lang: pageData.lang } : {},
    ...ioOptions,
  });

  // Fresh ids for every branch, before connecting again: used when the server refused the ids we held.
  async function reloadAll(reason) {
    tracker.last.clear();
    if (snapshotUrl) {
      await loadSnapshot(reason);
      return;
    }
    for (const branch of branches) {
      const ids = snapshotIds(await onResync({ branch_id: Number(branch), reason }), branch);
      tracker.set(branch, ids[branch]);
    }
  }

  socket.onAny((name, payload) => {
    if (name === "hello") onStatus("live", payload);
    else if (name === "resync") resync(payload);
    else if (payload && payload.id && payload.branch_id !== undefined) apply(payload);
  });
  socket.on("connect_error", (error) => {
    const code = error && error.data && error.data.code;
    if (code === "bad_event_id") {
      // The ids this page holds are unusable (an old page, a bug): reload, then connect with good ones.
      reloadAll("bad_event_id")
        .catch((problem) => onStatus("offline", problem))
        .finally(() => closed || socket.connect());
      return;
    }
    // Refusals by the server (unauthorized, forbidden, …) are final; transport errors retry on their own.
    onStatus(socket.active ? "offline" : "refused", error);
  });
  socket.on("disconnect", (reason) => {
    if (closed) return;
    onStatus("offline", reason);
    // The server ended the connection (e.g. a restart that closed it cleanly): come back.
    if (reason === "io server disconnect") setTimeout(() => closed || socket.connect(), 1000);
  });

  const ready = (async () => {
    onStatus("connecting");
    if (snapshotUrl) {
      try {
        await loadSnapshot("initial");
      } catch (error) {
        onStatus("offline", error);
      }
    }
    if (!closed) socket.connect();
  })();

  return {
    socket,
    ready,
    lastIds: () => tracker.ids(),
    close() {
      closed = true;
      socket.disconnect();
    },
  };
}
