"""Translations: every marked string of every area has Arabic and no catalog entry is stale (the CI
check), and the rules around it — fallbacks, plurals, lazy messages, language negotiation."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.lib import i18n, i18n_catalogs
from app.lib.i18n import _, from_accept_language, gettext, negotiate, ngettext, translated, use_language


def test_every_marked_string_has_arabic_and_nothing_is_stale() -> None:
    problems = i18n_catalogs.check()
    report = "\n".join(problems.lines())
    assert not problems, (
        "catalogs out of step (run `python -m app.lib.i18n_catalogs update`, then translate):\n" + report
    )


def test_the_check_fails_on_a_missing_translation_and_a_stale_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "web" / "page.html"
    source.parent.mkdir()
    source.write_text('<p>{{ _("Open shift") }}</p><p>{{ _("Close shift") }}</p>', encoding="utf-8")
    catalogs = tmp_path / "i18n"
    (catalogs / "ar").mkdir(parents=True)
    (catalogs / "areas.toml").write_text('[areas.demo]\nsources = ["web/*.html"]\n', encoding="utf-8")
    (catalogs / "ar" / "demo.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ar\\n"\n\n'
        'msgid "Open shift"\nmsgstr "فتح الوردية"\n\n'
        'msgid "Gone"\nmsgstr "ذهب"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(i18n_catalogs, "CATALOG_DIR", catalogs)
    monkeypatch.setattr(i18n_catalogs, "AREAS_FILE", catalogs / "areas.toml")
    problems = i18n_catalogs.check(tmp_path)
    assert [p.split(" (")[0] for p in problems.untranslated] == ["ar/demo.po: 'Close shift'"]
    assert problems.stale == ["ar/demo.po: 'Gone'"]


def test_a_file_belongs_to_its_most_specific_area(tmp_path: Path) -> None:
    (tmp_path / "app" / "menu").mkdir(parents=True)
    (tmp_path / "app" / "menu" / "services.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "app" / "other.py").write_text("x = 1\n", encoding="utf-8")
    areas = {"core": ["app/**/*.py"], "menu": ["app/menu/**/*.py"]}
    found = i18n_catalogs.files_by_area(tmp_path, areas)
    assert [p.name for p in found["menu"]] == ["services.py"]
    assert [p.name for p in found["core"]] == ["other.py"]


def test_missing_translations_show_the_english_and_unknown_languages_fall_back() -> None:
    assert gettext("ar", "Sign in") == "تسجيل الدخول"
    assert gettext("ar", "Nobody translated this") == "Nobody translated this"
    assert gettext("fr", "Sign in") == "Sign in"
    assert gettext("ar", "This needs one of the roles: %(roles)s", roles="manager") == (
        "يتطلب هذا أحد الأدوار: manager"
    )
    # A message without parameters may hold a literal percent sign.
    assert gettext("en", "100% sure") == "100% sure"


def test_lazy_messages_render_in_the_language_of_the_moment() -> None:
    message = _("must be one of %(choices)s", choices="en, ar")
    assert message == "must be one of en, ar"  # its plain value is the English
    with use_language("ar"):
        assert str(message) == "يجب أن تكون إحدى القيم: en, ar"
    assert str(message) == "must be one of en, ar"
    nested = i18n.LazyText("%(field)s: %(message)s", {"field": "language", "message": message})
    assert translated(nested, "ar") == "language: يجب أن تكون إحدى القيم: en, ar"
    # Known English source text is translated even when it was not marked lazy.
    assert translated("Log in first", "ar") == "سجّل الدخول أولًا"


def test_plurals_follow_each_language() -> None:
    assert ngettext("en", "%(num)s item", "%(num)s items", 1) == "1 item"
    assert ngettext("en", "%(num)s item", "%(num)s items", 3) == "3 items"
    # Untranslated plural in Arabic: the English forms, never a key.
    assert ngettext("ar", "%(num)s item", "%(num)s items", 3) == "3 items"


@pytest.mark.parametrize(
    ("candidates", "default", "expected"),
    [
        (("ar",), "en", "ar"),
        (("AR-eg",), "en", "ar"),
        (("xx", None, ""), "ar", "ar"),
        ((None, "en"), "ar", "en"),
        ((), "zz", "en"),
    ],
)
def test_negotiation_skips_what_we_do_not_speak(
    candidates: tuple[str | None, ...], default: str, expected: str
) -> None:
    assert negotiate(*candidates, default=default) == expected


def test_accept_language_respects_quality() -> None:
    assert from_accept_language("fr-FR, ar;q=0.8, en;q=0.9") == "en"
    assert from_accept_language("fr, ar-EG;q=0.5") == "ar"
    assert from_accept_language("fr, de") is None
    assert from_accept_language("ar;q=0, en;q=bad") is None
    assert from_accept_language("") is None


def test_the_browser_catalog_holds_the_script_strings_and_plural_rules() -> None:
    catalog = i18n.browser_catalog("ar")
    assert catalog["messages"]["Paired as {name}. Opening…"] == "تم الربط باسم {name}. جارٍ الفتح…"
    # Server-only strings stay on the server.
    assert "Log in first" not in catalog["messages"]
    assert catalog["plural"] == ["zero", "one", "two", "few", "many", "other"]
    assert i18n.browser_catalog("xx") == {"messages": {}, "plural": ["one", "other"]}


def test_no_module_hides_the_translator_behind_a_throwaway_name() -> None:
    """`user, _ = pair` in a module that imports `_` from app.lib.i18n makes `_` a local name: the next
    `_("…")` in that function calls whatever was unpacked (a 500 on the page). Use `_unused` instead."""
    import ast

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in [*root.glob("app/**/*.py"), *root.glob("displays/**/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports_translator = any(
            isinstance(node, ast.ImportFrom)
            and node.module == "app.lib.i18n"
            and any(alias.name == "_" and alias.asname is None for alias in node.names)
            for node in ast.walk(tree)
        )
        if not imports_translator:
            continue
        # A parameter named `_` (a guard's unused route handler) hides it just the same.
        offenders += [
            f"{path.relative_to(root)}:{node.lineno}"
            for node in ast.walk(tree)
            if (isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store))
            or (isinstance(node, ast.arg) and node.arg == "_")
        ]
    assert not offenders, "a throwaway `_` hides the translator: " + ", ".join(offenders)


def test_a_file_with_marked_strings_needs_an_area(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app" / "menu").mkdir(parents=True)
    (tmp_path / "app" / "menu" / "services.py").write_text('x = _("Menu")\n', encoding="utf-8")
    (tmp_path / "app" / "plain.py").write_text("x = 1\n", encoding="utf-8")
    catalogs = tmp_path / "i18n"
    catalogs.mkdir()
    (catalogs / "areas.toml").write_text('[areas.core]\nsources = ["app/lib/*.py"]\n', encoding="utf-8")
    monkeypatch.setattr(i18n_catalogs, "AREAS_FILE", catalogs / "areas.toml")
    assert i18n_catalogs.unassigned(tmp_path) == ["app/menu/services.py"]
