"""Report pages for supervisors and monitors, and the monitor API."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template

from hotline.auth import roles_required, token_required
from hotline.database import get_session
from hotline.views.common import local_date_arg
from routing.metrics import call_totals
from workorders.reports import closure_by_unit, closure_totals

bp = Blueprint("reports", __name__)


def _period():
    start, end = local_date_arg("start"), local_date_arg("end")
    if start and end and end <= start:
        abort(400, "end must be after start")
    return start, end


@bp.get("/reports/")
@roles_required("supervisor", "monitor")
def home():
    session = get_session()
    start, end = _period()
    return render_template(
        "reports.html",
        totals=closure_totals(session, start, end),
        by_unit=closure_by_unit(session, start, end),
        calls=call_totals(
            session,
            start,
            end,
            current_app.config["SHORT_ABANDON_SECONDS"],
            current_app.config["SERVICE_LEVEL_SECONDS"],
        ),
        start=start,
        end=end,
    )


@bp.get("/api/v1/reports/closure")
@token_required("monitor")
def closure_api():
    session = get_session()
    start, end = _period()
    totals = closure_totals(session, start, end)
    return jsonify(
        start=start.date().isoformat() if start else None,
        end=end.date().isoformat() if end else None,
        dispatched=totals.dispatched,
        closed=totals.closed,
        closure_rate=totals.closure_rate,
        by_unit=[
            {
                "unit": row.key,
                "name": row.name,
                "dispatched": row.dispatched,
                "closed": row.closed,
                "closure_rate": row.closure_rate,
            }
            for row in closure_by_unit(session, start, end)
        ],
    )
