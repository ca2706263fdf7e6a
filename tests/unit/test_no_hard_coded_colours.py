"""Colours live in one place, displays/static/css/tokens.css: every other stylesheet, template and script
uses its custom properties (var(--color-…)), so the dark theme and a contrast fix reach every screen.

Screens not yet moved onto the tokens are listed in LEGACY; the list only shrinks: a listed file that
no longer has colours fails too, so whoever converts it takes it off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DISPLAYS = Path(__file__).resolve().parents[2] / "displays"
TOKENS = DISPLAYS / "static" / "css" / "tokens.css"

LEGACY: frozenset[str] = frozenset()

NAMED = (
    "white|black|red|green|blue|orange|yellow|purple|pink|brown|gray|grey|silver|gold|navy|teal|maroon|"
    "olive|lime|aqua|fuchsia|crimson|tomato|salmon|coral|khaki|beige|ivory|indigo|violet|cyan|magenta"
)
# A colour in a CSS value: #rgb[a] / #rrggbb[aa], rgb()/rgba()/hsl()/hsla()/hwb()/lab()/oklch(), or a name.
CSS_COLOUR = re.compile(
    rf"(#[0-9a-fA-F]{{3,8}}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(|(?<![-\w])(?:{NAMED})(?![-\w]))"
)
DECLARATION = re.compile(r"(?<![-\w])([-a-z]+)\s*:\s*([^;{}]+)")
JS_COLOUR = re.compile(r"""["'`](?:#[0-9a-fA-F]{3,8}|(?:rgba?|hsla?)\([^)]*\))["'`]""")


def _css_problems(css: str) -> list[str]:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for prop, value in DECLARATION.findall(css):
        if prop.startswith("--") or prop in ("content", "font-family", "grid-template-areas"):
            continue
        bare = re.sub(r"var\([^)]*\)", "", value)
        if CSS_COLOUR.search(bare):
            found.append(f"{prop}: {bare.strip()[:60]}")
    return found


def problems_in(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        return _css_problems(text)
    if path.suffix == ".html":
        styles = re.findall(r"<style[^>]*>(.*?)</style>", text, flags=re.S)
        inline = re.findall(r'style="([^"]*)"', text)
        return _css_problems("\n".join(styles) + "\n" + ";\n".join(f"x{{{s}}}" for s in inline))
    return [m.group(0) for m in JS_COLOUR.finditer(text)]


def _files() -> list[Path]:
    out = []
    for pattern in ("static/**/*.css", "templates/**/*.html", "static/**/*.js"):
        out.extend(p for p in sorted(DISPLAYS.glob(pattern)) if p != TOKENS)
    return out


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.relative_to(DISPLAYS).as_posix())
def test_colours_only_in_tokens(path: Path) -> None:
    name = path.relative_to(DISPLAYS).as_posix()
    found = problems_in(path)
    if name in LEGACY:
        assert found, f"{name} has no hard-coded colours any more: take it off LEGACY"
    else:
        assert not found, f"{name}: colours belong in tokens.css — use var(--color-…): {found[:5]}"


def test_the_check_finds_colours() -> None:
    assert _css_problems(".a { color: #fff; }") and _css_problems(".a{background:rgb(0 0 0 / 8%)}")
    assert _css_problems(".a { border: 1px solid white; }")
    assert not _css_problems(".a { color: var(--color-text); border-color: currentColor; }")
    assert not _css_problems(".a { inset-inline-start: 0; --x: #fff; }")
    assert JS_COLOUR.search('el.style.color = "#d9480f";')
    assert not JS_COLOUR.search('document.querySelector("#screens")')


def test_legacy_files_exist() -> None:
    missing = [name for name in LEGACY if not (DISPLAYS / name).exists()]
    assert not missing, f"LEGACY names files that are gone: {missing}"
