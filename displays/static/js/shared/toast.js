// The one way to tell a person that something worked or failed: a message in a live region (errors are
// announced at once, others politely), gone after a few seconds or when dismissed.
//
//   toast.error(result.error.message);   toast.ok(t("Saved"));

import { h } from "./dom.js";
import { t } from "./i18n.js";

let region = null;

function ensureRegion() {
  if (region && region.isConnected) return region;
  region = h("div", { class: "toasts", attrs: { "aria-live": "polite" } });
  document.body.append(region);
  return region;
}

export function show(message, { kind = "info", timeout = kind === "error" ? 8000 : 4000 } = {}) {
  const close = h("button", {
    class: "btn btn-ghost toast-close",
    text: "×",
    attrs: { type: "button", "aria-label": t("Dismiss") },
  });
  const item = h(
    "div",
    { class: `toast toast-${kind}`, attrs: { role: kind === "error" ? "alert" : "status" } },
    h("span", { class: "toast-text", text: message }),
    close,
  );
  const remove = () => item.remove();
  close.addEventListener("click", remove);
  ensureRegion().append(item);
  if (timeout) setTimeout(remove, timeout);
  return remove;
}

export const toast = {
  show,
  info: (message, options) => show(message, { ...options, kind: "info" }),
  ok: (message, options) => show(message, { ...options, kind: "ok" }),
  error: (message, options) => show(message, { ...options, kind: "error" }),
};
