"""Small helpers shared by the console's views and the JSON APIs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import abort, request, url_for
from flask_login import current_user

from hotline.infra.database import get_session
from workorders.models import Category, Unit, WorkOrder
from workorders.services import Actor
from workorders.states import PERFORMERS, allowed_actions

# The JSON APIs' ids and counts are the database's integers: 32 bits, signed.
INTEGER_LIMIT = 2**31
CHANGING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def current_actor() -> Actor:
    return Actor(current_user.username, current_user.id, current_user.unit_code)


def leaf_categories() -> list[Category]:
    query = sa.select(Category).where(Category.parent_code.is_not(None)).order_by(Category.code)
    return list(get_session().scalars(query))


def units_of_kind(kind: str) -> list[Unit]:
    query = sa.select(Unit).where(Unit.kind == kind, Unit.active).order_by(Unit.code)
    return list(get_session().scalars(query))


def call_url(endpoint: str) -> str:
    """The URL of ``endpoint`` (a route with a ``call_id``) for any call: the scripts of a
    page put the call's id in place of ``{call}``."""
    head, _, tail = url_for(endpoint, call_id=0).rpartition("/0/")
    return f"{head}/{{call}}/{tail}"


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


def changes_must_be_json() -> None:
    """The JSON APIs' ``before_request``: every change comes as JSON, which a form on another
    site cannot send (their CSRF protection; the cookie is also SameSite=Lax)."""
    if request.method in CHANGING_METHODS and not request.is_json:
        abort(415, "send JSON (Content-Type: application/json)")


class JsonBody:
    """The request's JSON object, each field read with its type checked (a 400 that names
    the field otherwise). An absent field, or null, reads as empty."""

    def __init__(self, fields: dict):
        self.fields = fields

    def text(self, name: str, limit: int = 4000) -> str:
        value = self.fields.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            abort(400, f"{name} must be a string")
        if len(value) > limit:
            abort(400, f"{name} is longer than {limit} characters")
        return value

    def texts(self, name: str) -> list[str]:
        value = self.fields.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            abort(400, f"{name} must be a list of strings")
        return value

    def whole(self, name: str) -> int | None:
        """A whole number within 32 bits (ids, versions, days)."""
        value = self.fields.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            abort(400, f"{name} must be a whole number")
        if not -INTEGER_LIMIT < value < INTEGER_LIMIT:
            abort(400, f"{name} is out of range")
        return value

    def number(self, name: str) -> float | None:
        value = self.fields.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            abort(400, f"{name} must be a number")
        try:
            return float(value)
        except OverflowError:  # a whole number beyond any float
            abort(400, f"{name} is out of range")

    def flag(self, name: str) -> bool | None:
        value = self.fields.get(name)
        if value is not None and not isinstance(value, bool):
            abort(400, f"{name} must be true or false")
        return value


def json_body() -> JsonBody:
    """The request's body, which must be JSON (415) and an object (400); empty reads as {}."""
    if not request.is_json:
        abort(415, "send JSON (Content-Type: application/json)")
    if not request.get_data():
        return JsonBody({})
    fields = request.get_json(silent=True)
    if not isinstance(fields, dict):
        abort(400, "the body must be a JSON object")
    return JsonBody(fields)


def work_order_fields(body: JsonBody) -> dict[str, Any]:
    """What both JSON APIs take of a new work order: category, words, citizen and place."""
    return {
        "category_code": body.text("category", 48),
        "description": body.text("description"),
        "citizen_phone": body.text("citizen_phone", 32),
        "citizen_name": body.text("citizen_name", 80),
        "district_code": body.text("district", 32) or None,
        "street_code": body.text("street", 32) or None,
        "address": body.text("address", 200),
        "urgent": body.flag("urgent"),
    }


# Report periods are whole days in these years; outside them a date is a mistake (and year 1
# or 9999 would overflow the date arithmetic of a period).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)


def day_in_range(name: str, day: date) -> date:
    """``day`` if reports can cover it; else a 400 naming the parameter."""
    if not FIRST_DAY <= day <= LAST_DAY:
        abort(400, f"{name} must be between {FIRST_DAY} and {LAST_DAY}")
    return day


def moment_in_range(name: str, moment: datetime) -> datetime:
    """``moment`` if its year is one reports can cover; else a 400 naming the parameter."""
    if not FIRST_DAY.year <= moment.year <= LAST_DAY.year:
        abort(400, f"{name} must be between the years {FIRST_DAY.year} and {LAST_DAY.year}")
    return moment


def query_day(name: str) -> date | None:
    """The date in query parameter ``name`` (ISO), None when absent; else a 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        abort(400, f"{name} must be a date such as 2026-11-26")
    return day_in_range(name, day)


# The most orders one bulk action takes (the department portal's, the dispatcher's).
MAX_BULK = 100


def bulk_numbers() -> list[str]:
    """The ticket numbers a bulk form ticked, each once, at most MAX_BULK."""
    numbers = list(dict.fromkeys(n.strip() for n in request.form.getlist("numbers") if n.strip()))
    if len(numbers) > MAX_BULK:
        abort(400, f"at most {MAX_BULK} orders at once")
    return numbers


# Rows a long list shows at once; the list's pager links to the others.
PAGE_SIZE = 50


class Pager:
    """One page of a long list: which page (``?<param>=N``, from 1), of how many rows, and
    the links to its neighbours, the rest of the query string kept."""

    def __init__(self, param: str, total: int, size: int | None = None):
        self.param = param
        self.size = size or PAGE_SIZE
        self.total = total
        self.pages = max(1, -(-total // self.size))
        raw = request.args.get(param, "1")
        number = int(raw) if is_whole(raw) and len(raw) < 10 else 1
        self.number = min(max(1, number), self.pages)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first_row(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.size)

    def url(self, number: int) -> str:
        values: dict[str, Any] = {**request.args.to_dict(), **(request.view_args or {})}
        values[self.param] = number
        return url_for(request.endpoint or "", **values)

    @property
    def previous_url(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.pages else None


def paged(query: sa.Select, pager_param: str, size: int | None = None) -> tuple[list, Pager]:
    """The rows of ``query`` (already ordered) on the page the request asks for, and its
    pager: a count and one page of rows, never the whole list."""
    session = get_session()
    total = session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pager = Pager(pager_param, total or 0, size)
    rows = list(session.scalars(query.offset(pager.offset).limit(pager.size)))
    return rows, pager
