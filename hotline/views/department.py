"""The department portal: a unit's staff see, sign for, reply to, return and ask more time
for their own orders only, one at a time or several at once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from hotline.db import utcnow
from hotline.infra.database import get_session
from hotline.services.workorders import perform_action, perform_action_on_each
from hotline.views.auth import roles_required
from hotline.views.common import (
    actions_for,
    bulk_numbers,
    current_actor,
    form_lines,
    form_text,
    form_version,
    is_whole,
    paged,
)
from hotline.views.errors import back_to, refusals
from hotline.views.render.i18n import t
from hotline.views.render.names import action_done
from workorders import services as workorders
from workorders.models import Unit

bp = Blueprint("department", __name__, url_prefix="/dept")
# What a unit may do from the portal, and what it may do to several orders at once.
UNIT_ACTIONS = ("sign", "start", "reply", "return", "request_extension")


def _unit_code() -> str:
    if not current_user.unit_code:
        abort(403, "该登录不属于任何承办单位")
    return current_user.unit_code


@bp.get("/")
@roles_required("department")
def home():
    session = get_session()
    # A login's unit is a foreign key, and units are never deleted.
    unit = session.get_one(Unit, _unit_code())
    show_all = request.args.get("all") == "1"
    orders, pager = paged(
        workorders.unit_orders_query(session, unit.code, open_only=not show_all), "page"
    )
    subtree = workorders.unit_subtree(session, unit.code)
    roles = {o.id: workorders.unit_role(session, o, unit.code, subtree=subtree) for o in orders}
    return render_template(
        "department.html",
        unit=unit,
        orders=orders,
        pager=pager,
        roles=roles,
        show_all=show_all,
        now=utcnow(),
        bulk_actions=UNIT_ACTIONS,
    )


@bp.get("/orders/<number>")
@roles_required("department")
def order(number: str):
    session = get_session()
    work_order = workorders.get_work_order_for_unit(session, number, _unit_code())
    role = workorders.unit_role(session, work_order, current_user.unit_code)
    return render_template(
        "order.html",
        order=work_order,
        portal=True,
        unit_role=role,
        actions=actions_for(work_order, "department", role),
        now=utcnow(),
    )


@bp.post("/orders/<number>/<action>")
@roles_required("department")
@back_to("department.order", "number")
def act(number: str, action: str):
    if action not in UNIT_ACTIONS:
        abort(404)
    _unit_code()
    order = perform_action(
        get_session(),
        number,
        action,
        current_actor(),
        expected_version=form_version(),
        **_params(action),
    )
    flash(action_done(order, action))
    return redirect(url_for("department.order", number=number))


@bp.post("/bulk")
@roles_required("department")
def bulk():
    """One action on several orders: each succeeds or fails on its own."""
    _unit_code()
    action = request.form.get("action", "")
    numbers = bulk_numbers()
    if action not in UNIT_ACTIONS:
        abort(400, "choose an action")
    if not numbers:
        flash(t("请选择工单"))
        return redirect(url_for("department.home"))
    done, failed = perform_action_on_each(
        get_session(), numbers, action, current_actor(), **_params(action)
    )
    said = t("{action}：{n} 张工单完成").format(action=t(f"action:{action}"), n=len(done))
    flash(said + (f"；{t('未能办理')}: {refusals(failed)}" if failed else ""))
    return redirect(url_for("department.home"))


def _params(action: str) -> dict:
    params: dict = {"note": form_text("note")}
    if action == "reply":
        params["note"] = form_text("reply") or params["note"]
        params["attachments"] = form_lines("attachments")
    if action == "request_extension":
        days = request.form.get("working_days", "").strip()
        params["working_days"] = int(days) if is_whole(days) else 0
    return params
