"""The template environment every page renders in: translations (jinja2.ext.i18n, newstyle), the page's
locale for `<html lang dir>`, `page_data()` (the one way to hand data to scripts) and `static()`."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import msgspec
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from app.language.services import SCOPE_KEY, PageLocale
from app.lib.i18n import SOURCE_LANGUAGE, browser_catalog, gettext, pgettext, plural_form
from displays.assets import ASSETS

TEMPLATES = Path(__file__).parent / "templates"
_FALLBACK = PageLocale(
    lang=SOURCE_LANGUAGE,
    dir="ltr",
    locale="en-u-nu-latn",
    digits="latn",
    currency="EGP",
    timezone="UTC",
    branch_id=None,
)


def _json_for_script(value: Any) -> Markup:
    # `<` escaped so no string in the data can close the <script> element it sits in.
    text = msgspec.json.encode(value).decode().replace("<", "\\u003c").replace("\u2028", "\\u2028")
    return Markup(text.replace("\u2029", "\\u2029"))  # noqa: S704 — JSON with every `<` escaped


# Screens whose strings and styles are not on the layer yet: they stay English, left to right, whatever
# the user's language, rather than mirror a layout built with physical left/right around English text.
# Whoever converts one of them takes its path off this list (exact paths, or a prefix ending in "/").
# Not "/admin": the back office builds that page on the layer. The till (/pos) was the last one.
LEGACY_PAGES: tuple[str, ...] = ()


def _legacy(path: str) -> bool:
    return any(path == p or (p.endswith("/") and path.startswith(p)) for p in LEGACY_PAGES)


def locale_of(context: Context) -> PageLocale:
    request = context.get("request")
    found = request.scope.get(SCOPE_KEY) if request is not None else None
    if not isinstance(found, PageLocale):
        return _FALLBACK
    if _legacy(request.url.path) and found.lang != SOURCE_LANGUAGE:
        return msgspec.structs.replace(
            found, lang=SOURCE_LANGUAGE, dir="ltr", locale=f"en-u-nu-{found.digits}"
        )
    return found


@pass_context
def page_locale(context: Context) -> PageLocale:
    return locale_of(context)


@pass_context
def page_data(context: Context, data: dict[str, Any] | None = None) -> Markup:
    """`<script type="application/json" id="page-data">`: the page's data plus its locale and catalog."""
    locale = locale_of(context)
    payload = {
        **msgspec.structs.asdict(locale),
        "catalog": browser_catalog(locale.lang),
        **(data or {}),
    }
    return Markup(  # noqa: S704 — the JSON is escaped for a script element
        f'<script type="application/json" id="page-data">{_json_for_script(payload)}</script>'
    )


# Pages whose service worker keeps their scripts for offline use by their /static/ paths: an import map
# would send those imports to /assets/, which such a worker would not keep. None now: the till's pos-sw.js
# keeps the hashed /assets/ URLs (displays/pos_pages.py writes their list into it).
NO_IMPORT_MAP: tuple[str, ...] = ()


def _plain_static(context: Context) -> bool:
    request = context.get("request")
    return request is not None and request.url.path.startswith(NO_IMPORT_MAP)


@pass_context
def static(context: Context, path: str) -> str:
    """The hashed URL (see assets.py); the plain /static/ one on a page whose service worker keeps those."""
    url = ASSETS.url(path)
    return f"/static/{path.lstrip('/')}" if _plain_static(context) else url


@pass_context
def import_map(context: Context) -> Markup:
    if _plain_static(context):
        return Markup("")
    return Markup(  # noqa: S704 — our own URLs, JSON-escaped
        f'<script type="importmap">{_json_for_script(ASSETS.import_map())}</script>'
    )


@pass_context
def _gettext(context: Context, message: str) -> str:
    return gettext(locale_of(context).lang, message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    # newstyle gettext formats `%(num)s` and the keyword arguments itself afterwards.
    return plural_form(locale_of(context).lang, singular, plural, n)


@pass_context
def _pgettext(context: Context, msgctxt: str, message: str) -> str:
    return pgettext(locale_of(context).lang, msgctxt, message)


@pass_context
def _npgettext(context: Context, msgctxt: str, singular: str, plural: str, n: int) -> str:
    return plural_form(locale_of(context).lang, singular, plural, n, msgctxt)


def mark(msgid: str) -> str:
    """`_t("…")`: a string marked for the catalogs but left in English, for a template that translates
    it itself into other languages than the page's (a receipt in the receipt's languages)."""
    return msgid


def ltr(text: object) -> str:
    """Text that is always left to right (a path, a code, a phone number) kept whole inside RTL text:
    wrapped in Unicode LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE."""
    return f"\u2066{text}\u2069"


def bidi(text: object) -> str:
    """Text of either direction (a name, an address) isolated with FIRST STRONG ISOLATE … PDI."""
    return f"\u2068{text}\u2069"


_PRINT_TOKEN = re.compile(r"^\s*(--color-print-[a-z-]+:\s*[^;]+;)", re.M)


@functools.cache
def print_tokens() -> Markup:
    """The paper colours of tokens.css as a `:root` rule, for the print pages that carry their style inline
    (a receipt, a settlement slip, a Z report): the values stay in tokens.css, the one place for colours."""
    css = (Path(__file__).parent / "static" / "css" / "tokens.css").read_text(encoding="utf-8")
    return Markup(":root { " + " ".join(_PRINT_TOKEN.findall(css)) + " }")  # noqa: S704 — our own file


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        auto_reload=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    env.globals.update(page_data=page_data, page_locale=page_locale, static=static, import_map=import_map)
    env.globals["_t"] = mark
    env.globals["print_tokens"] = print_tokens
    env.filters.update(ltr=ltr, bidi=bidi)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(build_environment()))
