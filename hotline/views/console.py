"""The agent console: state, the offered call, the current call, the KB, work orders."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from hotline.db import TIMEZONE
from hotline.infra import context
from hotline.infra.database import get_session
from hotline.services import agents
from hotline.services.calls import agent_status, connect
from hotline.services.calls import cancel_consult as cancel_consult_call
from hotline.services.calls import complete_consult as complete_consult_call
from hotline.services.calls import consult as consult_call
from hotline.services.calls import hold as hold_call
from hotline.services.calls import resume as resume_call
from hotline.services.calls import transfer as transfer_call
from hotline.services.workorders import submit_work_order
from hotline.views.auth import roles_required
from hotline.views.common import (
    call_url,
    current_actor,
    form_text,
    is_whole,
    leaf_categories,
    units_of_kind,
)
from hotline.views.errors import back_to
from hotline.views.render.i18n import t
from hotline.views.render.names import LANGUAGE_NAMES, language_name, skill_names
from routing import services as routing
from routing.models import AGENT_STATES, CALL_STATUSES
from workorders.labels import STATUS_LABELS
from workorders.places import find_place, place_names
from workorders.services import get_work_order, recent_categories, search_orders

bp = Blueprint("console", __name__, url_prefix="/console")
bp.add_app_template_global(call_url)


def current_agent():
    agent = routing.agent_for_user(get_session(), current_user.id)
    if agent is None:
        abort(403, "该登录没有坐席")
    return agent


@bp.get("/")
@roles_required("agent", "supervisor")
def home():
    session = get_session()
    agent = current_agent()
    status = agent_status(session, agent)
    call = routing.current_call(session, agent)
    words = console_words()
    categories = leaf_categories()
    leaves = {category.code: category for category in categories}
    recent = [
        leaves[code] for code in recent_categories(session, current_user.id) if code in leaves
    ]
    return render_template(
        "console.html",
        agent=agent,
        status=status,
        words=words,
        console_config={"urls": console_urls(), "words": words},
        waiting=routing.waiting_calls(session, [s.skill_code for s in agent.skills]),
        call=call,
        categories=categories,
        recent_categories=recent,
        districts=units_of_kind("district"),
        wrap_up_reasons=routing.wrap_up_reasons(session),
        transfer_skills=skill_names(),
        transfer_agents=[a for a in routing.all_agents(session) if a.id != agent.id],
        transfer_targets=routing.transfer_targets(session),
        streets=units_of_kind("street"),
        # The browser rings only for agents without a phone, when tokens can be made.
        voice_client=context.settings().voice_client and agent.phone is None,
    )


def console_words() -> dict:
    """The labels the console's script shows as it follows the router, in the user's
    language: the same words the page is rendered with."""
    return {
        "states": {state: t(state) for state in AGENT_STATES},
        "callStatuses": {status: t(status) for status in CALL_STATUSES},
        "orderStatuses": {status: t(status) for status in STATUS_LABELS["zh"]},
        "languages": {code: language_name(code) for code in LANGUAGE_NAMES},
        "skills": skill_names(),
        "ratings": {"1": t("满意"), "2": t("基本满意"), "3": t("不满意")},
        "callback": t("回拨"),
        "conflict": t("操作冲突"),
        "unreachable": t("网络异常，操作未完成，请重试"),
        "newOffer": t("新来电"),
        "consultAnswered": t("已接通，市民在等待"),
        "consultRinging": t("正在呼叫"),
        "timeZone": TIMEZONE,
    }


def console_urls() -> dict:
    """Where the console's script asks: the agent API, and the forms it stands in for."""
    return {
        "status": url_for("agent_api.status", waiting="1"),
        "state": url_for("agent_api.change_state"),
        "finish": url_for("agent_api.finish"),
        "transfer": call_url("agent_api.transfer"),
        "hold": call_url("agent_api.hold"),
        "resume": call_url("agent_api.resume"),
        "completeConsult": call_url("agent_api.complete_consult"),
        "cancelConsult": call_url("agent_api.cancel_consult"),
        "accept": call_url("agent_api.accept"),
        "decline": call_url("agent_api.decline"),
        "acceptForm": call_url("console.accept"),
        "declineForm": call_url("console.decline"),
        "order": unquote(url_for("console.order", number="{number}")),
        "place": url_for("console.place"),
    }


