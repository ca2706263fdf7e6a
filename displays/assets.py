"""Static files under content-hashed URLs, compressed, cached for a year.

`static("js/login.js")` → `/assets/<hash>/js/login.js`, where <hash> is a digest of every file served
here (the static tree and the browser packages from npm), so one changed byte anywhere gives new URLs
and the old ones can be cached as immutable. A page's import map sends `/static/…` and `/vendor/…`
module imports to the same hashed tree, so modules keep importing each other by their plain paths.
A digest of the whole tree rather than one per file: relative imports between modules then resolve
inside one hashed directory, with no build step rewriting import statements.

Text files are sent brotli- or gzip-compressed (as the browser accepts), compressed once per process.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import brotli
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

HERE = Path(__file__).parent
STATIC = HERE / "static"
NODE_MODULES = HERE / "node_modules"
# URL prefix inside the hashed tree → directory. Browser packages come from npm (displays/package.json).
VENDOR: dict[str, Path] = {
    "vendor/socket.io/": NODE_MODULES / "socket.io-client" / "dist",
    "vendor/big.js/": NODE_MODULES / "big.js",
}
COMPRESSIBLE = frozenset({".js", ".mjs", ".css", ".svg", ".json", ".map", ".html", ".txt"})
YEAR = 365 * 24 * 3600
# How often the tree is re-stat'ed for changes (a developer editing a file while the server runs).
RESCAN_SECONDS = 1.0

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")


def _files() -> list[tuple[str, Path]]:
    out = [
        (path.relative_to(STATIC).as_posix(), path) for path in sorted(STATIC.rglob("*")) if path.is_file()
    ]
    for prefix, root in VENDOR.items():
        if root.is_dir():
            out.extend(
                (prefix + path.relative_to(root).as_posix(), path)
                for path in sorted(root.rglob("*"))
                if path.is_file()
            )
    return out


@dataclass(frozen=True, slots=True)
class _Tree:
    digest: str
    files: dict[str, Path]
    signature: tuple[tuple[str, int, int], ...]


class Assets:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tree: _Tree | None = None
        self._checked = 0.0
        self._encoded: dict[tuple[str, str, int], bytes] = {}

    def _scan(self) -> _Tree:
        now = time.monotonic()
        tree = self._tree
        if tree is not None and now - self._checked < RESCAN_SECONDS:
            return tree
        with self._lock:
            files = _files()
            signature = tuple((url, p.stat().st_mtime_ns, p.stat().st_size) for url, p in files)
            if tree is None or signature != tree.signature:
                digest = hashlib.sha256()
                for url, path in files:
                    digest.update(url.encode())
                    digest.update(hashlib.sha256(path.read_bytes()).digest())
                tree = _Tree(digest.hexdigest()[:12], dict(files), signature)
                self._tree = tree
                self._encoded.clear()
            self._checked = now
            return tree

    @property
    def digest(self) -> str:
        return self._scan().digest

    def url(self, path: str) -> str:
        tree = self._scan()
        path = path.lstrip("/")
        if path not in tree.files:
            # A typo in a template must fail the page's test, not ship a broken link.
            raise ValueError(f"no static file {path!r}")
        return f"/assets/{tree.digest}/{path}"

    def import_map(self) -> dict[str, dict[str, str]]:
        base = f"/assets/{self.digest}/"
        return {"imports": {"/static/": base, "/vendor/": base + "vendor/"}}

    def body(self, path: str, encoding: str) -> tuple[bytes, Path] | None:
        tree = self._scan()
        found = tree.files.get(path)
        if found is None:
            return None
        raw = found.read_bytes()
        if encoding == "identity":
            return raw, found
        key = (path, encoding, found.stat().st_mtime_ns)
        encoded = self._encoded.get(key)
        if encoded is None:
            encoded = brotli.compress(raw, quality=9) if encoding == "br" else gzip.compress(raw, 9)
            self._encoded[key] = encoded
        return encoded, found


ASSETS = Assets()


def _encoding(accept: str, path: str) -> str:
    if Path(path).suffix not in COMPRESSIBLE:
        return "identity"
    offered = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if "br" in offered:
        return "br"
    if "gzip" in offered:
        return "gzip"
    return "identity"


@get("/assets/{rest:path}", include_in_schema=False)
async def asset(request: Request[Any, Any, Any], rest: FromPath[str]) -> Response[bytes]:
    digest, _sep, path = rest.lstrip("/").partition("/")
    encoding = _encoding(request.headers.get("accept-encoding", ""), path)
    found = ASSETS.body(path, encoding)
    if found is None:
        raise NotFoundException(detail=f"No static file {path!r}")
    body, file = found
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type in ("application/json", "image/svg+xml"):
        media_type += "; charset=utf-8"
    headers = {
        # An old digest (a page rendered before a deploy) still gets today's file, but only briefly cached.
        "Cache-Control": f"public, max-age={YEAR}, immutable" if digest == ASSETS.digest else "no-cache",
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if encoding != "identity":
        headers["Content-Encoding"] = encoding
    return Response(content=body, media_type=media_type, headers=headers)
