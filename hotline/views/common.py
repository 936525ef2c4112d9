"""Small helpers shared by the console's views."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, request
from flask_login import current_user

from hotline.infra.database import get_session
from workorders.models import Category, Unit, WorkOrder
from workorders.services import Actor
from workorders.states import PERFORMERS, allowed_actions


def current_actor() -> Actor:
    return Actor(current_user.username, current_user.id, current_user.unit_code)


def leaf_categories() -> list[Category]:
    query = sa.select(Category).where(Category.parent_code.is_not(None)).order_by(Category.code)
    return list(get_session().scalars(query))


def units_of_kind(kind: str) -> list[Unit]:
    query = sa.select(Unit).where(Unit.kind == kind, Unit.active).order_by(Unit.code)
    return list(get_session().scalars(query))


def form_text(name: str, limit: int = 4000) -> str:
    value = request.form.get(name, "").strip()
    if len(value) > limit:
        abort(400, f"{name} is longer than {limit} characters")
    return value


# What each login role may do to a work order, by who performs the action (states.PERFORMERS).
CAPABILITIES = {
    "department": frozenset({"unit"}),
    "agent": frozenset({"hotline"}),
    "supervisor": frozenset({"hotline", "dispatcher"}),
    "admin": frozenset({"hotline", "dispatcher"}),
}


def may_perform(role: str, action: str) -> bool:
    """Whether a login of ``role`` may ask for ``action`` ("callback" is the hotline's)."""
    performer = "hotline" if action == "callback" else PERFORMERS.get(action)
    return performer in CAPABILITIES.get(role, frozenset())


def actions_for(order: WorkOrder, role: str, unit_role: str | None = None) -> list[str]:
    """The actions the table allows on ``order`` now that a login of ``role`` may take;
    a department's only when it leads the order."""
    if role == "department" and unit_role != "lead":
        return []
    return [action for action in allowed_actions(order.status) if may_perform(role, action)]


def active_units() -> list[Unit]:
    query = sa.select(Unit).where(Unit.active).order_by(Unit.kind, Unit.code)
    return list(get_session().scalars(query))


def form_lines(name: str, limit: int = 20000) -> list[str]:
    """A textarea of one value per line (e.g. attachment URLs), without blank lines."""
    return [line.strip() for line in form_text(name, limit).splitlines() if line.strip()]


def form_version() -> int | None:
    """The order's version the page was showing, when the form sends it."""
    raw = request.form.get("version", "").strip()
    return int(raw) if is_whole(raw) else None


def is_whole(raw: str, digits: int = 9) -> bool:
    """Whether ``raw`` is 1 to ``digits`` ASCII digits: a number int() takes and the database
    stores (str.isdigit alone also takes "²", and any length)."""
    return raw.isascii() and raw.isdigit() and len(raw) <= digits
