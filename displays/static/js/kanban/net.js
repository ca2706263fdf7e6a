// The board's calls go through the shared http.js (CSRF, the page's language, the server's clock,
// retried GETs). The board's flows are written as "try the move, roll back on refusal", so this turns a
// refused result into a thrown HttpError carrying the same status, body and message.

import { request as send, signInAgain } from "/static/js/shared/http.js";

export { signInAgain };

export class HttpError extends Error {
  constructor(result) {
    super(result.error.message);
    this.status = result.status;
    this.body = result.error.body;
    this.code = result.error.code;
    this.retryAfter = result.retryAfter || null;
  }
}

/** The data of a successful call; throws HttpError (status 0 when offline) otherwise. */
export async function request(method, path, body, options = {}) {
  const result = await send(method, path, body, options);
  if (!result.ok) throw new HttpError(result);
  return result.data;
}

/** A GET of an endpoint this server may not have: null on 404/405 instead of an error. */
export async function optional(path) {
  const result = await send("GET", path);
  if (result.ok) return result.data;
  if (result.status === 404 || result.status === 405) return null;
  throw new HttpError(result);
}

/** What went wrong, for a person (the server's message is already in their language). */
export function describeError(error) {
  return error && error.message ? error.message : String(error);
}

/** Calls `fn` once things settle for `ms`, with the latest arguments (trailing call kept). */
export function debounce(fn, ms) {
  let timer = null;
  let lastArgs = [];
  const run = () => {
    timer = null;
    fn(...lastArgs);
  };
  const wrapped = (...args) => {
    lastArgs = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  wrapped.pending = () => timer !== null;
  wrapped.flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      run();
    }
  };
  return wrapped;
}
