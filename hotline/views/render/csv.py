"""Rows as a CSV download: for people, with headers in the page's language and rates in per
cent; the monitor API's CSV keeps its codes and raw rates for machines."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from flask import Response

from hotline.views.render.i18n import t

# How a column's values are written: as they are, or a rate (0.5714) in per cent to two
# decimals (57.14), or a change of rates in percentage points (+0.5 → 50.00), the same
# rounding as the report pages.
TEXT, PERCENT, POINTS = "text", "percent", "points"
UNIT_OF = {PERCENT: "（%）", POINTS: "（百分点）"}


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # Chinese, said in the page's language with t()
    kind: str = TEXT


def said_rows(rows: Sequence[dict], columns: Sequence[Column]) -> list[dict]:
    """``rows`` as a person reads them: the columns in order, their headers in the page's
    language with the unit of their values, rates rounded."""
    headers = [t(column.label) + t(UNIT_OF.get(column.kind, "")) for column in columns]
    return [
        {
            header: _cell(row[column.key], column.kind)
            for header, column in zip(headers, columns, strict=True)
        }
        for row in rows
    ]


def _cell(value, kind: str):
    if value is None or kind == TEXT:
        return value
    return f"{value * 100:.2f}"


def csv_response(rows: list[dict], filename: str, excel: bool = False) -> Response:
    """Rows as CSV (a BOM first when meant for Excel, which needs it to read UTF-8)."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
    body = ("\ufeff" if excel else "") + buffer.getvalue()
    return Response(
        body,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
