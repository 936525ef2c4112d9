"""Small helpers shared by the console's views."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user

from hotline.database import get_session
from workorders.calendar import LOCAL
from workorders.models import Category, Unit
from workorders.services import Actor


def current_actor() -> Actor:
    return Actor(current_user.username, current_user.id, current_user.unit_code)


def leaf_categories() -> list[Category]:
    query = sa.select(Category).where(Category.parent_code.is_not(None)).order_by(Category.code)
    return list(get_session().scalars(query))


def units_of_kind(kind: str) -> list[Unit]:
    query = sa.select(Unit).where(Unit.kind == kind, Unit.active).order_by(Unit.code)
    return list(get_session().scalars(query))


def local_date_arg(name: str) -> datetime | None:
    """A YYYY-MM-DD query argument as the start of that local day (UTC), or None; 400 if bad."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        abort(400, f"{name} must be a date such as 2026-11-26")
    return datetime.combine(day, time.min, tzinfo=LOCAL)


def form_text(name: str, limit: int = 4000) -> str:
    value = request.form.get(name, "").strip()
    if len(value) > limit:
        abort(400, f"{name} is longer than {limit} characters")
    return value
