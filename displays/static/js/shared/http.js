// Every API call of every screen. Never throws for an HTTP error: the result says what happened.
//
//   const r = await http.post("/api/v1/shifts", { till_id });
//   if (r.ok) use(r.data); else toast.error(r.error.message);
//
//   { ok: true, status, data }
//   { ok: false, status, error: { code, message, field, body } }     status 0 + offline: true: no network
//
// Writes carry the CSRF token (the readable `passline_csrf` cookie set at login) and a device's token
// when this screen is a paired display. GETs are retried with back-off on network failure and on
// 502/503/504 (they change nothing); writes are not retried here, because only the caller knows
// whether repeating one is safe (the till replays sales with their own idempotency keys).

import { serverClock } from "./clock.js";
import { apiHeaders } from "./credentials.js";
import { lang, t } from "./i18n.js";

const RETRY_STATUS = new Set([502, 503, 504]);
const GET_ATTEMPTS = 3;

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)passline_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The message a person should read: the server's (already in their language), or a plain fallback. */
function problem(status, body) {
  const data = body && typeof body === "object" ? body : {};
  let message = typeof data.detail === "string" && data.detail ? data.detail : "";
  if (Array.isArray(data.extra)) {
    const parts = data.extra
      .map((item) => (item && item.message ? `${item.key ? `${item.key}: ` : ""}${item.message}` : ""))
      .filter(Boolean);
    if (parts.length) message = parts.join("; ");
  }
  if (!message) message = t("The server answered {status}.", { status });
  const code = data.code || (data.extra && !Array.isArray(data.extra) && data.extra.code) || null;
  return { code, message, field: data.field || null, body: data };
}

async function once(method, path, body, options) {
  const headers = { Accept: "application/json", "Accept-Language": lang, ...apiHeaders() };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // A paired display has no session and no CSRF cookie: its device token is its credential.
  const csrf = method !== "GET" ? csrfToken() : "";
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
      keepalive: Boolean(options.keepalive),
      signal: options.signal,
    });
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    return {
      ok: false,
      status: 0,
      offline: true,
      error: { code: "offline", message: t("No connection to the server."), field: null, body: null },
    };
  }
  serverClock.observeDate(response.headers.get("Date"));
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (response.ok) return { ok: true, status: response.status, data };
  const result = { ok: false, status: response.status, error: problem(response.status, data) };
  const retryAfter = Number(response.headers.get("Retry-After"));
  if (retryAfter) result.retryAfter = retryAfter;
  return result;
}

export async function request(method, path, body, options = {}) {
  const attempts = method === "GET" ? (options.attempts ?? GET_ATTEMPTS) : 1;
  let result;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    result = await once(method, path, body, options);
    const transient = result.offline || RETRY_STATUS.has(result.status);
    if (result.ok || !transient || attempt === attempts) break;
    await wait(Math.min(4000, 300 * 2 ** (attempt - 1)) + Math.random() * 200);
  }
  return result;
}

/** The session ended: sign in again and come back here. */
export function signInAgain() {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/login?next=${encodeURIComponent(next)}`);
}

export const http = {
  get: (path, options) => request("GET", path, undefined, options),
  post: (path, body, options) => request("POST", path, body, options),
  put: (path, body, options) => request("PUT", path, body, options),
  patch: (path, body, options) => request("PATCH", path, body, options),
  del: (path, options) => request("DELETE", path, undefined, options),
};
