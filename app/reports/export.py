"""Every report table as CSV or as an XLSX workbook (one sheet a table), with the labels the page shows.

XLSX through XlsxWriter (a well-kept writer; we only write workbooks, never read them). Money goes in as a
number with the currency's decimals, so a spreadsheet can add it up; CSV keeps the exact decimal text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]  # ships no type information

from app.reports.schemas import ReportOut, Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.label for c in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(c.key)) for c in table.columns])
    # A byte-order mark so spreadsheet programs read the UTF-8 (Arabic names) correctly.
    return ("\ufeff" + out.getvalue()).encode()


def report_xlsx(report: ReportOut) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0." + "0" * report.exponent if report.exponent else "#,##0"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    used: set[str] = set()
    summary = book.add_worksheet(_sheet_name(report.title, used))
    summary.write_row(0, 0, [report.title, f"{report.date_from} to {report.date_to}", report.currency], bold)
    for i, fig in enumerate(report.figures, start=2):
        summary.write(i, 0, fig.label)
        _write(summary, i, 1, fig.value, fig.kind, money, date)
        if fig.previous is not None:
            _write(summary, i, 2, fig.previous, fig.kind, money, date)
    for table in report.tables:
        sheet = book.add_worksheet(_sheet_name(table.title, used))
        sheet.write_row(0, 0, [c.label for c in table.columns], bold)
        for r, row in enumerate(table.rows, start=1):
            for c, column in enumerate(table.columns):
                _write(sheet, r, c, row.get(column.key), column.kind, money, date)
        sheet.set_column(0, max(len(table.columns) - 1, 0), 16)
    book.close()
    return buffer.getvalue()


def _write(sheet: Any, row: int, col: int, value: Any, kind: str, money: Any, date: Any) -> None:  # noqa: PLR0917 - a cell's coordinates and formats
    if value is None:
        return
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        sheet.write_number(row, col, float(value), money if kind == "money" else None)
    elif kind == "date" and hasattr(value, "isoformat"):
        sheet.write_datetime(row, col, _as_datetime(value), date)
    else:
        sheet.write_string(row, col, str(value))


def _as_datetime(value: Any) -> Any:
    return dt.datetime(value.year, value.month, value.day)  # noqa: DTZ001 - a calendar date, no zone


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = _SHEET_BAD.sub(" ", title)[:28].strip() or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        name, n = f"{base} {n}", n + 1
    used.add(name.lower())
    return name
