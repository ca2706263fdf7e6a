"""Every message an API error carries is marked for translation (AST check over app/ and displays/).

The exception handler (app/lib/errors.py) renders a marked (lazy) message in the request's language; a
plain string or f-string passed to an error constructor is never in a catalog and reaches an Arabic client
in English. This fails on such a literal, whether passed directly, through a local name assigned a literal
(`detail = "…"; raise conflict(detail)`), or through a dict of messages looked up by reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Constructor or helper → (positional index of its message, its keyword name).
CONSTRUCTORS = {
    "unprocessable": (1, "message"),
    "conflict": (0, "detail"),
    "ApiError": (1, "detail"),
    "PricingError": (1, "message"),
    "HTTPException": (0, "detail"),
    "ClientException": (0, "detail"),
    "NotFoundException": (0, "detail"),
    "NotAuthorizedException": (0, "detail"),
    "PermissionDeniedException": (0, "detail"),
    "ValidationException": (0, "detail"),
    "TooManyRequestsException": (0, "detail"),
    "ServiceUnavailableException": (0, "detail"),
}
# Where messages are looked for: the API's packages and the pages'.
SCANNED = ("app/**/*.py", "displays/**/*.py")
# Files whose refusals are not messages for people — file: why.
EXEMPT: dict[str, str] = {
    "displays/assets.py": "a static file that does not exist is a developer's 404, never shown to staff",
}


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def _message_args(node: ast.Call) -> list[ast.expr]:
    index, keyword = CONSTRUCTORS[_called(node) or ""]
    return [*node.args[index : index + 1], *(k.value for k in node.keywords if k.arg == keyword)]


class _Scope:
    """What names are bound to in one function (or the module): for `raise conflict(detail)`."""

    def __init__(self, body: ast.AST, outer: _Scope | None = None) -> None:
        self.outer = outer
        self.values: dict[str, list[ast.expr]] = {}
        for node in ast.walk(body):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.values.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
                self.values.setdefault(node.target.id, []).append(node.value)

    def lookup(self, name: str) -> list[ast.expr]:
        found = self.values.get(name)
        if found is not None:
            return found
        return self.outer.lookup(name) if self.outer else []


# Methods that hand on the text they are called on (or, for `.get`, its default).
_PASSING = frozenset({"format", "get", "strip"})


def _unmarked(node: ast.expr, scope: _Scope, depth: int = 0) -> bool:
    """A literal (or a name, dict or `.get`/`.format` leading to one) that no `_()` marked."""
    if depth > 4:
        return False
    again = lambda inner: _unmarked(inner, scope, depth + 1)  # noqa: E731 — local shorthand
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return again(node.left) or again(node.right)
    if isinstance(node, ast.IfExp):
        return again(node.body) or again(node.orelse)
    if isinstance(node, ast.Dict):
        return any(again(value) for value in node.values)
    if isinstance(node, ast.Name):
        return any(again(value) for value in scope.lookup(node.id))
    if isinstance(node, ast.Subscript):
        return again(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _PASSING:
        return again(node.func.value) or any(again(arg) for arg in node.args[1:2])
    return False


def unmarked_messages(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(p for pattern in SCANNED for p in root.glob(pattern)):
        relative = path.relative_to(root).as_posix()
        if relative in EXEMPT:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = _Scope(ast.Module(body=[n for n in tree.body if isinstance(n, ast.Assign | ast.AnnAssign)]))

        def visit(node: ast.AST, scope: _Scope, relative: str = relative, module: _Scope = module) -> None:
            for child in ast.iter_child_nodes(node):
                inner = scope
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    inner = _Scope(child, module)
                if isinstance(child, ast.Call) and _called(child) in CONSTRUCTORS:
                    for arg in _message_args(child):
                        if _unmarked(arg, inner):
                            found.append(f"{relative}:{child.lineno} {ast.unparse(arg)[:80]}")
                visit(child, inner)

        visit(tree, module)
    return found


def test_every_api_error_message_is_marked_for_translation() -> None:
    found = unmarked_messages()
    assert not found, (
        "error messages not marked for translation: wrap them in _() with named placeholders "
        '(_("only %(qty)s left of %(name)s", qty=..., name=...)), then run '
        "`python -m app.lib.i18n_catalogs update` and write the Arabic:\n" + "\n".join(found)
    )


def test_the_check_sees_literals_f_strings_names_and_dicts(tmp_path: Path) -> None:
    source = tmp_path / "app" / "demo.py"
    source.parent.mkdir()
    source.write_text(
        "NO = 'Orders are not shown'\n"
        "WORDS = {'a': 'Already bumped', 'b': _('Marked')}\n"
        "def f(x):\n"
        "    raise unprocessable('qty', f'only {x} left')\n"
        "def g():\n"
        "    raise NotFoundException(detail='Order not found')\n"
        "def h():\n"
        "    raise PermissionDeniedException(detail=NO)\n"
        "def i(reason):\n"
        "    raise conflict(WORDS.get(reason, 'Conflict').format(state=1))\n"
        "def j(wanted):\n"
        "    detail = 'Nobody' if wanted else _('Nobody at all')\n"
        "    raise conflict(detail)\n"
        "def fine(x):\n"
        "    raise unprocessable('qty', _('only %(x)s left', x=x))\n"
        "def fine_too(message):\n"
        "    raise unprocessable('qty', message)\n",
        encoding="utf-8",
    )
    lines = sorted(int(found.split(":")[1].split()[0]) for found in unmarked_messages(tmp_path))
    assert lines == [4, 6, 8, 10, 13]
