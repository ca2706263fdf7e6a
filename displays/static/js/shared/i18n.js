// Translations in the browser: the page's catalog arrives in the page data (compiled from the same .po
// files as the server's). English source text is the key; a missing translation shows the English.
//
//   t("Open shift")                     t("Token {token}", { token })
//   tn("{n} item", "{n} items", n)      (placeholders in JS are {name}; `n` is always available to tn)

import { pageData } from "./page.js";

const catalog = (pageData.catalog && pageData.catalog.messages) || {};
const categories = (pageData.catalog && pageData.catalog.plural) || ["one", "other"];
export const lang = pageData.lang || document.documentElement.lang || "en";
export const dir = pageData.dir || document.documentElement.dir || "ltr";
const rules = new Intl.PluralRules(lang);

// Python-style placeholders (%(name)s) are how the .po files spell them (one catalog for both sides):
// both forms are filled here.
function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}|%\((\w+)\)s/g, (whole, a, b) => {
    const key = a || b;
    return Object.prototype.hasOwnProperty.call(params, key) ? String(params[key]) : whole;
  });
}

export function t(msgid, params) {
  const found = catalog[msgid];
  return fill(typeof found === "string" && found ? found : msgid, params);
}

export function tn(singular, plural, n, params) {
  const all = { n, num: n, ...(params || {}) };
  const forms = catalog[singular];
  if (Array.isArray(forms)) {
    const index = categories.indexOf(rules.select(n));
    const form = forms[index >= 0 ? index : forms.length - 1];
    if (form) return fill(form, all);
  }
  return fill(n === 1 ? singular : plural, all);
}
