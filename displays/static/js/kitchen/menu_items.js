// Menu depth on a station screen's ticket item: its modifiers one per line, the cashier's allergy flag (red,
// and said in words too, so colour is never the only sign) and the product's allergens by name.

import { h } from "/static/js/shared/dom.js";
import { t } from "/static/js/shared/i18n.js";
import { listText } from "/static/js/shared/format.js";

// The 14 EU allergens by code; their names come from the catalogs, so a cook reads them in the screen's language.
const ALLERGEN_NAMES = {
  gluten: t("Cereals containing gluten"),
  crustaceans: t("Crustaceans"),
  eggs: t("Eggs"),
  fish: t("Fish"),
  peanuts: t("Peanuts"),
  soybeans: t("Soybeans"),
  milk: t("Milk"),
  nuts: t("Tree nuts"),
  celery: t("Celery"),
  mustard: t("Mustard"),
  sesame: t("Sesame seeds"),
  sulphites: t("Sulphur dioxide and sulphites"),
  lupin: t("Lupin"),
  molluscs: t("Molluscs"),
};

export function allergenName(code) {
  return ALLERGEN_NAMES[code] || code;
}

/** The elements to append under an item (none for an item without menu depth). */
export function menuItemParts(item) {
  const parts = (item.modifiers || "")
    .split("\n")
    .filter(Boolean)
    .map((text) => h("span", { class: "item-mod", attrs: { dir: "auto" }, text }));
  if (item.allergy) {
    parts.push(h("span", { class: "item-allergy", attrs: { dir: "auto" }, text: `\u26a0 ${t("ALLERGY: {text}", { text: item.allergy })}` }));
  }
  if (item.allergens) {
    const names = listText(item.allergens.split(",").map(allergenName));
    parts.push(h("span", { class: "item-allergens", text: t("Contains: {list}", { list: names }) }));
  }
  return parts;
}
