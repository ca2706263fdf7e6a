"""Every change of an order's state goes through the orders' door: nothing else invokes the transition
script, nothing but the bus writes the branch streams, and no domain registers Lua scripts of its own."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ("app", "realtime", "workers", "displays")


@functools.cache
def _modules() -> list[tuple[str, ast.Module]]:
    out = []
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = str(path.relative_to(ROOT))
            out.append((rel, ast.parse(path.read_text(), filename=rel)))
    return out


def _names_used(tree: ast.Module) -> set[str]:
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.alias):
            used.add(node.asname or node.name)
    return used


def test_only_the_door_moves_orders() -> None:
    """The transition script is declared in machine.py and run by the machine's transition methods, which
    only the door calls."""
    offenders = []
    for rel, tree in _modules():
        used = _names_used(tree)
        if rel not in ("app/orders/machine.py",) and "TRANSITION" in used:
            offenders.append(f"{rel}: names the transition script")
        if rel not in ("app/orders/door.py", "app/orders/machine.py") and (
            "transition_many" in used or "_transition" in used
        ):
            offenders.append(f"{rel}: moves orders around the door")
        for node in ast.walk(tree):
            # `<machine>.transition(` called anywhere but the door.
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "transition"
                and isinstance(node.func.value, ast.Attribute | ast.Name)
                and "machine" in ast.unparse(node.func.value)
                and rel != "app/orders/door.py"
            ):
                offenders.append(f"{rel}:{node.lineno}: {ast.unparse(node)[:60]}")
    assert offenders == []


def test_only_the_bus_appends_to_streams() -> None:
    """XADD from Python happens in the bus alone (the Lua scripts append in the same step as their change,
    and hand their entries to the bus's journal)."""
    offenders = []
    for rel, tree in _modules():
        if rel == "app/events/bus.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "xadd":
                offenders.append(f"{rel}:{node.lineno}")
    # The persister's dead letters are a stream of its own, not a branch stream.
    assert [o for o in offenders if not o.startswith("app/orders/persister/")] == []


def test_lua_scripts_are_loaded_through_the_registry() -> None:
    offenders = []
    for rel, tree in _modules():
        if rel == "app/lib/lua.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "register_script":
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == []
