"""Intake: opening orders with their numbers, checking what they carry, assigning them to
the unit the rules name, and finding them again by reference or phone."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from workorders.assignment import CategoryRule, RoutingRule, assign
from workorders.calendar import LOCAL, WorkingCalendar
from workorders.deadlines import DEFAULT_POLICY, DeadlinePolicy, deadlines
from workorders.errors import InvalidWorkOrder, WorkOrderError
from workorders.models import (
    AssignmentRule,
    CalendarDay,
    Category,
    TicketCounter,
    Unit,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderCoUnit,
)
from workorders.services.oversight import claim_notice
from workorders.services.trail import Actor, record, transition
from workorders.states import next_status

CHANNELS = ("phone", "sms", "console", "api", "open311")
SIGN_DEADLINE_WORKING_DAYS = DEFAULT_POLICY.sign_working_days
DEFAULT_REPLY_WORKING_DAYS = DEFAULT_POLICY.default_reply_working_days
MAX_DESCRIPTION = 4000
MAX_NOTE = 4000
MAX_ATTACHMENTS = 20
MAX_URL = 1000


def load_calendar(session: orm.Session) -> WorkingCalendar:
    """The official calendar (read once per process) with the admins' overrides from the
    calendar table, read in one query: counting days asks the database nothing."""
    rows = session.execute(sa.select(CalendarDay.day, CalendarDay.working)).all()
    return WorkingCalendar({day: working for day, working in rows})


def next_ticket_number(session: orm.Session, now: datetime) -> str:
    """A readable, unique number such as 20261126-000123, counted per local day."""
    day = now.astimezone(LOCAL).strftime("%Y%m%d")
    bump = (
        sa.update(TicketCounter)
        .where(TicketCounter.day == day)
        .values(last=TicketCounter.last + 1)
        .returning(TicketCounter.last)
    )
    last = session.execute(bump).scalar_one_or_none()
    if last is None:
        try:
            with session.begin_nested():
                session.add(TicketCounter(day=day, last=1))
            last = 1
        except sa.exc.IntegrityError:
            last = session.execute(bump).scalar_one()
    return f"{day}-{last:06d}"


def find_by_external_ref(session: orm.Session, external_ref: str) -> WorkOrder | None:
    """The order opened earlier for this sender's reference, if any."""
    return session.scalar(sa.select(WorkOrder).where(WorkOrder.external_ref == external_ref))


def orders_for_phone(
    session: orm.Session, phone: str, *, open_only: bool = True, limit: int = 10
) -> list[WorkOrder]:
    """A citizen's work orders by their phone number, newest first."""
    if not phone:
        return []
    query = sa.select(WorkOrder).where(WorkOrder.citizen_phone == phone)
    if open_only:
        query = query.where(WorkOrder.status.not_in(("closed", "cancelled")))
    return list(session.scalars(query.order_by(WorkOrder.created_at.desc()).limit(limit)))


# How far back the recent categories look: an agent's latest orders, not all they filed.
RECENT_ORDERS_SEEN = 200


def recent_categories(session: orm.Session, created_by_id: int, limit: int = 5) -> list[str]:
    """The last ``limit`` distinct categories this login filed orders under, latest first."""
    codes = session.scalars(
        sa.select(WorkOrder.category_code)
        .where(WorkOrder.created_by_id == created_by_id)
        .order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc())
        .limit(RECENT_ORDERS_SEEN)
    )
    return list(dict.fromkeys(codes))[:limit]


def routing_rules(session: orm.Session) -> list[RoutingRule]:
    """The admins' active assignment rules, in the order they are tried."""
    rows = session.scalars(
        sa.select(AssignmentRule)
        .where(AssignmentRule.active)
        .order_by(AssignmentRule.position, AssignmentRule.id)
    )
    return [
        RoutingRule(
            id=row.id,
            unit_code=row.unit_code,
            category_code=row.category_code,
            district_code=row.district_code,
            street_code=row.street_code,
            co_unit_codes=tuple(row.co_unit_codes or ()),
            note=row.note,
        )
        for row in rows
    ]


