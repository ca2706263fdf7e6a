// What the back-office screens share beyond the shared layer: a labelled field, a modal panel, raw uploads
// (pictures, CSV files) and showing a server refusal on the field it names.

import { clear, h } from "/static/js/shared/dom.js";
import { csrfToken } from "/static/js/shared/http.js";
import { lang, t } from "/static/js/shared/i18n.js";
import { toast } from "/static/js/shared/toast.js";

let fieldSeq = 0;

/** A label and its control; `name` is the API's field path (`prices[1].price`) so an error can find it. */
export function field(label, control, name, compact = false, hideLabel = false) {
  fieldSeq += 1;
  const id = control.id || `f-${fieldSeq}`;
  control.id = id;
  control.dataset.field = name;
  return h(
    "div",
    { class: ["field", compact ? "as-compact" : ""] },
    // Rows of a repeated line show their labels once; the others keep them for screen readers.
    h("label", { class: hideLabel ? "visually-hidden" : "", text: label, attrs: { for: id } }),
    control,
  );
}

/** A modal panel on the native <dialog> (focus trapped, Escape closes, focus returns where it was). */
export function modal({ title, body, actions = [], wide = true }) {
  const previous = document.activeElement;
  const titleId = `modal-${Math.random().toString(36).slice(2)}`;
  const closeButton = h("button", { class: "btn btn-ghost", text: t("Close"), attrs: { type: "button" } });
  const dialog = h(
    "dialog",
    { class: ["dialog", wide ? "as-dialog-wide" : ""], attrs: { "aria-labelledby": titleId } },
    h("h2", { class: "dialog-title", text: title, attrs: { id: titleId } }),
    h("div", { class: "as-dialog-body" }, ...body),
    h("div", { class: "dialog-actions" }, closeButton, ...actions),
  );
  closeButton.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (previous && typeof previous.focus === "function") previous.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A file as the request body (a picture, a CSV): the same typed result as shared/http.js. */
export async function sendRaw(method, path, blob, contentType) {
  let response;
  try {
    response = await fetch(path, {
      method,
      body: blob,
      credentials: "same-origin",
      headers: { "Content-Type": contentType, "X-CSRF-Token": csrfToken(), Accept: "application/json", "Accept-Language": lang },
    });
  } catch {
    return { ok: false, status: 0, offline: true, error: { code: "offline", message: t("No connection to the server."), field: null, body: null } };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.ok) return { ok: true, status: response.status, data };
  const message = (data && typeof data.detail === "string" && data.detail) || t("The server answered {status}.", { status: response.status });
  return { ok: false, status: response.status, error: { code: null, message, field: (data && data.field) || null, body: data } };
}

/** The server's refusal as a message, and the named field marked (and focused) when it is on the form. */
export function showError(result, form = document) {
  toast.error(result.error.message);
  const name = result.error.field;
  if (!name || !form) return;
  const control = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
  if (control) {
    control.setAttribute("aria-invalid", "true");
    control.focus();
    control.scrollIntoView({ block: "center" });
  }
}

export { clear };
