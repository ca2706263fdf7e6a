"""Column helpers shared by the model modules, so every table spells ids and keys the same way."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import BigInteger, ForeignKey, Identity
from sqlalchemy.orm import MappedColumn, mapped_column

OnDelete = Literal["CASCADE", "RESTRICT", "SET NULL"]


def id_column() -> MappedColumn[Any]:
    # Every server-generated surrogate key is a bigint identity, so foreign keys never need to guess the
    # width; BY DEFAULT (not ALWAYS) lets fixtures and restores insert explicit ids.
    return mapped_column(BigInteger, Identity(always=False), primary_key=True)


def fk_column(
    target: str,
    *,
    ondelete: OnDelete,
    nullable: bool = False,
    index: bool = False,
    unique: bool = False,
    primary_key: bool = False,
) -> MappedColumn[Any]:
    """A bigint foreign key to another table's `id`, e.g. `fk_column("branches.id", ondelete="RESTRICT")`."""
    return mapped_column(
        BigInteger,
        ForeignKey(target, ondelete=ondelete),
        nullable=nullable,
        index=index,
        unique=unique,
        primary_key=primary_key,
    )


def one_of(column: str, values: tuple[str, ...]) -> str:
    """CHECK text restricting a text column to a fixed set, used instead of PostgreSQL ENUM types so that
    adding a value is a plain constraint swap in a migration."""
    return f"{column} IN ({', '.join(_quote(v) for v in values)})"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