@bp.post("/state")
@roles_required("agent", "supervisor")
@back_to("console.home")
def change_state():
    agents.choose_state(get_session(), current_agent().id, request.form.get("state", ""))
    return redirect(url_for("console.home"))


@bp.post("/ready")
@roles_required("agent", "supervisor")
@back_to("console.home")
def ready():
    wrap_up = form_text("wrap_up", 32)
    agents.choose_state(get_session(), current_agent().id, "available", wrap_up)
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/transfer")
@roles_required("agent", "supervisor")
@back_to("console.home")
def transfer(call_id: int):
    kind, _, target = form_text("target", 80).partition(":")
    warm = request.form.get("warm") == "1"
    how = consult_call if warm else transfer_call
    how(get_session(), current_agent(), call_id, kind, target, form_text("note", 500))
    flash(t("正在咨询，来电者在等待") if warm else t("已转接"))
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/consult/complete")
@roles_required("agent", "supervisor")
@back_to("console.home")
def complete_consult(call_id: int):
    complete_consult_call(get_session(), current_agent(), call_id)
    flash(t("已转接"))
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/consult/cancel")
@roles_required("agent", "supervisor")
@back_to("console.home")
def cancel_consult(call_id: int):
    cancel_consult_call(get_session(), current_agent(), call_id)
    flash(t("已接回来电"))
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/hold")
@roles_required("agent", "supervisor")
@back_to("console.home")
def hold(call_id: int):
    hold_call(get_session(), current_agent(), call_id)
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/resume")
@roles_required("agent", "supervisor")
@back_to("console.home")
def resume(call_id: int):
    resume_call(get_session(), current_agent(), call_id)
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/accept")
@roles_required("agent", "supervisor")
@back_to("console.home")
def accept(call_id: int):
    connect(get_session(), current_agent(), call_id)
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/decline")
@roles_required("agent", "supervisor")
@back_to("console.home")
def decline(call_id: int):
    agents.decline(get_session(), current_agent().id, call_id)
    return redirect(url_for("console.home"))


@bp.post("/calls/<int:call_id>/resolve")
@roles_required("agent", "supervisor")
@back_to("console.home")
def resolve(call_id: int):
    session = get_session()
    article_id = request.form.get("article_id") or None
    agents.resolve(session, current_agent().id, call_id, article_id)
    flash(t("操作成功"))
    return redirect(url_for("console.home"))


@bp.post("/finish")
@roles_required("agent", "supervisor")
@back_to("console.home")
def finish():
    agents.finish(get_session(), current_agent().id)
    return redirect(url_for("console.home"))


@bp.post("/phone")
@roles_required("agent", "supervisor")
@back_to("console.home")
def set_phone():
    agents.set_phone(get_session(), current_agent().id, form_text("phone", 200), current_actor())
    flash(t("操作成功"))
    return redirect(url_for("console.home"))


@bp.post("/work-orders")
@roles_required("agent", "supervisor")
@back_to("console.home")
def new_work_order():
    session = get_session()
    agent = routing.agent_for_user(session, current_user.id)
    call_id = request.form.get("call_id", "")
    order = submit_work_order(
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
    flash(f"{t('工单')} {order.number}")
    return redirect(url_for("console.order", number=order.number))


@bp.get("/place")
@roles_required("agent", "supervisor")
def place():
    """The district and street an address names, for the work-order form to fill in."""
    address = request.args.get("address", "")[:200]
    names = place_names([*units_of_kind("district"), *units_of_kind("street")])
    found = find_place(address, names)
    return jsonify(district=found.district_code, street=found.street_code)


@bp.get("/orders")
@roles_required("agent", "supervisor")
def orders():
    """Look orders up by number, phone or words; ``mine=1`` keeps the ones this login filed."""
    text = request.args.get("q", "")[:200]
    mine = request.args.get("mine") == "1"
    found = search_orders(get_session(), text, created_by_id=current_user.id if mine else None)
    return render_template("orders.html", orders=found, q=text, mine=mine)


@bp.get("/orders/<number>")
@roles_required("agent", "supervisor")
def order(number: str):
    work_order = get_work_order(get_session(), number)
    return render_template("order.html", order=work_order, portal=False)
