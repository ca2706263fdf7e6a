// A paired display's credentials: the device token it received once when a manager approved it
// (/pair), kept in localStorage. Every screen a display can show sends them through the two exports the
// pages use: `apiHeaders()` for fetch, `socketAuth(base)` for the Socket.IO connect. Without a stored
// token both leave the request alone, so a logged-in member of staff uses the same page with their session.
//
//   fetch(url, { headers: { Accept: "application/json", ...apiHeaders() } })
//   connectLive({ namespace: "/queue", auth: () => socketAuth({ branch_id: 1 }), ... })

const KEY = "passline_device";

// Refusal codes that mean the stored token will never work again: forget it and pair anew.
export const DEVICE_REFUSALS = new Set(["device_unknown", "device_revoked"]);

/** {token, device_id, branch_id, role, station_code, name, screen} or null. */
export function deviceCredentials() {
  try {
    const value = JSON.parse(localStorage.getItem(KEY) || "null");
    return value && typeof value.token === "string" && value.token ? value : null;
  } catch {
    return null;
  }
}

export function storeDevice(device) {
  localStorage.setItem(KEY, JSON.stringify(device));
}

export function forgetDevice() {
  localStorage.removeItem(KEY);
}

export function apiHeaders() {
  const device = deviceCredentials();
  return device ? { Authorization: `Device ${device.token}` } : {};
}

export function socketAuth(base = {}) {
  const device = deviceCredentials();
  return device ? { ...base, device_token: device.token } : { ...base };
}

/** The refusal code of a failed API call (its JSON body) or socket connect (its error), if any. */
export function refusalCode(problem) {
  if (!problem) return null;
  return (problem.extra && problem.extra.code) || (problem.data && problem.data.code) || null;
}

/** Send this display to /pair (forgetting a dead token), coming back to `next` once paired. */
export function goPair(next = window.location.pathname + window.location.search) {
  forgetDevice();
  window.location.replace(`/pair?next=${encodeURIComponent(next)}`);
}
