// Small helpers the till's modules share: API calls that tell "the server said no" (ApiError) from "the
// server could not be reached" (NetworkError, the cue to sell offline), and element building (text only:
// names and notes come from people and are never parsed as HTML).

import { ApiError, csrfToken } from "../api.js";

export { ApiError };

export class NetworkError extends Error {}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    throw new NetworkError(error && error.message ? error.message : "network unreachable");
  }
  // The service worker answers 503 with this header when it has neither the network nor a copy.
  if (response.status === 503 && response.headers.get("X-Pos-Offline")) throw new NetworkError("offline");
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { detail: text.slice(0, 200) };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** What the server said, for a person: its `detail`, plus the messages of a validation error's `extra`. */
export function describeError(error) {
  if (error instanceof NetworkError) return "The server cannot be reached.";
  if (!(error instanceof ApiError)) return error && error.message ? error.message : String(error);
  const body = error.body || {};
  let text = typeof body.detail === "string" && body.detail ? body.detail : `HTTP ${error.status}`;
  if (Array.isArray(body.extra)) {
    const parts = body.extra
      .map((item) => (item && item.message ? `${item.key ? `${item.key}: ` : ""}${item.message}` : ""))
      .filter(Boolean);
    if (parts.length) text = `${text} (${parts.join("; ")})`;
  } else if (body.extra && typeof body.extra === "object" && body.extra.field) {
    text = `${body.extra.field}: ${text}`;
  }
  return text;
}

/** h("li", {class: "x", dataset: {id: 1}, onclick}, "text", child) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/**
 * Ask the cashier to look again before something that is hard to undo (an unusual sale, closing a shift):
 * a dialog with what stands out and two big answers. Resolves true for `yes`, false for `no` or Escape.
 */
export function askToConfirm({ title, items = [], text = "", yes, no }) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-list").replaceChildren(...items.map((item) => h("li", {}, item)));
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-yes").textContent = yes;
  document.getElementById("confirm-no").textContent = no;
  dialog.returnValue = "";
  dialog.showModal();
  document.getElementById("confirm-no").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

export function uuid() {
  return crypto.randomUUID();
}

export function show(el, visible) {
  el.hidden = !visible;
}
