"""Translations: English source text is the key (gettext style), catalogs are `app/i18n/<lang>/<area>.po`.

The .po files are read with Babel when a language is first asked for and compiled in memory, so there is
no build step to forget: edit a .po file, restart, and the server and the browser catalog both follow.

    from app.lib.i18n import _, _p, gettext, pgettext
    raise NotFoundException(_("No such branch among yours."))   # lazy: rendered in the request's language
    gettext("ar", "Token %(token)s", token="A12")                 # a chosen language (receipts, e-mails)
    _p("queue window", "Counter")                                # the same English, told apart by a context
    pgettext("ar", "stocktake", "Count")

A context (gettext's msgctxt) separates one English word with two meanings ("Counter": a queue's window,
the walk-in sales channel, a price list). All areas' catalogs merge into one lookup table, so the same
msgid with the same context must read the same in every area (tests/unit/test_i18n_collisions.py).

A missing translation shows the English text, never a key; an unknown language falls back to the caller's
default (the branch's). CI (tests/unit/test_i18n_catalogs.py) fails on any marked string without Arabic.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

CATALOG_DIR = Path(__file__).resolve().parent.parent / "i18n"
SOURCE_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = ("en", "ar")
RTL_LANGUAGES = frozenset({"ar"})
DIGITS = ("latn", "arab")
# CLDR plural categories in gettext's index order (the Plural-Forms of each catalog count them this way),
# so the browser picks a form with Intl.PluralRules and these lists.
PLURAL_CATEGORIES: dict[str, tuple[str, ...]] = {
    "en": ("one", "other"),
    "ar": ("zero", "one", "two", "few", "many", "other"),
}

_language: ContextVar[str] = ContextVar("passline_language", default=SOURCE_LANGUAGE)


def normalize(code: str | None) -> str | None:
    """'ar-EG' → 'ar', 'EN' → 'en'; None for anything we do not speak (the caller falls back)."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def negotiate(*candidates: str | None, default: str = SOURCE_LANGUAGE) -> str:
    """The first candidate we speak; `default` (the branch's language) when none is known."""
    for candidate in candidates:
        found = normalize(candidate)
        if found:
            return found
    return normalize(default) or SOURCE_LANGUAGE


def from_accept_language(header: str | None) -> str | None:
    """The best language of an Accept-Language header that we speak (q-values honoured), else None."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        lang = normalize(tag)
        if lang and quality > 0:
            ranked.append((-quality, position, lang))
    return min(ranked)[2] if ranked else None


def text_direction(lang: str) -> str:
    return "rtl" if lang in RTL_LANGUAGES else "ltr"


@dataclass(frozen=True, slots=True)
class _Loaded:
    translations: _gettext.NullTranslations
    # msgid -> translation(s) of the strings that browser scripts use (a list for plural entries).
    # Keyed like gettext's own table: "msgid", or "context\x04msgid" for a string with a context.
    browser: dict[str, str | list[str]]


@functools.cache
def _load(lang: str) -> _Loaded:
    if lang == SOURCE_LANGUAGE or not (CATALOG_DIR / lang).is_dir():
        return _Loaded(_gettext.NullTranslations(), {})
    merged: _gettext.GNUTranslations | None = None
    browser: dict[str, str | list[str]] = {}
    for path in sorted((CATALOG_DIR / lang).glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id or not message.string:
                continue
            if any(file.endswith(".js") for file, _line in message.locations):
                key = browser_key(message.context, message.id)
                value = message.string
                browser[key] = list(value) if isinstance(value, tuple | list) else value
        buffer = BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        loaded = _gettext.GNUTranslations(buffer)
        if merged is None:
            merged = loaded
        else:
            merged._catalog.update(loaded._catalog)  # type: ignore[attr-defined]  # one merged lookup table
    return _Loaded(merged or _gettext.NullTranslations(), browser)


CONTEXT_SEPARATOR = "\x04"  # gettext's: how a .mo file (and the browser catalog) keys "context + msgid"


def browser_key(context: str | None, msgid: str | tuple[str, ...] | list[str]) -> str:
    """The browser catalog's key of a message (its singular for a plural one), as i18n.js builds it."""
    singular = msgid[0] if isinstance(msgid, tuple | list) else msgid
    return f"{context}{CONTEXT_SEPARATOR}{singular}" if context else singular


