// Confirm and prompt on the native <dialog>: modal, focus moves into it and back to where it was, Escape
// cancels. Both return a Promise.
//
//   if (await confirm({ title: t("Cancel order?"), message, confirmLabel: t("Cancel order"), danger: true })) …
//   const reason = await prompt({ title: t("Why?"), label: t("Reason"), required: true });   // null: cancelled

import { h } from "./dom.js";
import { t } from "./i18n.js";

function open({ title, body, confirmLabel, cancelLabel, danger, onConfirm }) {
  const previous = document.activeElement;
  return new Promise((resolve) => {
    const titleId = `dialog-title-${Math.random().toString(36).slice(2)}`;
    const ok = h("button", {
      class: danger ? "btn btn-danger" : "btn btn-primary",
      text: confirmLabel || t("OK"),
      attrs: { type: "submit", value: "ok" },
    });
    const cancel = h("button", {
      class: "btn btn-ghost",
      text: cancelLabel || t("Cancel"),
      attrs: { type: "button" },
    });
    const form = h(
      "form",
      { class: "dialog-form", attrs: { method: "dialog" } },
      h("h2", { class: "dialog-title", text: title, attrs: { id: titleId } }),
      body,
      h("div", { class: "dialog-actions" }, cancel, ok),
    );
    const dialog = h("dialog", { class: "dialog", attrs: { "aria-labelledby": titleId } }, form);
    let answer = null;
    const finish = () => {
      dialog.remove();
      if (previous && typeof previous.focus === "function") previous.focus();
      resolve(answer);
    };
    form.addEventListener("submit", (event) => {
      const value = onConfirm ? onConfirm() : true;
      if (value === undefined) {
        event.preventDefault(); // not valid yet: the dialog stays open
        return;
      }
      answer = value;
    });
    cancel.addEventListener("click", () => dialog.close());
    dialog.addEventListener("close", finish);
    document.body.append(dialog);
    dialog.showModal();
  });
}

export async function confirm({ title, message = "", confirmLabel, cancelLabel, danger = false }) {
  const body = message ? h("p", { class: "dialog-message", text: message }) : null;
  const answer = await open({ title, body, confirmLabel, cancelLabel, danger, onConfirm: () => true });
  return answer === true;
}

export async function prompt({ title, label, value = "", type = "text", required = false, confirmLabel, cancelLabel }) {
  const inputId = `dialog-input-${Math.random().toString(36).slice(2)}`;
  const input = h("input", { class: "input", attrs: { id: inputId, type, value, required } });
  const body = h(
    "div",
    { class: "field" },
    h("label", { text: label, attrs: { for: inputId } }),
    input,
  );
  setTimeout(() => input.focus(), 0);
  return open({
    title,
    body,
    confirmLabel,
    cancelLabel,
    onConfirm: () => (input.reportValidity() ? input.value : undefined),
  });
}
