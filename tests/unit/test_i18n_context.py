"""Contexts (gettext's msgctxt) end to end, and the collision check.

Every area's catalog of a language merges into one lookup table at run time, so the same English with the
same context must read the same in every area; an English word with two meanings ("Counter": a queue's
window, the walk-in channel, a price list) is told apart by a context in Python (`_p`, `pgettext`), Jinja
(`pgettext`) and the browser (`tp`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import DictLoader

from app.lib import i18n, i18n_catalogs
from app.lib.i18n import _, _p, npgettext, pgettext, translated, use_language
from displays.pagekit import build_environment


def test_no_msgid_reads_differently_in_two_areas() -> None:
    found = i18n_catalogs.collisions()
    assert not found, (
        "the same English (and context) is translated differently in two areas; one would silently win "
        "at run time. Unify the Arabic, or give the meanings a context (_p / pgettext / tp):\n"
        + "\n".join(found)
    )


def _write_catalogs(root: Path, entries: dict[str, str]) -> Path:
    catalogs = root / "i18n"
    (catalogs / "ar").mkdir(parents=True)
    for area, body in entries.items():
        (catalogs / "ar" / f"{area}.po").write_text(
            'msgid ""\nmsgstr ""\n"Language: ar\\n"\n\n' + body, encoding="utf-8"
        )
    return catalogs


def test_the_collision_check_names_the_msgid_and_both_areas(tmp_path: Path) -> None:
    catalogs = _write_catalogs(
        tmp_path,
        {
            "queue": 'msgid "Counter"\nmsgstr "الشباك"\n\nmsgid "Same"\nmsgstr "نفسه"\n',
            "pos": 'msgid "Counter"\nmsgstr "الكاونتر"\n\nmsgid "Same"\nmsgstr "نفسه"\n',
            # With a context the same English may read differently: it is another entry.
            "inventory": 'msgctxt "stocktake"\nmsgid "Count"\nmsgstr "الجرد"\n',
            "reports": 'msgid "Count"\nmsgstr "العدد"\n',
        },
    )
    found = i18n_catalogs.collisions(catalogs)
    assert len(found) == 1
    assert "'Counter'" in found[0] and "queue: الشباك" in found[0] and "pos: الكاونتر" in found[0]


def test_a_singular_in_one_area_and_a_plural_in_another_collide(tmp_path: Path) -> None:
    catalogs = _write_catalogs(
        tmp_path,
        {
            "board": 'msgid "{n} on the road"\nmsgstr "{n} في الطريق"\n',
            "money": 'msgid "{n} on the road"\nmsgid_plural "{n} on the road"\n'
            + "".join(f'msgstr[{i}] "{i}"\n' for i in range(6)),
        },
    )
    assert len(i18n_catalogs.collisions(catalogs)) == 1


def test_one_english_word_reads_by_its_context_on_the_server() -> None:
    assert pgettext("ar", "queue window", "Counter") == "الشباك"
    assert pgettext("ar", "price list", "Counter") == "سعر الكاونتر"
    assert i18n.gettext("ar", "Counter") == "الكاونتر"
    # A context nobody translated shows the English, never the key or the context.
    assert pgettext("ar", "no such context", "Counter") == "Counter"
    assert pgettext("en", "queue window", "Counter") == "Counter"
    assert npgettext("ar", "nobody", "%(num)s item", "%(num)s items", 3) == "3 items"


def test_a_lazy_message_keeps_its_context() -> None:
    message = _p("stocktake", "Count")
    assert message == "Count"
    with use_language("ar"):
        assert str(message) == "الجرد"
        assert str(_("Count")) == "العدد"
    assert translated(message, "ar") == "الجرد"


def test_templates_translate_with_a_context() -> None:
    env = build_environment()
    env.loader = DictLoader(
        {"t.html": '{{ pgettext("queue window", "Counter") }}|{{ _("Counter") }}|{{ pgettext("x", "Nope") }}'}
    )
    # Without a request the page renders in English; the callables are the same with a request's locale.
    assert env.get_template("t.html").render() == "Counter|Counter|Nope"


def test_the_browser_catalog_keys_a_context_as_gettext_does() -> None:
    messages = i18n.browser_catalog("ar")["messages"]
    assert messages["stock level\x04Low"] == "منخفض"
    assert messages["stocktake\x04Count"] == "الجرد"
    assert messages["role\x04Admin"] == "المسؤول"
    assert i18n.browser_key("ctx", ("a", "b")) == "ctx\x04a"
    assert i18n.browser_key(None, "a") == "a"


def test_extraction_finds_contexts_in_python_jinja_and_javascript(tmp_path: Path) -> None:
    (tmp_path / "web").mkdir()
    files = {
        "web/a.py": '_p("queue window", "Counter")\npgettext(lang, "stocktake", "Count")\n'
        'npgettext(lang, "c", "%(num)s box", "%(num)s boxes", n)\n',
        "web/b.html": '{{ pgettext("grouping", "By") }}{{ npgettext("c2", "%(num)s cup", "%(num)s cups", n) }}',
        "web/c.js": 'tp("stock level", "Low"); tnp("trip", "{n} stop", "{n} stops", n); t("Plain")',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    catalog = i18n_catalogs.extract_area([tmp_path / n for n in files], tmp_path)
    found = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog if m.id}
    assert found == {
        ("queue window", "Counter"),
        ("stocktake", "Count"),
        ("c", "%(num)s box"),
        ("grouping", "By"),
        ("c2", "%(num)s cup"),
        ("stock level", "Low"),
        ("trip", "{n} stop"),
        (None, "Plain"),
    }


def test_the_check_catches_an_untranslated_script_string_with_a_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "page.js").write_text(
        't("Counter"); tp("queue window", "Counter"); tnp("trip", "{n} stop", "{n} stops", n);',
        encoding="utf-8",
    )
    catalogs = _write_catalogs(tmp_path, {"demo": 'msgid "Counter"\nmsgstr "الكاونتر"\n'})
    (catalogs / "areas.toml").write_text('[areas.demo]\nsources = ["web/*.js"]\n', encoding="utf-8")
    monkeypatch.setattr(i18n_catalogs, "CATALOG_DIR", catalogs)
    monkeypatch.setattr(i18n_catalogs, "AREAS_FILE", catalogs / "areas.toml")
    problems = i18n_catalogs.check(tmp_path)
    names = sorted(p.rsplit(" (", 1)[0] for p in problems.untranslated)
    assert names == [
        "ar/demo.po: 'Counter' [queue window]",
        "ar/demo.po: ('{n} stop', '{n} stops') [trip]",
    ]


def test_a_state_code_in_a_message_stays_the_code_in_english_and_is_the_label_in_arabic() -> None:
    from app.lib.labels import payment_code, state_code, state_word

    message = _(
        "An order cannot move from %(state)s to %(target)s",
        state=state_code("out_for_delivery"),
        target=state_code("no_such_state"),
    )
    assert message == "An order cannot move from out_for_delivery to no_such_state"
    assert translated(message, "en") == "An order cannot move from out_for_delivery to no_such_state"
    assert translated(message, "ar") == "لا يمكن نقل الطلب من خرج للتوصيل إلى no_such_state"
    assert translated(payment_code("paid"), "ar") == "مدفوع"
    with use_language("ar"):
        assert state_word("received") == "مستلم"
    assert state_word("out_for_delivery") == "out for delivery"


def test_update_starts_a_string_another_area_translates_with_that_translation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "page.js").write_text(
        't("Open shift"); tp("till", "Open shift"); t("New words");', encoding="utf-8"
    )
    catalogs = _write_catalogs(tmp_path, {"money": 'msgid "Open shift"\nmsgstr "فتح الوردية"\n'})
    (catalogs / "areas.toml").write_text(
        '[areas.money]\nsources = ["money/*.js"]\n[areas.demo]\nsources = ["web/*.js"]\n', encoding="utf-8"
    )
    monkeypatch.setattr(i18n_catalogs, "CATALOG_DIR", catalogs)
    monkeypatch.setattr(i18n_catalogs, "AREAS_FILE", catalogs / "areas.toml")
    monkeypatch.setattr(i18n_catalogs, "LANGUAGES", ("en", "ar"))
    i18n_catalogs.update(tmp_path)
    demo = {(m.context, m.id): m.string for m in i18n_catalogs._read(catalogs / "ar" / "demo.po", "ar") or ()}
    assert demo[(None, "Open shift")] == "فتح الوردية"
    # Another context is another meaning: it waits for its own translation, as do new words.
    assert demo[("till", "Open shift")] == "" and demo[(None, "New words")] == ""
