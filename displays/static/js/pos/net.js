// The till's API calls, on the shared `http` (CSRF, the device token, the page's language, a typed
// result). The till's own logic branches on one question — did the server say no, or could it not be
// reached? — so a failed call is thrown as one of two errors here: `Refused` (the server answered, with a
// status and its message in the cashier's language) or `Offline` (no network, or the service worker had
// neither the network nor a saved copy: the cue to sell offline and queue the sale).
//
// Reads are tried once: offline the service worker answers at once from its copy, and the till has its
// own retries (the queue's replay), so a back-off here would only make an offline reload slower.

import { request } from "/static/js/shared/http.js";
import { t } from "/static/js/shared/i18n.js";

export class Refused extends Error {
  constructor(result) {
    super(result.error.message);
    this.status = result.status;
    this.code = result.error.code;
    this.field = result.error.field;
    this.body = result.error.body || {};
  }
}

export class Offline extends Error {
  constructor() {
    super(t("No connection to the server."));
  }
}

/** The answer's data; throws Refused or Offline. */
export async function call(method, path, body) {
  const result = await request(method, path, body, { attempts: 1 });
  if (result.ok) return result.data;
  // pos-sw.js answers 503 with this code when it has neither the network nor a saved copy.
  if (result.offline || result.error.code === "pos_offline") throw new Offline();
  throw new Refused(result);
}

/** What went wrong, for the cashier: the server's message (already in their language), or ours. */
export function describeError(error) {
  if (error instanceof Refused || error instanceof Offline) return error.message;
  return error && error.message ? error.message : String(error);
}

export function uuid() {
  return crypto.randomUUID();
}
