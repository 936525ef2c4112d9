"""The supervisor's (dispatcher's) desk: agents and queues live; orders to dispatch by hand,
disputes to settle by joint determination, extension requests, overdue orders to urge, and
callbacks. Agents and supervisors act on single orders from the order page too."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra.database import get_session
from hotline.services.workorders import perform_action, perform_action_on_each
from hotline.views.auth import roles_required, safe_next
from hotline.views.common import (
    actions_for,
    active_units,
    bulk_numbers,
    current_actor,
    form_lines,
    form_text,
    form_version,
    may_perform,
    paged,
)
from hotline.views.errors import back_to, refusals
from hotline.views.render.i18n import t
from hotline.views.render.names import action_done
from routing.models import Agent, Call, Skill
from workorders import services as workorders
from workorders.models import WorkOrder
from workorders.states import WITH_UNIT

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")
# The open orders with provisional deadlines that the desk lists, soonest due first.
PROVISIONAL_SHOWN = 50
# Rows of each of the desk's lists at once: each row carries its own action form (with
# every unit to choose from), and the desk shows five lists.
DESK_PAGE_SIZE = 10
# WorkOrder.active_deadline in SQL: sign-for while dispatched, else the reply deadline.
ACTIVE_DEADLINE = sa.case(
    (WorkOrder.status == "dispatched", WorkOrder.sign_deadline), else_=WorkOrder.reply_deadline
)


@bp.app_context_processor
def work_order_helpers():
    """What order pages need to know about the viewer: the actions they may take."""

    def order_actions(order: WorkOrder) -> list[str]:
        if not current_user.is_authenticated:
            return []
        role = workorders.unit_role(get_session(), order, current_user.unit_code)
        return actions_for(order, current_user.role, role)

    return {"order_actions": order_actions, "unit_choices": active_units}


@bp.get("/")
@roles_required("supervisor")
def home():
    """The desk: each list of orders a page at a time (``?<list>_page=N``), oldest first,
    the overdue soonest due first, each with its count and pager."""
    session = get_session()
    now = utcnow()
    waiting = Counter(
        session.scalars(sa.select(Call.skill_code).where(Call.status == "queued")).all()
    )

    def in_status(*statuses: str) -> sa.Select:
        return (
            sa.select(WorkOrder)
            .where(WorkOrder.status.in_(statuses))
            .order_by(WorkOrder.created_at, WorkOrder.id)
        )

    awaiting_callback, callback_pager = paged(
        in_status("replied", "callback"), "callback_page", DESK_PAGE_SIZE
    )
    awaiting_dispatch, dispatch_pager = paged(in_status("new"), "dispatch_page", DESK_PAGE_SIZE)
    disputed, disputes_pager = paged(
        in_status("disputed").options(orm.selectinload(WorkOrder.events)),
        "disputes_page",
        DESK_PAGE_SIZE,
    )
    extended, extensions_pager = paged(
        in_status("extension_requested").options(orm.selectinload(WorkOrder.extensions)),
        "extensions_page",
        DESK_PAGE_SIZE,
    )
    deadline = ACTIVE_DEADLINE
    overdue, overdue_pager = paged(
        sa.select(WorkOrder)
        .where(WorkOrder.status.in_(WITH_UNIT), deadline < now)
        .order_by(deadline, WorkOrder.id),
        "overdue_page",
        DESK_PAGE_SIZE,
    )
    return render_template(
        "supervisor.html",
        agents=session.scalars(sa.select(Agent).order_by(Agent.name)).all(),
        skills=session.scalars(sa.select(Skill).order_by(Skill.code)).all(),
        waiting=waiting,
        now=now,
        units=active_units(),
        awaiting_dispatch=awaiting_dispatch,
        dispatch_pager=dispatch_pager,
        disputes=[(o, workorders.last_return(o)) for o in disputed],
        disputes_pager=disputes_pager,
        extensions=[(o, workorders.pending_extension(o)) for o in extended],
        extensions_pager=extensions_pager,
        overdue=overdue,
        overdue_pager=overdue_pager,
        awaiting_callback=awaiting_callback,
        callback_pager=callback_pager,
        provisional_orders=session.scalars(
            sa.select(WorkOrder)
            .where(
                WorkOrder.status.in_(WITH_UNIT),
                WorkOrder.deadline_provisional_year.is_not(None),
            )
            .order_by(WorkOrder.reply_deadline)
            .limit(PROVISIONAL_SHOWN)
        ).all(),
    )


def _back() -> str:
    return safe_next(request.form.get("next")) or url_for("supervisor.home")


@bp.post("/orders/<number>/callback")
@roles_required("supervisor", "agent")
@back_to(_back)
def callback(number: str):
    return _act(number, "callback")


@bp.post("/bulk-dispatch")
@roles_required("supervisor")
@back_to(_back)
def bulk_dispatch():
    """The ticked orders to one unit (and its co-units): each dispatched or refused alone."""
    if not may_perform(current_user.role, "dispatch"):
        abort(403)
    numbers = bulk_numbers()
    if not numbers:
        flash(t("请选择工单"))
        return redirect(url_for("supervisor.home"))
    co_units = form_text("co_units", 400).replace("，", ",").split(",")
    done, failed = perform_action_on_each(
        get_session(),
        numbers,
        "dispatch",
        current_actor(),
        unit_code=form_text("unit", 32) or None,
        co_unit_codes=[c.strip() for c in co_units if c.strip()],
    )
    said = t("{action}：{n} 张工单完成").format(action=t("action:dispatch"), n=len(done))
    flash(said + (f"；{t('未能办理')}: {refusals(failed)}" if failed else ""))
    return redirect(url_for("supervisor.home"))


@bp.post("/orders/<number>/act")
@roles_required("supervisor", "agent")
@back_to(_back)
def act(number: str):
    return _act(number, request.form.get("action", ""))


def _act(number: str, action: str):
    if not may_perform(current_user.role, action):
        abort(403)
    co_units = form_text("co_units", 400).replace("，", ",").split(",")
    order = perform_action(
        get_session(),
        number,
        action,
        current_actor(),
        note=form_text("note"),
        unit_code=form_text("unit", 32) or None,
        co_unit_codes=[c.strip() for c in co_units if c.strip()],
        attachments=form_lines("attachments"),
        parent_number=form_text("into", 20) or None,
        satisfaction=form_text("satisfaction", 24) or None,
        expected_version=form_version(),
    )
    flash(action_done(order, action))
    return redirect(_back())
