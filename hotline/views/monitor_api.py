"""The monitor API: read-only figures for third parties, with a bearer token from `hotline
token create --role monitor`, limited per token, in JSON or CSV (?format=csv). Figures only:
no names, phone numbers, addresses or descriptions."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, jsonify, request

from hotline.db import utcnow
from hotline.infra import context
from hotline.infra.database import get_session
from hotline.services.reports import TREND_GROUPINGS, call_trend
from hotline.views.auth import token_required
from hotline.views.common import day_in_range, query_day
from hotline.views.render.csv import csv_response
from routing.metrics import LOCAL
from workorders import rollups
from workorders.bulletin import last_complete_month, monthly_bulletin
from workorders.reports import GROUPINGS, order_figures

bp = Blueprint("monitor_api", __name__, url_prefix="/api/v1/reports")
MAX_CALL_DAYS = 366


def _period() -> tuple[date | None, date | None]:
    start, end = query_day("start"), query_day("end")
    if start and end and end <= start:
        abort(400, "end must be after start")
    return start, end


def _format() -> str:
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        abort(400, "format must be json or csv")
    return fmt


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@bp.get("/closure")
@token_required("monitor")
def closure():
    """Dispatched, closed and the closure rate, overall and per unit."""
    session, fmt = get_session(), _format()
    start, end = _period()
    total = order_figures(session, "total", start, end)[0]
    units = order_figures(session, "unit", start, end)
    rows = [
        {
            "unit": row.key,
            "name": row.name,
            "dispatched": row.dispatched,
            "closed": row.closed,
            "closure_rate": row.closure_rate,
        }
        for row in units
    ]
    if fmt == "csv":
        everything = {
            "unit": "total",
            "name": "",
            "dispatched": total.dispatched,
            "closed": total.closed,
            "closure_rate": total.closure_rate,
        }
        return csv_response([*rows, everything], "closure.csv")
    return jsonify(
        start=_iso(start),
        end=_iso(end),
        dispatched=total.dispatched,
        closed=total.closed,
        closure_rate=total.closure_rate,
        refreshed_at=_refreshed(),
        by_unit=rows,
    )


@bp.get("/work-orders")
@token_required("monitor")
def work_orders():
    """Every work-order figure per unit, category, district, channel, day or month."""
    session, fmt = get_session(), _format()
    start, end = _period()
    by = request.args.get("by", "total")
    if by not in GROUPINGS:
        abort(400, f"by must be one of {', '.join(GROUPINGS)}")
    rows = [row.as_dict() for row in order_figures(session, by, start, end)]
    if fmt == "csv":
        return csv_response(rows, f"work-orders-by-{by}.csv")
    return jsonify(start=_iso(start), end=_iso(end), by=by, refreshed_at=_refreshed(), rows=rows)


@bp.get("/bulletin")
@token_required("monitor")
def bulletin():
    """The monthly bulletin: units ranked by on-time rate and satisfaction, with last month."""
    fmt = _format()
    raw = request.args.get("month", "").strip()
    try:
        month = date.fromisoformat(raw + "-01") if raw else last_complete_month(_today())
    except ValueError:
        abort(400, "month must look like 2026-10")
    day_in_range("month", month)
    report = monthly_bulletin(get_session(), month)
    rows = [row.as_dict() for row in report.rows]
    if fmt == "csv":
        return csv_response(rows, f"bulletin-{month:%Y-%m}.csv")
    return jsonify(
        month=f"{report.month:%Y-%m}",
        previous_month=f"{report.previous_month:%Y-%m}",
        totals=report.totals.as_dict(),
        previous_totals=report.previous_totals.as_dict(),
        refreshed_at=_refreshed(),
        rows=rows,
    )


@bp.get("/call-trend")
@token_required("monitor")
def calls_by_period():
    """Call figures per local day or month: ?start=…&end=… (end excluded), by=day|month."""
    fmt = _format()
    end = query_day("end") or _today() + timedelta(days=1)
    start = query_day("start") or end - timedelta(days=30)
    if end <= start:
        abort(400, "end must be after start")
    if (end - start).days > MAX_CALL_DAYS:
        abort(400, "ask for at most a year at a time")
    by = request.args.get("by", "day")
    if by not in TREND_GROUPINGS:
        abort(400, "by must be day or month")
    config = context.settings()
    figures = call_trend(
        get_session(),
        start,
        end,
        by,
        config.short_abandon_seconds,
        config.service_level_seconds,
    )
    rows = [row.as_dict() for row in figures]
    if fmt == "csv":
        return csv_response(rows, f"calls-by-{by}.csv")
    return jsonify(start=_iso(start), end=_iso(end), by=by, rows=rows)


def _refreshed() -> str | None:
    moment = rollups.last_refreshed(get_session())
    return moment.astimezone(LOCAL).isoformat(timespec="seconds") if moment else None


def _today() -> date:
    return utcnow().astimezone(LOCAL).date()
