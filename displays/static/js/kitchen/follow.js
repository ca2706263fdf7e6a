// What every kitchen screen (station, expo) shares: the API call that throws (their code was written
// around it), the connection indicator, signing in again (a paired tablet pairs again), and
// snapshot -> subscribe -> apply for one branch.
//
// The rule that keeps a wall tablet right all day (DESIGN §5, STYLE 9): the page holds the state of one
// snapshot plus every event after it, applied by ticket id, each event at most once (ids at or below the
// last applied one are dropped). live.js resumes from the last event id after a drop and asks for a
// `resync` when the server cannot replay; the page then reloads the snapshot while newer events wait,
// and applies those newer than the snapshot.

import { serverClock } from "/static/js/shared/clock.js";
import { DEVICE_REFUSALS, deviceCredentials, goPair, socketAuth } from "/static/js/shared/credentials.js";
import { request } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";
import { compareIds, connectLive, isStreamId } from "/static/js/shared/live.js";
import { toast } from "/static/js/shared/toast.js";

/** An API call that throws {status, message, body} on failure (status 0: no network). */
export async function kitchenApi(method, path, body) {
  const result = await request(method, path, body, { attempts: 1 });
  if (result.ok) return result.data;
  const error = new Error(result.error.message);
  error.status = result.status;
  error.body = result.error.body;
  throw error;
}

export function signInAgain() {
  const next = window.location.pathname + window.location.search;
  // A paired tablet (a device token, or a page served without a session) pairs again; staff sign in.
  const screen = document.getElementById("kds");
  if (deviceCredentials() || (screen && screen.dataset.session === "0")) {
    goPair(next);
    return;
  }
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

const STATUS_TEXT = {
  connecting: t("Connecting…"),
  live: t("Live"),
  offline: t("Offline · reconnecting…"),
  refused: t("Refused"),
};

/** The connection indicator in the top bar: a dot and a word (the word matters for colour-blind cooks). */
export function showStatus(el, status, detail) {
  el.dataset.status = status;
  let text = STATUS_TEXT[status] || status;
  if (status === "refused" && detail && detail.message) text = t("Refused: {reason}", { reason: detail.message });
  el.querySelector("span").textContent = text;
  el.title = text;
}

/** The kitchen's message: the shared toast (an alert, read out), gone after `ms`. */
export function createToast() {
  return (message, { ms = 6000 } = {}) => toast.error(message, { timeout: ms });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Snapshot -> subscribe -> apply, for a kitchen screen of one branch.
 *
 * `applySnapshot(snapshot, reason)` replaces the page's state; `applyEvent(event)` applies one event and is
 * called only for ids newer than the state's. `reload(reason)` fetches a fresh snapshot (requests made
 * while one waits to start share it); events that arrive meanwhile wait and are applied afterwards if newer.
 */
export function followKitchen({ branchId, snapshotPath, auth, applySnapshot, applyEvent, onStatus, onError }) {
  let applied = null; // the last stream id the page's state reflects
  let held = null; // events that arrived while a snapshot was loading
  let queued = null; // a reload that has been asked for and not started: later requests join it
  let chain = Promise.resolve();
  let live = null;
  let socketStatus = "connecting"; // what the socket last said, to show again once the API is back
  let apiTrouble = false;

  function deliver(event) {
    if (held) {
      held.push(event);
      return;
    }
    if (applied !== null && compareIds(event.id, applied) <= 0) return;
    applied = event.id;
    serverClock.observeEvent(event.id);
    applyEvent(event);
  }

  async function fetchSnapshot() {
    // Server trouble and lost networks are retried for as long as it takes: a wall tablet has nobody to
    // press a button. Refusals (the station was removed, the role taken away) are not.
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await kitchenApi("GET", snapshotPath);
      } catch (error) {
        if (error.status === 401) {
          signInAgain();
          throw error;
        }
        if (error.status && error.status < 500 && error.status !== 429) throw error;
        apiTrouble = true;
        onStatus("offline", error);
        await sleep(Math.min(10_000, 500 * 2 ** attempt));
      }
    }
  }

  async function load(reason) {
    held = held || [];
    try {
      const snapshot = await fetchSnapshot();
      if (apiTrouble) {
        // The indicator said "offline" while the API was unreachable; the socket may have stayed up.
        apiTrouble = false;
        onStatus(socketStatus);
      }
      applied = isStreamId(snapshot.stream_id) ? snapshot.stream_id : null;
      applySnapshot(snapshot, reason);
      return snapshot;
    } finally {
      const waiting = held;
      held = null;
      for (const event of waiting) deliver(event);
    }
  }

  function reload(reason) {
    if (queued) return queued;
    const run = chain.then(() => {
      queued = null;
      return load(reason);
    });
    queued = run;
    chain = run.catch((error) => onError(error));
    return run;
  }

  const ready = reload("initial").then(() => {
    live = connectLive({
      namespace: "/kds",
      branchIds: [branchId],
      lastIds: applied ? { [branchId]: applied } : {},
      // A function: Socket.IO asks again on every reconnect, so fresh credentials are always sent.
      auth: () => socketAuth(auth),
      onEvent: deliver,
      // The server could not replay what we missed: the snapshot we return is where events resume.
      onResync: ({ reason }) => reload(reason || "resync"),
      onStatus: (status, detail) => {
        const code = detail && detail.data && detail.data.code;
        if (status === "refused" && (code === "unauthorized" || DEVICE_REFUSALS.has(code))) {
          signInAgain();
          return;
        }
        socketStatus = status;
        onStatus(status, detail);
      },
    });
    return live;
  });

  return {
    ready,
    reload,
    applied: () => applied,
    live: () => live,
  };
}
