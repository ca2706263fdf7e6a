"""The catalog tool: extract marked strings per area and keep every language's .po in step.

    python -m app.lib.i18n_catalogs update   # add new strings (empty), drop stale ones, keep translations
    python -m app.lib.i18n_catalogs check    # what CI checks: every string translated, nothing stale

Marked strings: Python `_("…")`, `_p("context", "…")`, `gettext(lang, "…")`, `pgettext(lang, "context",
"…")`, `ngettext(lang, "…", "…", n)`, `npgettext(lang, "context", "…", "…", n)`; Jinja `_()`, `gettext()`,
`pgettext()`, `ngettext()`, `npgettext()` and `{% trans %}`; JavaScript `t("…")`, `tp("context", "…")`,
`tn("…", "…", n)` and `tnp("context", "…", "…", n)`. A context becomes the entry's msgctxt.
"""

from __future__ import annotations

import datetime as dt
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po

from app.lib.i18n import CATALOG_DIR, LANGUAGES, SOURCE_LANGUAGE

ROOT = CATALOG_DIR.parent.parent
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
AREAS_FILE = CATALOG_DIR / "areas.toml"

# Babel keyword specs: the argument positions of the message (and plural), `(n, "c")` the context's.
_PYTHON_KEYWORDS: dict[str, Any] = {
    "_": None,
    "_p": ((1, "c"), 2),
    "gettext": (2,),
    "pgettext": ((2, "c"), 3),
    "ngettext": (2, 3),
    "npgettext": ((2, "c"), 3, 4),
}
_JINJA_KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "pgettext": ((1, "c"), 2),
    "ngettext": (1, 2),
    "npgettext": ((1, "c"), 2, 3),
    "_t": None,
}
_JS_KEYWORDS: dict[str, Any] = {"t": None, "tp": ((1, "c"), 2), "tn": (1, 2), "tnp": ((1, "c"), 2, 3)}


def load_areas(path: Path | None = None) -> dict[str, list[str]]:
    with (path or AREAS_FILE).open("rb") as handle:
        table = tomllib.load(handle)
    return {name: list(spec["sources"]) for name, spec in table.get("areas", {}).items()}


def _specificity(pattern: str) -> int:
    return min((i for i, ch in enumerate(pattern) if ch in "*?["), default=len(pattern))


def files_by_area(root: Path = ROOT, areas: dict[str, list[str]] | None = None) -> dict[str, list[Path]]:
    """Every source file of every area; a file matched by several areas goes to the most specific."""
    areas = areas if areas is not None else load_areas()
    best: dict[Path, tuple[int, str]] = {}
    for name, patterns in areas.items():
        for pattern in patterns:
            for found in root.glob(pattern):
                if not found.is_file() or "node_modules" in found.parts:
                    continue
                rank = _specificity(pattern)
                if found not in best or rank > best[found][0]:
                    best[found] = (rank, name)
    out: dict[str, list[Path]] = {name: [] for name in areas}
    for found, (_rank, name) in sorted(best.items()):
        out[name].append(found)
    return out


def _method(path: Path) -> tuple[str, Any, dict[str, str]]:
    if path.suffix == ".py":
        return "python", _PYTHON_KEYWORDS, {}
    if path.suffix == ".js":
        return "javascript", _JS_KEYWORDS, {"parse_template_string": "false"}
    return "jinja2.ext:babel_extract", _JINJA_KEYWORDS, {"extensions": "jinja2.ext.i18n", "trimmed": "true"}


def extract_area(files: Iterable[Path], root: Path = ROOT) -> Catalog:
    catalog = Catalog(locale=None, project="Passline", fuzzy=False)
    for path in files:
        method, keywords, options = _method(path)
        with path.open("rb") as handle:
            for lineno, message, _comments, context in extract(
                method,
                handle,
                keywords=keywords,
                options=options,
                strip_comment_tags=True,
            ):
                if not message or (isinstance(message, tuple) and not message[0]):
                    continue
                catalog.add(message, locations=[(path.relative_to(root).as_posix(), lineno)], context=context)
    return catalog


SCANNED = ("app/**/*.py", "displays/**/*.py", "displays/templates/**/*.html", "displays/static/js/**/*.js")


def unassigned(root: Path = ROOT) -> list[str]:
    """Files with marked strings that no area claims: their strings would escape the check."""
    claimed = {path for files in files_by_area(root).values() for path in files}
    out = []
    for pattern in SCANNED:
        for path in sorted(root.glob(pattern)):
            if path in claimed or "node_modules" in path.parts or not path.is_file():
                continue
            if len(extract_area([path], root)):
                out.append(path.relative_to(root).as_posix())
    return out


def po_path(lang: str, area: str) -> Path:
    return CATALOG_DIR / lang / f"{area}.po"


def _read(path: Path, lang: str) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def _known(lang: str) -> dict[tuple[str | None, str], Any]:
    """Every translation a language's catalogs already hold, by (context, msgid)."""
    known: dict[tuple[str | None, str], Any] = {}
    for po in sorted((CATALOG_DIR / lang).glob("*.po")) if (CATALOG_DIR / lang).is_dir() else []:
        for message in _read(po, lang) or ():
            strings = message.string if isinstance(message.string, tuple | list) else [message.string]
            if message.id and not message.fuzzy and all(strings):
                known.setdefault((message.context, _singular(message.id)), message.string)
    return known