def open_work_order(
    session: orm.Session,
    *,
    channel: str,
    category_code: str,
    description: str,
    actor: Actor,
    citizen_phone: str = "",
    citizen_name: str = "",
    district_code: str | None = None,
    street_code: str | None = None,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    urgent: bool | None = None,
    call_id: int | None = None,
    recording_url: str | None = None,
    attachments: Iterable[str] = (),
    external_ref: str | None = None,
    dispatch: bool = True,
    note: str = "",
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> WorkOrder:
    """File a work order and, when the rules name a unit, dispatch it with its deadlines.

    With ``dispatch=False`` the order waits for a dispatcher even when a rule decides.
    """
    now = now or utcnow()
    if channel not in CHANNELS:
        raise InvalidWorkOrder("未知的受理渠道“{code}”", code=channel)
    description = checked_text(
        description, lambda: InvalidWorkOrder("请填写诉求内容"), MAX_DESCRIPTION
    )
    category = session.get(Category, category_code)
    if category is None or not category.is_leaf:
        raise InvalidWorkOrder("未知的分类“{code}”", code=category_code)
    district_code, street_code = _check_location(session, district_code, street_code)
    _check_coordinates(latitude, longitude)
    urls = check_attachment_urls(attachments)
    if recording_url:
        recording_url = check_attachment_urls([recording_url])[0]
    external_ref = (external_ref or "").strip()[:80] or None
    if external_ref and find_by_external_ref(session, external_ref) is not None:
        raise InvalidWorkOrder("外部编号“{ref}”已有工单", ref=external_ref)

    order = WorkOrder(
        number=next_ticket_number(session, now),
        channel=channel,
        status="new",
        citizen_phone=citizen_phone.strip(),
        citizen_name=citizen_name.strip(),
        category_code=category.code,
        description=description,
        district_code=district_code,
        street_code=street_code,
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        urgent=category.urgent if urgent is None else urgent,
        call_id=call_id,
        recording_url=recording_url or None,
        external_ref=external_ref,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(order)
    record(session, order, actor, "create", None, "new", note.strip(), now)
    attach(session, order, urls, "intake", actor, now)

    rule = CategoryRule(category.code, category.name, category.routing, category.unit_code)
    assignment = assign(routing_rules(session), rule, district_code, street_code)
    order.assignment_reason = assignment.reason
    if dispatch and assignment.unit_code is not None:
        dispatch_to(
            session,
            order,
            "dispatch",
            assignment.unit_code,
            assignment.co_unit_codes,
            actor,
            assignment.reason,
            now,
            policy,
        )
    session.flush()
    return order


def expected_deadline(
    session: orm.Session,
    order: WorkOrder,
    *,
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> datetime:
    """The order's reply deadline, or the one it would get if dispatched ``now``."""
    if order.reply_deadline is not None:
        return order.reply_deadline
    category = session.get_one(Category, order.category_code)
    return deadlines(
        load_calendar(session),
        policy,
        now or utcnow(),
        reply_working_days=category.deadline_working_days,
        urgent=order.urgent,
        urgent_reply_hours=category.urgent_reply_hours,
    ).reply


def check_attachment_urls(urls: Iterable[str]) -> list[str]:
    """The URLs, stripped and de-duplicated; InvalidWorkOrder unless each is http(s)."""
    checked: list[str] = []
    for raw in urls:
        url = str(raw).strip()
        if not url:
            continue
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or len(url) > MAX_URL
            or any(ch.isspace() or ord(ch) < 32 for ch in url)
        ):
            raise InvalidWorkOrder("附件须为 http(s) 网址：“{url}”", url=url[:80])
        if url not in checked:
            checked.append(url)
    if len(checked) > MAX_ATTACHMENTS:
        raise InvalidWorkOrder("每次最多添加 {n} 个附件", n=MAX_ATTACHMENTS)
    return checked


def dispatch(
    session: orm.Session,
    order: WorkOrder,
    unit_code: str,
    actor: Actor,
    note: str,
    *,
    co_unit_codes: Sequence[str] = (),
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> None:
    """Assign a new order to ``unit_code`` (with co-units) and start its deadlines."""
    dispatch_to(
        session, order, "dispatch", unit_code, co_unit_codes, actor, note, now or utcnow(), policy
    )


def dispatch_to(
    session: orm.Session,
    order: WorkOrder,
    action: str,
    unit_code: str | None,
    co_unit_codes: Sequence[str],
    actor: Actor,
    note: str,
    now: datetime,
    policy: DeadlinePolicy,
) -> None:
    """Make ``unit_code`` responsible (``action`` is dispatch, determine or reopen), start
    the deadlines and tell the unit."""
    unit, co_units = active_units(session, unit_code, co_unit_codes)
    status = next_status(order.status, action)
    category = session.get_one(Category, order.category_code)
    due = deadlines(
        load_calendar(session),
        policy,
        now,
        reply_working_days=category.deadline_working_days,
        urgent=order.urgent,
        urgent_reply_hours=category.urgent_reply_hours,
    )
    order.unit_code = unit.code
    kept = {co.unit_code: co for co in order.co_units}
    order.co_units = [kept.get(code) or WorkOrderCoUnit(unit_code=code) for code in co_units]
    order.dispatched_at = now
    order.sign_deadline = due.sign
    order.reply_deadline = due.reply
    order.deadline_provisional_year = due.provisional_year
    if co_units:
        note = f"{note} (co-units: {', '.join(co_units)})"
    transition(session, order, actor, action, status, note, now, unit_code=unit.code)
    claim_notice(session, order, "assigned", now, unit.code)


def active_units(
    session: orm.Session, unit_code: str | None, co_unit_codes: Sequence[str]
) -> tuple[Unit, list[str]]:
    """The responsible unit and the distinct co-units besides it; InvalidWorkOrder unless
    each is a known, active unit."""
    unit = session.get(Unit, unit_code or "")
    if unit is None or not unit.active:
        raise InvalidWorkOrder("未知或已停用的承办单位“{code}”", code=unit_code or "")
    co_units = [c for c in dict.fromkeys(co_unit_codes) if c and c != unit.code]
    for code in co_units:
        co_unit = session.get(Unit, code)
        if co_unit is None or not co_unit.active:
            raise InvalidWorkOrder("未知或已停用的协办单位“{code}”", code=code)
    return unit, co_units


def attach(
    session: orm.Session,
    order: WorkOrder,
    urls: Sequence[str],
    kind: str,
    actor: Actor,
    now: datetime,
) -> None:
    """Link checked URLs to the order, within a limit per order."""
    if not urls:
        return
    if len(order.attachments) + len(urls) > MAX_ATTACHMENTS * 5:
        raise InvalidWorkOrder("该工单的附件已达上限")
    for url in urls:
        order.attachments.append(
            WorkOrderAttachment(url=url, kind=kind, added_by=actor.name, added_at=now)
        )


def checked_text(value: str, missing: Callable[[], WorkOrderError], limit: int) -> str:
    """The stripped text; the error ``missing`` makes when empty, InvalidWorkOrder when too
    long."""
    value = (value or "").strip()
    if not value:
        raise missing()
    if len(value) > limit:
        raise InvalidWorkOrder("内容不能超过 {limit} 个字", limit=limit)
    return value


def _check_location(
    session: orm.Session, district_code: str | None, street_code: str | None
) -> tuple[str | None, str | None]:
    district_code = district_code or None
    street_code = street_code or None
    if district_code is not None:
        district = session.get(Unit, district_code)
        if district is None or district.kind != "district":
            raise InvalidWorkOrder("未知的区“{code}”", code=district_code)
    if street_code is not None:
        street = session.get(Unit, street_code)
        if street is None or street.kind != "street":
            raise InvalidWorkOrder("未知的街道“{code}”", code=street_code)
        if district_code is not None and street.parent_code != district_code:
            raise InvalidWorkOrder(
                "街道 {street} 不属于 {district}", street=street_code, district=district_code
            )
        district_code = street.parent_code
    return district_code, street_code


def _check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise InvalidWorkOrder("纬度和经度须同时填写或同时不填")
    if (
        latitude is not None
        and longitude is not None
        and not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        raise InvalidWorkOrder("纬度或经度超出范围")
