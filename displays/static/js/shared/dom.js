// One element builder for every screen. Text is always set as text, never parsed as HTML: names, notes
// and addresses come from customers.
//
//   h("button", { class: "btn btn-primary", text: t("Pay"), attrs: { type: "button" },
//                 dataset: { id }, on: { click: pay } })

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  const p = props || {};
  if (p.class) el.className = Array.isArray(p.class) ? p.class.filter(Boolean).join(" ") : p.class;
  if (p.text !== undefined && p.text !== null) el.textContent = String(p.text);
  for (const [key, value] of Object.entries(p.attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(key, value === true ? "" : String(value));
  }
  if (p.dataset) {
    for (const [key, value] of Object.entries(p.dataset)) {
      if (value !== null && value !== undefined) el.dataset[key] = String(value);
    }
  }
  for (const [event, handler] of Object.entries(p.on || {})) el.addEventListener(event, handler);
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function qs(selector, root = document) {
  return root.querySelector(selector);
}

export function qsa(selector, root = document) {
  return Array.from(root.querySelectorAll(selector));
}
