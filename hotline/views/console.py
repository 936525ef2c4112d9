"""The agent console: state, the offered call, the current call, the KB, work orders."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hotline.infra import context
from hotline.infra.database import get_session
from hotline.infra.gateway import GatewayError
from hotline.services.calls import agent_became_free, agent_status, connect
from hotline.services.workorders import file_work_order
from hotline.views.auth import roles_required
from hotline.views.common import (
    current_actor,
    form_text,
    is_whole,
    leaf_categories,
    units_of_kind,
)
from hotline.views.render.i18n import t
from knowledge_base.models import Article
from routing import services as routing
from routing.errors import RoutingError
from routing.models import Skill
from workorders.errors import WorkOrderError
from workorders.services import get_work_order

bp = Blueprint("console", __name__, url_prefix="/console")


def current_agent():
    agent = routing.agent_for_user(get_session(), current_user.id)
    if agent is None:
        abort(403, "this login has no agent seat")
    return agent


@bp.get("/")
@roles_required("agent", "supervisor")
def home():
    session = get_session()
    agent = current_agent()
    status = agent_status(session, agent)
    call = routing.current_call(session, agent)
    skills = {s.code: s for s in session.scalars(sa.select(Skill))}
    return render_template(
        "console.html",
        agent=agent,
        status=status,
        waiting=routing.waiting_calls(session, [s.skill_code for s in agent.skills]),
        call=call,
        skills=skills,
        categories=leaf_categories(),
        districts=units_of_kind("district"),
        streets=units_of_kind("street"),
    )


def _act(action):
    session = get_session()
    try:
        action(session, current_agent())
        session.commit()
    except (RoutingError, GatewayError) as exc:
        session.rollback()
        flash(str(exc))
    return redirect(url_for("console.home"))


@bp.post("/state")
@roles_required("agent", "supervisor")
def change_state():
    state = request.form.get("state", "")

    def change(session, agent):
        routing.set_agent_state(session, agent.id, state)
        session.commit()
        if state == "available":
            agent_became_free(session, agent.id)

    return _act(change)


@bp.post("/ready")
@roles_required("agent", "supervisor")
def ready():
    def become_ready(session, agent):
        routing.ready(session, agent.id)
        session.commit()
        agent_became_free(session, agent.id)

    return _act(become_ready)


@bp.post("/calls/<int:call_id>/accept")
@roles_required("agent", "supervisor")
def accept(call_id: int):
    return _act(lambda session, agent: connect(session, agent, call_id))


@bp.post("/calls/<int:call_id>/decline")
@roles_required("agent", "supervisor")
def decline(call_id: int):
    return _act(
        lambda session, agent: routing.decline_reservation(
            session, agent.id, call_id, context.router_settings()
        )
    )


@bp.post("/calls/<int:call_id>/resolve")
@roles_required("agent", "supervisor")
def resolve(call_id: int):
    session = get_session()
    article_id = request.form.get("article_id") or None
    if article_id is not None and session.get(Article, article_id) is None:
        abort(400, "unknown article")
    resolution = "kb" if article_id else "on_call"

    def record(session, agent):
        routing.resolve_call(session, call_id, agent.id, resolution, article_id)
        flash(t("操作成功"))

    return _act(record)


@bp.post("/finish")
@roles_required("agent", "supervisor")
def finish():
    return _act(lambda session, agent: routing.finish_call(session, agent.id))


@bp.post("/work-orders")
@roles_required("agent", "supervisor")
def new_work_order():
    session = get_session()
    agent = routing.agent_for_user(session, current_user.id)
    call_id = request.form.get("call_id", "")
    try:
        order = file_work_order(
            session,
            actor=current_actor(),
            category_code=form_text("category", 48),
            description=form_text("description"),
            citizen_phone=form_text("citizen_phone", 32),
            citizen_name=form_text("citizen_name", 80),
            district_code=form_text("district", 32) or None,
            street_code=form_text("street", 32) or None,
            address=form_text("address", 200),
            urgent=True if request.form.get("urgent") else None,
            call_id=int(call_id) if is_whole(call_id) else None,
            agent_id=agent.id if agent else None,
        )
        session.commit()
    except (WorkOrderError, RoutingError) as exc:
        session.rollback()
        flash(str(exc))
        return redirect(url_for("console.home"))
    flash(f"{t('工单')} {order.number}")
    return redirect(url_for("console.order", number=order.number))


@bp.get("/orders/<number>")
@roles_required("agent", "supervisor")
def order(number: str):
    try:
        work_order = get_work_order(get_session(), number)
    except WorkOrderError:
        abort(404)
    return render_template("order.html", order=work_order, portal=False)
