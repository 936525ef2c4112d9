"""The live wallboard for supervisors, and the call-figures API for monitors."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, jsonify, render_template, request

from hotline.db import TIMEZONE
from hotline.infra import context
from hotline.infra.database import get_session
from hotline.services.calls import keep_queues_moving
from hotline.services.wallboard import wallboard
from hotline.views.auth import roles_required, token_required
from hotline.views.common import moment_in_range
from hotline.views.render.i18n import current_language, t
from hotline.views.render.names import skill_names
from routing.metrics import GROUPINGS, LOCAL, call_report
from routing.models import AGENT_STATES

bp = Blueprint("wallboard", __name__)
STAFFING_BASIS = "按每15分钟 {calls} 通来电、平均处理时长 {aht} 秒计，预计服务水平 {level}"


@bp.get("/supervisor/wallboard")
@roles_required("supervisor")
def page():
    return render_template("wallboard.html", words=wallboard_words())


def wallboard_words() -> dict:
    """What the wallboard's script writes beside the figures, in the page's language."""
    return {
        "states": {state: t(state) for state in AGENT_STATES},
        # Why an agent is in their state when the hotline put them there.
        "reasons": {
            "missed": t("未及时接听"),
            "wrap_up_limit": t("话后处理超时"),
            "no-answer": t("话机无人接听"),
            "busy": t("话机占线"),
            "failed": t("话机呼叫失败"),
            "consult": t("同事咨询中"),
        },
        "skills": skill_names(),
        "seconds": t("秒"),
        "staffingBasis": t(STAFFING_BASIS),
        "locale": "en-GB" if current_language() == "en" else "zh-CN",
        "timeZone": TIMEZONE,
    }


@bp.get("/api/v1/wallboard")
@roles_required("supervisor")
def data():
    session = get_session()
    keep_queues_moving(session)
    return jsonify(wallboard(session, context.router_settings()))


@bp.get("/api/v1/reports/calls")
@token_required("monitor")
def calls_report():
    """Call figures per skill, entry line or interval: ?from=YYYY-MM-DD&to=YYYY-MM-DD&by=…"""
    start = _moment("from", end=False)
    end = _moment("to", end=True)
    if end <= start:
        abort(400, "to must not be before from")
    if end - start > timedelta(days=366):
        abort(400, "ask for at most a year at a time")
    by = request.args.get("by", "total")
    if by not in GROUPINGS:
        abort(400, f"by must be one of {', '.join(GROUPINGS)}")
    config = context.settings()
    rows = call_report(
        get_session(),
        start,
        end,
        by,
        config.short_abandon_seconds,
        config.service_level_seconds,
    )
    return jsonify(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "by": by,
            "service_level_seconds": config.service_level_seconds,
            "short_abandon_seconds": config.short_abandon_seconds,
            # A callback is counted unreached once this many calls went unanswered.
            "callback_attempts": config.callback_attempts,
            "rows": [row.as_dict() for row in rows],
        }
    )


def _moment(name: str, end: bool) -> datetime:
    """A date (a whole local day; `to` includes its day) or an ISO date-time; today by default."""
    raw = request.args.get(name, "").strip()
    if not raw:
        today = datetime.now(LOCAL).date()
        return datetime.combine(today + timedelta(days=1 if end else 0), time.min, tzinfo=LOCAL)
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
        moment = datetime.fromisoformat(raw)
    except ValueError:
        abort(400, f"{name} must be a date (2026-11-26) or a date-time (2026-11-26T09:00+08:00)")
    moment_in_range(name, moment)  # the local day's bounds in UTC must still be dates
    if day is not None:
        return datetime.combine(day + timedelta(days=1 if end else 0), time.min, tzinfo=LOCAL)
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)
