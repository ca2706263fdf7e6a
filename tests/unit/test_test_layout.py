"""The suite's own layout: test modules share code through tests/support and conftests, never each other.

A test module that imports another drags that module's fixtures and module-level state along, runs its
import-time code twice under two names when both are collected, and ties together two files that xdist
may send to different workers. Helpers belong in tests/support, fixtures in a conftest.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def _imported_modules(source: str, package: str) -> Iterator[tuple[int, str]]:
    """Every module a file imports, anywhere in it (functions too), as an absolute dotted name; for
    `from package import name`, `package.name` as well, since the name may be a module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            yield node.lineno, base
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def _is_test_code(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return module.startswith("tests.") and (last.startswith("test_") or last == "conftest")


def _violations(source: str, package: str) -> list[tuple[int, str]]:
    return [(line, module) for line, module in _imported_modules(source, package) if _is_test_code(module)]


def test_no_test_module_imports_another_test_module_or_a_conftest() -> None:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path.name.startswith("test_") or path.name == "conftest.py" or "support" in path.parts:
            package = ".".join(path.relative_to(TESTS.parent).parent.parts)
            found += [
                f"{path.relative_to(TESTS.parent)}:{line} imports {module}"
                for line, module in _violations(path.read_text(), package)
            ]
    assert not found, "\n".join(["share test code through tests/support (helpers) or a conftest:", *found])


def test_the_check_sees_every_way_of_importing() -> None:
    source = (
        "import tests.conftest\n"
        "from tests.integration.test_dispatch import shop\n"
        "from tests.support.factory import Factory\n"
        "def helper():\n"
        "    from tests.e2e import test_kanban\n"
        "    from .test_kds import card\n"
    )
    assert _violations(source, "tests.e2e") == [
        (1, "tests.conftest"),
        (2, "tests.integration.test_dispatch"),
        (5, "tests.e2e.test_kanban"),
        (6, "tests.e2e.test_kds"),
    ]
