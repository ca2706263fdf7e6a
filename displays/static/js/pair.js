// /pair: a display with no session and no token shows a short code until a manager approves it in
// /admin/devices, then stores its device token (once; the server never shows it again) and opens its
// screen. A display that already holds a working token goes straight to its screen.

import { apiHeaders, deviceCredentials, forgetDevice, storeDevice } from "/static/js/shared/credentials.js";
import { t } from "/static/js/shared/i18n.js";

const codeBox = document.getElementById("pair-code");
const stateLine = document.getElementById("pair-state");
const POLL_MS = 2000;

function safeNext() {
  const raw = new URLSearchParams(window.location.search).get("next") || "";
  // Same-site paths only: this page must not become an open redirect.
  return raw.startsWith("/") && !raw.startsWith("//") && !raw.includes("\\") && !raw.startsWith("/pair")
    ? raw
    : "";
}

async function json(response) {
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

async function alreadyPaired() {
  if (!deviceCredentials()) return null;
  const response = await fetch("/api/v1/devices/me", { headers: { Accept: "application/json", ...apiHeaders() } });
  if (response.ok) return json(response);
  if (response.status === 401) forgetDevice();
  return null;
}

function go(screen) {
  const next = safeNext();
  // `next` is where the display was sent from; it only makes sense for a screen of its own kind.
  const kind = (path) => path.split("/")[1];
  window.location.replace(next && kind(next) === kind(screen) ? next : screen);
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function pair() {
  for (;;) {
    stateLine.textContent = t("Asking for a code…");
    const asked = await fetch("/api/v1/devices/pair", { method: "POST", headers: { Accept: "application/json" } });
    const pairing = await json(asked).catch(() => null);
    if (!asked.ok || !pairing) {
      stateLine.textContent =
        asked.status === 429 ? t("Too many codes asked for; waiting a minute…") : t("Server unreachable; retrying…");
      await wait(asked.status === 429 ? 60_000 : 5000);
      continue;
    }
    codeBox.textContent = pairing.code;
    document.body.dataset.code = pairing.code;
    stateLine.textContent = t("Waiting for a manager to approve this display…");
    const expires = Date.now() + pairing.expires_in * 1000;
    while (Date.now() < expires) {
      await wait(POLL_MS);
      let response;
      try {
        response = await fetch(`/api/v1/devices/${pairing.device_id}/status`, {
          headers: { Accept: "application/json", "X-Pairing-Secret": pairing.secret },
        });
      } catch {
        continue; // the network blinked; the code is still good
      }
      if (response.status === 404) break; // expired: ask for a new code
      if (!response.ok) continue;
      const status = await json(response);
      if (status.status === "approved" && status.token) {
        storeDevice({
          token: status.token,
          device_id: status.device_id,
          branch_id: status.branch_id,
          role: status.role,
          station_code: status.station_code ?? null,
          name: status.name,
          screen: status.screen,
        });
        stateLine.textContent = t("Paired as {name}. Opening…", { name: status.name });
        go(status.screen);
        return;
      }
      if (status.status !== "pending") {
        // Approved but the token went elsewhere (another tab took it), or revoked: start over.
        break;
      }
    }
    codeBox.textContent = "······";
  }
}

const paired = await alreadyPaired().catch(() => null);
if (paired) go(paired.screen);
else pair();
