"""Admin pages for work orders: assignment rules, the working calendar, units' contacts.

The calendar is the official one (the chinesecalendar package); admins keep overrides on
top of it, and are warned from 1 November when next year is not in the package yet.
Every change is an audit event.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from hotline.db import utcnow
from hotline.infra.database import get_session
from hotline.services import admin
from hotline.views.auth import roles_required
from hotline.views.common import (
    active_units,
    current_actor,
    form_text,
    is_whole,
    leaf_categories,
    units_of_kind,
)
from hotline.views.errors import back_to
from hotline.views.render.i18n import t
from workorders import rules
from workorders.calendar import LOCAL, missing_official_year, official_calendar
from workorders.models import CalendarDay, Unit

bp = Blueprint("workorder_admin", __name__, url_prefix="/admin/workorders")
# Tests may put a fake clock here.
clock = utcnow


@bp.get("/")
@roles_required("admin")
def home():
    session = get_session()
    today = clock().astimezone(LOCAL).date()
    this_year = date(today.year, 1, 1)
    return render_template(
        "workorder_admin.html",
        rules=rules.list_rules(session),
        categories=leaf_categories(),
        districts=units_of_kind("district"),
        streets=units_of_kind("street"),
        units=active_units(),
        contacts=session.scalars(
            sa.select(Unit)
            .where(sa.or_(Unit.contact_phone.is_not(None), Unit.contact_email.is_not(None)))
            .order_by(Unit.code)
        ).all(),
        days=session.scalars(
            sa.select(CalendarDay).where(CalendarDay.day >= this_year).order_by(CalendarDay.day)
        ).all(),
        official=official_calendar(),
        missing_year=missing_official_year(today),
    )


@bp.post("/rules")
@roles_required("admin")
@back_to("workorder_admin.home")
def add_rule():
    position = form_text("position", 4) or "100"
    if not is_whole(position):
        abort(400, "position must be a number")
    co_units = form_text("co_units", 400).replace("，", ",").split(",")
    return _change(
        "assignment_rule",
        "create",
        lambda session: rules.add_rule(
            session,
            unit_code=form_text("unit", 32),
            category_code=form_text("category", 48) or None,
            district_code=form_text("district", 32) or None,
            street_code=form_text("street", 32) or None,
            co_unit_codes=co_units,
            position=int(position),
            note=form_text("note", 200),
        ),
    )


@bp.post("/rules/<int:rule_id>/active")
@roles_required("admin")
@back_to("workorder_admin.home")
def set_active(rule_id: int):
    active = request.form.get("active") == "1"
    return _change(
        "assignment_rule",
        "activate" if active else "deactivate",
        lambda session: rules.set_rule_active(session, rule_id, active),
    )


@bp.post("/rules/<int:rule_id>/delete")
@roles_required("admin")
@back_to("workorder_admin.home")
def delete_rule(rule_id: int):
    return _change("assignment_rule", "delete", lambda session: rules.delete_rule(session, rule_id))


@bp.post("/calendar")
@roles_required("admin")
@back_to("workorder_admin.home")
def set_day():
    day = _day(form_text("day", 10))
    working = request.form.get("working") == "1"
    return _change(
        "calendar_day",
        "update",
        lambda session: rules.set_calendar_day(session, day, working, form_text("note", 80)),
    )


@bp.post("/calendar/<day>/delete")
@roles_required("admin")
@back_to("workorder_admin.home")
def delete_day(day: str):
    parsed = _day(day)
    return _change(
        "calendar_day", "delete", lambda session: rules.remove_calendar_day(session, parsed)
    )


@bp.post("/contacts")
@roles_required("admin")
@back_to("workorder_admin.home")
def set_contact():
    return _change(
        "unit",
        "update",
        lambda session: rules.set_unit_contact(
            session, form_text("unit", 32), form_text("phone", 32), form_text("email", 120)
        ),
    )


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400, "the day must be a date such as 2026-10-10")


def _change(entity: str, action: str, change):
    admin.apply_change(get_session(), current_actor(), entity, action, change)
    flash(t("操作成功"))
    return redirect(url_for("workorder_admin.home"))
