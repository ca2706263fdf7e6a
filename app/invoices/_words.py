"""The words on a receipt, in the receipt's language or two of them ("Total / الإجمالي").

A receipt's languages come from `?lang=` on the receipt URL ("ar", "en", "ar,en": the first one leads and
sets the direction), else the branch's default language. An unknown code is dropped, never an error.
"""

from __future__ import annotations

from typing import Any

from app.lib.i18n import LANGUAGES, RTL_LANGUAGES, LazyText, gettext, normalize

_LRE, _RLE, _PDF = "\u202a", "\u202b", "\u202c"


def receipt_languages(raw: str | None, default: str) -> tuple[str, ...]:
    found: list[str] = []
    for part in (raw or "").split(","):
        lang = normalize(part)
        if lang and lang not in found:
            found.append(lang)
    if not found:
        found.append(normalize(default) or LANGUAGES[0])
    return tuple(found[:2])


class Words:
    def __init__(self, languages: tuple[str, ...]) -> None:
        self.languages = languages or ("en",)
        self.primary = self.languages[0]
        self.rtl = self.primary in RTL_LANGUAGES

    def first(self, message: str, **params: Any) -> str:
        """In the leading language only (a unit inside a line: "2 قطعة", not "2 قطعة / piece")."""
        msgid = message.msgid if isinstance(message, LazyText) else str(message)
        merged = {**(message.params if isinstance(message, LazyText) else {}), **params}
        return gettext(self.primary, msgid, **merged)

    def __call__(self, message: str, **params: Any) -> str:
        """`message` is a lazy `_()` text (or an English msgid); each language once, joined by " / "."""
        msgid = message.msgid if isinstance(message, LazyText) else str(message)
        merged = {**(message.params if isinstance(message, LazyText) else {}), **params}
        out: list[tuple[str, str]] = []
        for lang in self.languages:
            text = gettext(lang, msgid, **merged)
            if text not in [t for _lang, t in out]:
                out.append((lang, text))
        if len(out) == 1:
            return out[0][1]
        # Two languages on one line: each embedded in its own direction (RLE/LRE … PDF), so "Tax no." keeps
        # its full stop at its end inside an Arabic line, in a browser and in the printer's image alike.
        return " / ".join(f"{_RLE if lang in RTL_LANGUAGES else _LRE}{text}{_PDF}" for lang, text in out)
