"""The department portal: a unit's staff see, sign for and reply to their own orders only."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from hotline.auth import roles_required
from hotline.database import get_session
from hotline.i18n import t
from hotline.views.common import current_actor, form_text
from workorders import services as workorders
from workorders.errors import NotFound, WorkOrderError
from workorders.models import Unit

bp = Blueprint("department", __name__, url_prefix="/dept")


def _unit_code() -> str:
    if not current_user.unit_code:
        abort(403, "this login belongs to no unit")
    return current_user.unit_code


@bp.get("/")
@roles_required("department")
def home():
    session = get_session()
    unit = session.get(Unit, _unit_code())
    orders = workorders.orders_for_unit(session, unit.code)
    return render_template("department.html", unit=unit, orders=orders)


@bp.get("/orders/<number>")
@roles_required("department")
def order(number: str):
    try:
        work_order = workorders.get_work_order_for_unit(get_session(), number, _unit_code())
    except NotFound:
        abort(404)
    return render_template("order.html", order=work_order, portal=True)


@bp.post("/orders/<number>/sign")
@roles_required("department")
def sign(number: str):
    return _act(number, lambda session: workorders.sign_for(session, number, current_actor()))


@bp.post("/orders/<number>/reply")
@roles_required("department")
def reply(number: str):
    text = form_text("reply")
    return _act(number, lambda session: workorders.reply(session, number, current_actor(), text))


def _act(number: str, action):
    session = get_session()
    _unit_code()
    try:
        action(session)
        session.commit()
        flash(t("操作成功"))
    except NotFound:
        abort(404)
    except WorkOrderError as exc:
        session.rollback()
        flash(str(exc))
    return redirect(url_for("department.order", number=number))