def reload_catalogs() -> None:
    """Forget the compiled catalogs (tests that edit a .po file, the catalog tool after an update)."""
    _load.cache_clear()


def _format(text: str, params: Mapping[str, Any]) -> str:
    # Only with parameters: a message without any may contain a literal '%'.
    return text % params if params else text


def gettext(lang: str, msgid: str, /, **params: Any) -> str:
    return _format(_load(normalize(lang) or SOURCE_LANGUAGE).translations.gettext(msgid), params)


def pgettext(lang: str, context: str, msgid: str, /, **params: Any) -> str:
    return _format(_load(normalize(lang) or SOURCE_LANGUAGE).translations.pgettext(context, msgid), params)


def plural_form(lang: str, singular: str, plural: str, n: int, context: str | None = None) -> str:
    """The unformatted form for `n` (Jinja's newstyle ngettext formats it itself)."""
    translations = _load(normalize(lang) or SOURCE_LANGUAGE).translations
    if context is None:
        return translations.ngettext(singular, plural, n)
    return translations.npgettext(context, singular, plural, n)


def ngettext(lang: str, singular: str, plural: str, n: int, /, **params: Any) -> str:
    return _format(plural_form(lang, singular, plural, n), {"num": n, **params})


def npgettext(lang: str, context: str, singular: str, plural: str, n: int, /, **params: Any) -> str:
    return _format(plural_form(lang, singular, plural, n, context), {"num": n, **params})


def browser_catalog(lang: str) -> dict[str, Any]:
    """What the browser's i18n.js needs: the page language's JS strings and its plural categories."""
    lang = normalize(lang) or SOURCE_LANGUAGE
    return {"messages": _load(lang).browser, "plural": list(PLURAL_CATEGORIES.get(lang, ("one", "other")))}


def current_language() -> str:
    return _language.get()


def set_language(lang: str) -> None:
    """For the rest of this task (a request, a job): what lazy strings render in."""
    _language.set(normalize(lang) or SOURCE_LANGUAGE)


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    token = _language.set(normalize(lang) or SOURCE_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


class LazyText(str):
    """A message rendered when it is turned into text, in the language of that moment.

    A `str` subclass so it goes wherever a message goes (HTTPException.detail, msgspec fields); its plain
    value is the English text, and `str()`/`format` give the current language's.
    """

    __slots__ = ("context", "msgid", "params")
    msgid: str
    params: dict[str, Any]
    context: str | None

    def __new__(cls, msgid: str, params: dict[str, Any], context: str | None = None) -> LazyText:
        self = super().__new__(cls, _format(msgid, params))
        self.msgid = msgid
        self.params = params
        self.context = context
        return self

    def render(self, lang: str | None = None) -> str:
        lang = lang or current_language()
        # A parameter may itself be a message ("name: must be …"): it renders in the same language.
        params = {k: v.render(lang) if isinstance(v, LazyText) else v for k, v in self.params.items()}
        if self.context is not None:
            return pgettext(lang, self.context, self.msgid, **params)
        return gettext(lang, self.msgid, **params)

    def __str__(self) -> str:
        return self.render()


def _(msgid: str, /, **params: Any) -> LazyText:
    return LazyText(msgid, params)


def _p(context: str, msgid: str, /, **params: Any) -> LazyText:
    """`_` with a context: the same English told apart by what it means here (see the module docstring)."""
    return LazyText(msgid, params, context)


def translated(value: object, lang: str | None = None) -> str:
    """Any message as text in `lang` (default: the current one): lazy texts render, plain English source
    strings found in a catalog are translated too, anything else is shown as it is."""
    if isinstance(value, LazyText):
        return value.render(lang)
    text = str(value)
    return gettext(lang or current_language(), text)
