// Every page talks to the API through here: JSON in and out, the session cookie sent by the browser,
// and the CSRF token (readable cookie `passline_csrf`, set at login) echoed in X-CSRF-Token on writes.

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)passline_csrf=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method)) headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}
