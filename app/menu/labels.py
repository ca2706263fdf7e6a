"""Words of menu depth that other screens and documents print: the 14 EU allergens' names and the receipt's
allergens line. Lazy texts (app/lib/i18n.py), so each is rendered in the language of the screen or receipt."""

from __future__ import annotations

from app.lib.i18n import LazyText, _

ALLERGEN_NAMES: dict[str, LazyText] = {
    "gluten": _("Cereals containing gluten"),
    "crustaceans": _("Crustaceans"),
    "eggs": _("Eggs"),
    "fish": _("Fish"),
    "peanuts": _("Peanuts"),
    "soybeans": _("Soybeans"),
    "milk": _("Milk"),
    "nuts": _("Tree nuts"),
    "celery": _("Celery"),
    "mustard": _("Mustard"),
    "sesame": _("Sesame seeds"),
    "sulphites": _("Sulphur dioxide and sulphites"),
    "lupin": _("Lupin"),
    "molluscs": _("Molluscs"),
}
# Printed under a line on receipts and invoices: "Allergens: Milk, Sesame seeds".
ALLERGENS_LINE = _("Allergens: %(list)s")


def allergen_name(code: str) -> LazyText | str:
    return ALLERGEN_NAMES.get(code, code)
