"""Query parameters shared by the list endpoints: ids, paging and free-text search.

Every bound here keeps client input away from a database error: a bigint id cannot overflow, a page
cannot push OFFSET past what PostgreSQL accepts, and search text never carries a NUL (which PostgreSQL
text refuses). Litestar answers a violation with a 400 whose `extra` names the parameter.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.lib.i18n import _

MAX_ID = 2**63 - 1
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# 200 x 100 000 rows is far past any catalog or customer book a shop has; the bound only keeps OFFSET sane.
MAX_PAGE = 100_000
MAX_SEARCH_LENGTH = 100

IdQuery = Annotated[int, QueryParameter(ge=1, le=MAX_ID)]
PageQuery = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="1-based page number")]
PageSizeQuery = Annotated[
    int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"rows per page, at most {MAX_PAGE_SIZE}")
]
SearchQuery = Annotated[str | None, QueryParameter(max_length=MAX_SEARCH_LENGTH)]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class PageRequest(msgspec.Struct, frozen=True, kw_only=True):
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def invalid_query(key: str, message: str) -> ValidationException:
    """A 400 shaped like Litestar's own query validation errors, for rules a type annotation cannot say."""
    return ValidationException(
        detail=_("Invalid query parameter %(key)s: %(message)s", key=repr(key), message=message),
        extra=[{"message": message, "key": key, "source": "query"}],
    )


def search_text(value: str | None, *, key: str, min_length: int = 1) -> str | None:
    """Trimmed search text, or None when the parameter is absent or blank and blank is allowed."""
    if value is None:
        return None
    if _CONTROL.search(value):
        raise invalid_query(key, "must not contain control characters")
    text = value.strip()
    if min_length <= 1 and not text:
        return None
    if len(text) < min_length:
        raise invalid_query(key, f"needs at least {min_length} characters")
    return text


async def count_rows(session: AsyncSession, stmt: Select[Any]) -> int:
    """Rows a filtered `select(<pk>)` would return, without loading them."""
    return int(await session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
