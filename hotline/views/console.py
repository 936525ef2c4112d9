"""The agent console: state, waiting calls, the current call, the knowledge base, work orders."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from hotline.auth import roles_required
from hotline.database import get_session
from hotline.i18n import t
from hotline.services import file_work_order
from hotline.views.common import current_actor, form_text, leaf_categories, units_of_kind
from knowledge_base import services as kb
from knowledge_base.models import Article
from routing import services as routing
from routing.errors import RoutingError
from routing.models import LegacyLine, Skill
from webhooks.gateway import GatewayError
from workorders.errors import WorkOrderError
from workorders.services import get_work_order

bp = Blueprint("console", __name__, url_prefix="/console")
log = logging.getLogger(__name__)


def _agent():
    agent = routing.agent_for_user(get_session(), current_user.id)
    if agent is None:
        abort(403, "this login has no agent seat")
    return agent


@bp.get("/")
@roles_required("agent", "supervisor")
def home():
    session = get_session()
    agent = _agent()
    call = routing.current_call(session, agent)
    query = request.args.get("q", "").strip()[:200]
    if not query and call is not None and call.speech_result:
        query = call.speech_result[:200]
    hits = kb.search_articles(session, query) if query else []
    articles = {a.id: a for a in (session.get(Article, h.id) for h in hits) if a}
    return render_template(
        "console.html",
        agent=agent,
        waiting=routing.waiting_calls_for(session, agent),
        call=call,
        line=session.get(LegacyLine, call.legacy_line_number or "") if call else None,
        skills={s.code: s for s in session.scalars(sa.select(Skill))},
        query=query,
        hits=hits,
        articles=articles,
        categories=leaf_categories(),
        districts=units_of_kind("district"),
        streets=units_of_kind("street"),
    )


@bp.post("/state")
@roles_required("agent", "supervisor")
def change_state():
    session = get_session()
    try:
        routing.set_agent_state(session, _agent().id, request.form.get("state", ""))
        session.commit()
    except RoutingError as exc:
        session.rollback()
        flash(str(exc))
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/accept")
@roles_required("agent", "supervisor")
def accept(call_id: int):
    session = get_session()
    agent = _agent()
    try:
        call = routing.accept_call(session, agent.id, call_id)
        session.commit()
    except RoutingError as exc:
        session.rollback()
        flash(str(exc))
        return redirect(url_for("console.home")), 303
    bridge_url = _public_url(url_for("voice.bridge", call_id=call.id))
    try:
        current_app.extensions["hotline.gateway"].redirect_call(call.call_sid, bridge_url)
    except GatewayError as exc:
        log.warning("bridging call %s failed: %s", call.call_sid, exc)
        routing.release_call(session, call.id)
        session.commit()
        flash(str(exc))
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/resolve")
@roles_required("agent", "supervisor")
def resolve(call_id: int):
    session = get_session()
    article_id = request.form.get("article_id") or None
    if article_id is not None and session.get(Article, article_id) is None:
        abort(400, "unknown article")
    try:
        resolution = "kb" if article_id else "on_call"
        routing.resolve_call(session, call_id, _agent().id, resolution, article_id)
        session.commit()
        flash(t("操作成功"))
    except RoutingError as exc:
        session.rollback()
        flash(str(exc))
    return redirect(url_for("console.home"))


@bp.post("/finish")
@roles_required("agent", "supervisor")
def finish():
    session = get_session()
    routing.finish_call(session, _agent().id)
    session.commit()
    return redirect(url_for("console.home"))


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
            call_id=int(call_id) if call_id.isdigit() else None,
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


def _public_url(path: str) -> str:
    base = current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
    return base + path
