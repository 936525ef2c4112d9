"""Rows as a CSV download."""

from __future__ import annotations

import csv
import io

from flask import Response


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
