// Translations in the browser: the page's catalog arrives in the page data (compiled from the same .po
// files as the server's). English source text is the key; a missing translation shows the English.
//
//   t("Open shift")                     t("Token {token}", { token })
//   tn("{n} item", "{n} items", n)      (placeholders in JS are {name}; `n` is always available to tn)
//   tp("queue window", "Counter")       the same English with another meaning: a context (msgctxt)
//   tnp("context", "{n} item", "{n} items", n)
//
// A string with a context is keyed "context\u0004msgid" in the catalog, as gettext keys it in a .mo file
// (app/lib/i18n.py builds the same key); without a translation it falls back to the English, not the key.

import { pageData } from "./page.js";

const catalog = (pageData.catalog && pageData.catalog.messages) || {};
const categories = (pageData.catalog && pageData.catalog.plural) || ["one", "other"];
export const lang = pageData.lang || document.documentElement.lang || "en";
export const dir = pageData.dir || document.documentElement.dir || "ltr";
const rules = new Intl.PluralRules(lang);
const SEPARATOR = "\u0004";

// Python-style placeholders (%(name)s) are how the .po files spell them (one catalog for both sides):
// both forms are filled here.
function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}|%\((\w+)\)s/g, (whole, a, b) => {
    const key = a || b;
    return Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : whole;
  });
}

function single(key, msgid, params) {
  const found = catalog[key];
  return fill(typeof found === "string" && found ? found : msgid, params);
}

function plural(key, singular, pluralText, n, params) {
  const all = { n, num: n, ...(params || {}) };
  const forms = catalog[key];
  if (Array.isArray(forms)) {
    const index = categories.indexOf(rules.select(n));
    const form = forms[index >= 0 ? index : forms.length - 1];
    if (form) return fill(form, all);
  }
  return fill(n === 1 ? singular : pluralText, all);
}

export function t(msgid, params) {
  return single(msgid, msgid, params);
}

export function tp(context, msgid, params) {
  return single(context + SEPARATOR + msgid, msgid, params);
}

export function tn(singular, pluralText, n, params) {
  return plural(singular, singular, pluralText, n, params);
}

export function tnp(context, singular, pluralText, n, params) {
  return plural(context + SEPARATOR + singular, singular, pluralText, n, params);
}
