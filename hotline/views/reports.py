"""Report pages: figures with their definitions and charts, the monthly bulletin (page,
CSV, PDF) for supervisors and monitors, and the agents' figures for supervisors only."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, render_template, request

from hotline.db import utcnow
from hotline.infra import context
from hotline.infra.database import get_session
from hotline.services.agent_figures import STAR_RULE, agent_figures, service_stars
from hotline.services.reports import DEFINITIONS, call_trend_and_total, local_midnight
from hotline.views.auth import roles_required
from hotline.views.common import day_in_range, query_day
from hotline.views.render import charts
from hotline.views.render.csv import PERCENT, POINTS, Column, csv_response, said_rows
from hotline.views.render.i18n import t
from hotline.views.render.names import figure_name, unit_name
from hotline.views.render.pdf import bulletin_pdf
from routing.metrics import LOCAL
from workorders import rollups
from workorders.bulletin import (
    last_complete_month,
    monthly_bulletin,
    next_month,
    previous_month,
)
from workorders.reports import GROUPINGS, order_figures

bp = Blueprint("reports", __name__)
TABLE_GROUPINGS = tuple(g for g in GROUPINGS if g != "total")
DAILY_UP_TO_DAYS = 62
DEFAULT_DAYS = 30
# The downloads' columns, the page's figures in its order; the monitor API has the codes.
COUNT_COLUMNS = (
    Column("dispatched", "已派发"),
    Column("closed", "已办结"),
    Column("closed_on_time", "按期办结"),
    Column("open_overdue", "超期未办结"),
)
FIGURE_COLUMNS = (
    Column("name", "名称"),
    *COUNT_COLUMNS,
    Column("rated", "有回访评价"),
    Column("satisfied", "满意（含基本满意）"),
    Column("returned", "被退回"),
    Column("reopened", "重办"),
    Column("closure_rate", "办结率", PERCENT),
    Column("on_time_rate", "按期办结率", PERCENT),
    Column("satisfaction_rate", "满意率", PERCENT),
    Column("return_rate", "退回率", PERCENT),
    Column("reopen_rate", "重办率", PERCENT),
)
BULLETIN_COLUMNS = (
    Column("name", "名称"),
    *COUNT_COLUMNS,
    Column("on_time_rate", "按期办结率", PERCENT),
    Column("on_time_rank", "按期办结率排名"),
    Column("previous_on_time_rate", "上月按期办结率", PERCENT),
    Column("on_time_change", "按期办结率较上月", POINTS),
    Column("previous_on_time_rank", "上月按期办结率排名"),
    Column("rated", "有回访评价"),
    Column("satisfied", "满意（含基本满意）"),
    Column("satisfaction_rate", "满意率", PERCENT),
    Column("satisfaction_rank", "满意率排名"),
    Column("previous_satisfaction_rate", "上月满意率", PERCENT),
    Column("satisfaction_change", "满意率较上月", POINTS),
    Column("previous_satisfaction_rank", "上月满意率排名"),
    Column("closure_rate", "办结率", PERCENT),
)


def _today() -> date:
    return utcnow().astimezone(LOCAL).date()


def _period() -> tuple[date, date]:
    """[start, end) in local days; the last 30 days (today included) unless given."""
    end = query_day("end") or _today() + timedelta(days=1)
    start = query_day("start") or end - timedelta(days=DEFAULT_DAYS)
    if end <= start:
        abort(400, "截止日期须晚于开始日期")
    return start, end


def _month() -> date:
    raw = request.args.get("month", "").strip()
    if not raw:
        return last_complete_month(_today())
    try:
        month = date.fromisoformat(raw + "-01")
    except ValueError:
        abort(400, "月份的写法如 2026-10")
    return day_in_range("month", month)


def _by() -> str:
    by = request.args.get("by", "unit")
    if by not in TABLE_GROUPINGS:
        abort(400, "未知的分组方式")
    return by


@bp.get("/reports/")
@roles_required("supervisor", "monitor")
def home():
    session = get_session()
    start, end = _period()
    by = _by()
    config = context.settings()
    short, target = config.short_abandon_seconds, config.service_level_seconds
    trend_by = "day" if (end - start).days <= DAILY_UP_TO_DAYS else "month"
    trend = order_figures(session, trend_by, start, end)
    calls_trend, calls = call_trend_and_total(session, start, end, trend_by, short, target)
    units = order_figures(session, "unit", start, end)
    on_time = [(u.on_time_rate, u) for u in units if u.on_time_rate is not None]
    ranked = [u for _, u in sorted(on_time, key=lambda pair: (-pair[0], pair[1].key))]
    period = t("按日" if trend_by == "day" else "按月")

    def title(figure: str) -> str:
        return t("{figure}（{period}）").format(figure=t(figure), period=period)

    def label(key: str) -> str:
        return key[5:] if trend_by == "day" else key  # 2026-10-05 → 10-05

    return render_template(
        "reports.html",
        start=start,
        end=end,
        by=by,
        groupings=TABLE_GROUPINGS,
        totals=order_figures(session, "total", start, end)[0],
        rows=units if by == "unit" else order_figures(session, by, start, end),
        calls=calls,
        refreshed_at=rollups.last_refreshed(session),
        definitions=DEFINITIONS,
        charts=[
            charts.trend_chart(title("办结率"), [(label(f.key), f.closure_rate) for f in trend]),
            charts.trend_chart(
                title("按期办结率"), [(label(f.key), f.on_time_rate) for f in trend]
            ),
            charts.trend_chart(
                title("满意率"), [(label(f.key), f.satisfaction_rate) for f in trend]
            ),
            charts.trend_chart(
                title("接通率"), [(label(c.key), c.answer_rate) for c in calls_trend]
            ),
            charts.trend_chart(
                title("一次性解答率"),
                [(label(c.key), c.first_contact_resolution) for c in calls_trend],
            ),
        ],
        ranking=charts.ranking_chart(
            t("承办单位按期办结率排名"), [(unit_name(u.key), u.on_time_rate) for u in ranked]
        ),
    )


@bp.get("/reports/figures.csv")
@roles_required("supervisor", "monitor")
def figures_csv():
    start, end = _period()
    by = _by()
    rows = [
        {**row.as_dict(), "name": figure_name(by, row.key)}
        for row in order_figures(get_session(), by, start, end)
    ]
    return csv_response(
        said_rows(rows, FIGURE_COLUMNS), f"work-orders-by-{by}-{start}-{end}.csv", excel=True
    )


@bp.get("/reports/bulletin")
@roles_required("supervisor", "monitor")
def bulletin():
    month = _month()
    report = monthly_bulletin(get_session(), month)
    rows = report.rows
    by_satisfaction = sorted(
        (r for r in rows if r.satisfaction_rank is not None),
        key=lambda r: (r.satisfaction_rank, r.unit),
    )
    return render_template(
        "bulletin.html",
        report=report,
        earlier=previous_month(report.month),
        later=next_month(report.month),
        definitions=DEFINITIONS,
        on_time_chart=charts.ranking_chart(
            t("按期办结率排名"),
            [(unit_name(r.figures.key), r.figures.on_time_rate) for r in rows if r.on_time_rank],
        ),
        satisfaction_chart=charts.ranking_chart(
            t("满意率排名"),
            [(unit_name(r.figures.key), r.figures.satisfaction_rate) for r in by_satisfaction],
        ),
    )


@bp.get("/reports/bulletin.csv")
@roles_required("supervisor", "monitor")
def bulletin_csv():
    report = monthly_bulletin(get_session(), _month())
    rows = [{**row.as_dict(), "name": unit_name(row.figures.key)} for row in report.rows]
    return csv_response(
        said_rows(rows, BULLETIN_COLUMNS), f"bulletin-{report.month:%Y-%m}.csv", excel=True
    )


@bp.get("/reports/bulletin.pdf")
@roles_required("supervisor", "monitor")
def bulletin_print():
    report = monthly_bulletin(get_session(), _month())
    return Response(
        bulletin_pdf(report, DEFINITIONS),
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="bulletin-{report.month:%Y-%m}.pdf"'},
    )


@bp.get("/reports/agents")
@roles_required("supervisor")
def agents():
    month = _month() if request.args.get("month") else _today().replace(day=1)
    figures = agent_figures(get_session(), local_midnight(month), local_midnight(next_month(month)))
    stars = service_stars(figures)
    satisfied = [(f.satisfaction_rate, f) for f in figures if f.satisfaction_rate is not None]
    rated = [f for _, f in sorted(satisfied, key=lambda pair: (-pair[0], pair[1].name))]
    return render_template(
        "agents_report.html",
        month=month,
        earlier=previous_month(month),
        later=next_month(month),
        figures=figures,
        stars=stars,
        rule=STAR_RULE,
        chart=charts.ranking_chart(t("坐席满意率"), [(f.name, f.satisfaction_rate) for f in rated]),
    )
