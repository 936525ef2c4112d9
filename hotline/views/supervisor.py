"""The supervisor's desk: agents and queues live, orders awaiting dispatch and callback."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hotline.auth import roles_required
from hotline.database import get_session
from hotline.i18n import t
from hotline.views.common import current_actor
from routing.models import Agent, Call, Skill
from workorders import services as workorders
from workorders.errors import NotFound, WorkOrderError
from workorders.models import WorkOrder

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


@bp.get("/")
@roles_required("supervisor")
def home():
    session = get_session()
    waiting = Counter(
        session.scalars(sa.select(Call.skill_code).where(Call.status == "queued")).all()
    )
    orders = session.scalars(
        sa.select(WorkOrder)
        .where(WorkOrder.status.in_(("new", "replied", "callback")))
        .order_by(WorkOrder.created_at)
    ).all()
    return render_template(
        "supervisor.html",
        agents=session.scalars(sa.select(Agent).order_by(Agent.name)).all(),
        skills=session.scalars(sa.select(Skill).order_by(Skill.code)).all(),
        waiting=waiting,
        awaiting_dispatch=[o for o in orders if o.status == "new"],
        awaiting_callback=[o for o in orders if o.status in ("replied", "callback")],
    )


@bp.post("/orders/<number>/callback")
@roles_required("supervisor", "agent")
def callback(number: str):
    session = get_session()
    try:
        workorders.record_callback(
            session,
            number,
            current_actor(),
            request.form.get("satisfaction", ""),
            request.form.get("note", "").strip()[:1000],
        )
        session.commit()
        flash(t("操作成功"))
    except NotFound:
        abort(404)
    except WorkOrderError as exc:
        session.rollback()
        flash(str(exc))
    return redirect(url_for("supervisor.home"))
