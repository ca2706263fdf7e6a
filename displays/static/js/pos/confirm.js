// A second look before something that is hard to undo (an unusual sale, closing a shift): the till's own
// dialog in the page (#confirm), with the figures that stand out as a list and two big answers. The shared
// confirm (shared/dialog.js) takes one message; this one needs the list, so it stays the till's.

import { h } from "/static/js/shared/dom.js";

/** Resolves true for `yes`, false for `no` or Escape. */
export function askToConfirm({ title, items = [], text = "", yes, no }) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-list").replaceChildren(...items.map((item) => h("li", { text: item })));
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