def _singular(msgid: Any) -> str:
    return str(msgid[0] if isinstance(msgid, tuple | list) else msgid)


def update(root: Path = ROOT) -> list[Path]:
    """Write every translated language's .po for every area: new strings empty, stale ones dropped.

    A new string that another area already translates (same msgid and context, same shape) starts with
    that translation: at run time the areas share one table, so it must read the same (see `collisions`).
    """
    written = []
    known = {lang: _known(lang) for lang in LANGUAGES if lang != SOURCE_LANGUAGE}
    for area, files in files_by_area(root).items():
        template = extract_area(files, root)
        for lang in LANGUAGES:
            if lang == SOURCE_LANGUAGE:
                continue
            path = po_path(lang, area)
            catalog = _read(path, lang) or Catalog(locale=lang, project="Passline", fuzzy=False)
            catalog.update(template, no_fuzzy_matching=True)
            for message in catalog:
                found = known[lang].get((message.context, _singular(message.id))) if message.id else None
                empty = (
                    not any(message.string)
                    if isinstance(message.string, tuple | list)
                    else not message.string
                )
                if found is not None and empty and isinstance(found, tuple | list) == message.pluralizable:
                    message.string = found
            # Fixed header dates: a catalog changes only when its strings do (no merge noise).
            catalog.creation_date = catalog.revision_date = _EPOCH
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                write_po(handle, catalog, ignore_obsolete=True, width=110, sort_output=True)
            written.append(path)
    return written


@dataclass
class Problems:
    untranslated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    unknown_area: list[str] = field(default_factory=list)
    collisions: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.untranslated or self.stale or self.unknown_area or self.collisions)

    def lines(self) -> list[str]:
        return [*self.untranslated, *self.stale, *self.unknown_area, *self.collisions]


def _name(message: Message) -> str:
    """How a report names an entry: its msgid, with its context when it has one."""
    return f"{message.id!r}" if not message.context else f"{message.id!r} [{message.context}]"


def check(root: Path = ROOT) -> Problems:
    problems = Problems()
    areas = files_by_area(root)
    for area, files in areas.items():
        template = extract_area(files, root)
        for lang in LANGUAGES:
            if lang == SOURCE_LANGUAGE:
                continue
            catalog = _read(po_path(lang, area), lang) or Catalog(locale=lang)
            for message in template:
                if not message.id:
                    continue
                found = catalog.get(message.id, message.context)
                strings = (
                    []
                    if found is None
                    else (list(found.string) if isinstance(found.string, tuple | list) else [found.string])
                )
                if not strings or not all(s and s.strip() for s in strings) or (found and found.fuzzy):
                    where = ", ".join(f"{f}:{n}" for f, n in message.locations)
                    problems.untranslated.append(f"{lang}/{area}.po: {_name(message)} ({where})")
            for message in catalog:
                if message.id and template.get(message.id, message.context) is None:
                    problems.stale.append(f"{lang}/{area}.po: {_name(message)}")
    problems.unknown_area += [
        f"{path}: marked strings but no area in areas.toml" for path in unassigned(root)
    ]
    for lang_dir in CATALOG_DIR.iterdir():
        if lang_dir.is_dir():
            for po in lang_dir.glob("*.po"):
                if po.stem not in areas:
                    problems.unknown_area.append(str(po.relative_to(CATALOG_DIR)))
    problems.collisions += collisions()
    return problems


def collisions(catalog_dir: Path | None = None) -> list[str]:
    """Entries whose msgid and context are the same in several areas but whose translations differ.

    At run time every area's catalog of a language merges into one table (app.lib.i18n._load), so one of
    them would silently win: the same English in the same context must read the same everywhere, and an
    English word with two meanings needs a context (`_p`, `pgettext`, `tp`) to keep them apart.
    """
    catalog_dir = catalog_dir or CATALOG_DIR
    out = []
    for lang_dir in sorted(p for p in catalog_dir.iterdir() if p.is_dir()):
        seen: dict[tuple[str | None, str], dict[str, tuple[str, ...]]] = {}
        for po in sorted(lang_dir.glob("*.po")):
            catalog = _read(po, lang_dir.name)
            for message in catalog or ():
                if not message.id:
                    continue
                singular = message.id[0] if isinstance(message.id, tuple | list) else message.id
                strings = message.string if isinstance(message.string, tuple | list) else [message.string]
                text = tuple(str(s or "") for s in strings)
                seen.setdefault((message.context, singular), {})[po.stem] = text
        for (context, msgid), by_area in sorted(seen.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
            if len(set(by_area.values())) > 1:
                where = "; ".join(f"{area}: {' | '.join(text)}" for area, text in sorted(by_area.items()))
                label = f"{msgid!r}" if context is None else f"{msgid!r} [{context}]"
                out.append(f"{lang_dir.name}: {label} reads differently by area — {where}")
    return out


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        for path in update():
            print(path.relative_to(ROOT))  # noqa: T201 — a command-line tool's output
        return 0
    problems = check()
    for line in problems.lines():
        print(line)  # noqa: T201 — a command-line tool's output
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
