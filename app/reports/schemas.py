"""What the report endpoints answer: figures, and tables that each say how to chart themselves.

Every report is the same shape, so one page script draws any of them and one exporter writes any table to
CSV or XLSX. Money is Decimal (a string on the wire); seconds are numbers of seconds.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

import msgspec

ColumnKind = Literal["text", "int", "money", "qty", "seconds", "percent", "date", "hour"]
ChartKind = Literal["line", "bar", "stacked_bar", "donut", "heatmap"]


class Column(msgspec.Struct, kw_only=True):
    key: str
    label: str
    kind: ColumnKind = "text"


class Chart(msgspec.Struct, kw_only=True, omit_defaults=True):
    """How to draw the table: `x` is the category column, `series` the value columns (one line or bar
    each). A stacked bar with `stack` takes the series from that column's values instead; a heat map takes
    `x` and `y` as its axes and the first series as the value."""

    kind: ChartKind
    x: str
    series: list[str]
    stack: str | None = None
    y: str | None = None
    # The same table for the previous period, drawn as a second, dashed line.
    compare: bool = False
    # Two columns (low, high) drawn as a shaded band around the first series: a forecast's interval.
    band: list[str] | None = None


class Table(msgspec.Struct, kw_only=True):
    name: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    chart: Chart | None = None
    # Rows of the period before, same columns, when compare was asked for.
    previous: list[dict[str, Any]] | None = None


class Figure(msgspec.Struct, kw_only=True):
    key: str
    label: str
    kind: ColumnKind
    value: Decimal | int | None
    previous: Decimal | int | None = None
    # (value - previous) / previous x 100, one decimal; None without a previous value or from zero.
    change: Decimal | None = None
    # Refunds, voids, waits, lateness: a rise is bad news (the page colours the change accordingly).
    lower_is_better: bool = False


class BranchRef(msgspec.Struct, kw_only=True):
    id: int
    code: str
    name: str


class ReportOut(msgspec.Struct, kw_only=True):
    report: str
    title: str
    date_from: dt.date
    date_to: dt.date
    previous_from: dt.date | None
    previous_to: dt.date | None
    currency: str
    exponent: int
    branches: list[BranchRef]
    # Other currencies among the caller's branches: a report never adds two currencies together.
    other_currencies: list[str]
    figures: list[Figure]
    tables: list[Table]


class SummaryMailIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A manager's daily summary: whether they want it, and where (empty: their username if it is one)."""

    daily_summary: bool
    email: str | None = None


class SummaryMailOut(msgspec.Struct, kw_only=True):
    daily_summary: bool
    email: str | None
