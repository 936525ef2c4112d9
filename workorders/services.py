"""Work-order services: load state, apply the domain rules, record the audit trail."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm.exc import StaleDataError

from hotline.db import utcnow
from workorders.assignment import CategoryRule, RoutingRule, assign
from workorders.calendar import LOCAL, WorkingCalendar
from workorders.deadlines import DEFAULT_POLICY, DeadlinePolicy, deadlines, extended, reminder_due
from workorders.errors import (
    BindingDetermination,
    Conflict,
    InvalidWorkOrder,
    NotFound,
    NotResponsible,
)
from workorders.models import (
    AssignmentRule,
    CalendarDay,
    Category,
    ExtensionRequest,
    TicketCounter,
    Unit,
    WorkOrder,
    WorkOrderAttachment,
    WorkOrderCoUnit,
    WorkOrderEvent,
    WorkOrderNotice,
)
from workorders.states import PERFORMERS, WITH_UNIT, next_status, return_is_barred
from workorders.survey import satisfaction_of

CHANNELS = ("phone", "sms", "console", "api", "open311")
SIGN_DEADLINE_WORKING_DAYS = DEFAULT_POLICY.sign_working_days
DEFAULT_REPLY_WORKING_DAYS = DEFAULT_POLICY.default_reply_working_days
MAX_DESCRIPTION = 4000
MAX_NOTE = 4000
MAX_ATTACHMENTS = 20
MAX_URL = 1000
SATISFACTIONS = ("satisfied", "basically_satisfied", "unsatisfied", "no_answer", "no_response")
_NOTICES = "workorder_notices"


@dataclass(frozen=True)
class Actor:
    """Who acts: a name for the audit trail, the user's id, and the unit they act for."""

    name: str
    user_id: int | None = None
    unit_code: str | None = None


SYSTEM = Actor("system")


@dataclass
class SweepResult:
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


# -- loading ------------------------------------------------------------------------------


def load_calendar(session: orm.Session) -> WorkingCalendar:
    """The working calendar with every holiday and make-up day from the calendar table."""
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


def get_work_order(session: orm.Session, number: str) -> WorkOrder:
    order = session.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
    if order is None:
        raise NotFound(f"no work order {number}")
    return order


def find_by_external_ref(session: orm.Session, external_ref: str) -> WorkOrder | None:
    """The order opened earlier for this sender's reference, if any."""
    return session.scalar(sa.select(WorkOrder).where(WorkOrder.external_ref == external_ref))


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


# -- intake -------------------------------------------------------------------------------


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
        raise InvalidWorkOrder(f"unknown channel {channel!r}")
    description = _text(description, "a description is required", MAX_DESCRIPTION, "description")
    category = session.get(Category, category_code)
    if category is None or not category.is_leaf:
        raise InvalidWorkOrder(f"unknown category {category_code!r}")
    district_code, street_code = _check_location(session, district_code, street_code)
    _check_coordinates(latitude, longitude)
    urls = check_attachment_urls(attachments)
    if recording_url:
        recording_url = check_attachment_urls([recording_url])[0]
    external_ref = (external_ref or "").strip()[:80] or None
    if external_ref and find_by_external_ref(session, external_ref) is not None:
        raise InvalidWorkOrder(f"an order was already opened for reference {external_ref!r}")

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
    _record(session, order, actor, "create", None, "new", note.strip(), now)
    _attach(session, order, urls, "intake", actor, now)

    rule = CategoryRule(category.code, category.name, category.routing, category.unit_code)
    assignment = assign(routing_rules(session), rule, district_code, street_code)
    order.assignment_reason = assignment.reason
    if dispatch and assignment.unit_code is not None:
        _dispatch(
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
    category = session.get(Category, order.category_code)
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
            raise InvalidWorkOrder(f"an attachment must be an http(s) URL: {url[:80]!r}")
        if url not in checked:
            checked.append(url)
    if len(checked) > MAX_ATTACHMENTS:
        raise InvalidWorkOrder(f"at most {MAX_ATTACHMENTS} attachments at once")
    return checked


# -- the dispatcher -----------------------------------------------------------------------


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
    _dispatch(
        session, order, "dispatch", unit_code, co_unit_codes, actor, note, now or utcnow(), policy
    )


def dispatch_by_hand(
    session: orm.Session,
    number: str,
    actor: Actor,
    unit_code: str,
    note: str = "",
    *,
    co_unit_codes: Sequence[str] = (),
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> WorkOrder:
    """The dispatcher assigns an order no rule decided."""
    order = get_work_order(session, number)
    note = note.strip() or f"assigned by hand by {actor.name}"
    order.assignment_reason = note
    dispatch(
        session, order, unit_code, actor, note, co_unit_codes=co_unit_codes, now=now, policy=policy
    )
    return _saved(session, order)


def determine(
    session: orm.Session,
    number: str,
    actor: Actor,
    unit_code: str,
    note: str,
    *,
    co_unit_codes: Sequence[str] = (),
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> WorkOrder:
    """Joint determination (联合审定) of a disputed order: the decided unit is bound by it."""
    note = _text(note, "a joint determination needs its reasons", MAX_NOTE, "note")
    order = get_work_order(session, number)
    next_status(order.status, "determine")
    order.assignment_reason = f"joint determination by {actor.name}: {note}"
    _dispatch(
        session, order, "determine", unit_code, co_unit_codes, actor, note, now or utcnow(), policy
    )
    return _saved(session, order)


def decide_extension(
    session: orm.Session,
    number: str,
    actor: Actor,
    approve: bool,
    note: str = "",
    *,
    now: datetime | None = None,
) -> WorkOrder:
    """Approve (the reply deadline moves) or deny (it stays) the pending extension request."""
    order = get_work_order(session, number)
    now = now or utcnow()
    action = "approve_extension" if approve else "deny_extension"
    status = next_status(order.status, action)
    request = _pending_extension(order)
    request.state = "approved" if approve else "denied"
    request.decided_by = actor.name
    request.decided_at = now
    request.decision_note = note.strip()[:MAX_NOTE]
    request.previous_deadline = order.reply_deadline
    if approve:
        order.reply_deadline = extended(
            load_calendar(session), order.reply_deadline, request.working_days
        )
        request.new_deadline = order.reply_deadline
    text = note.strip() or f"{request.working_days} working days {request.state}"
    _transition(session, order, actor, action, status, text, now, order.unit_code)
    return _saved(session, order)


def urge(
    session: orm.Session, number: str, actor: Actor, note: str = "", *, now: datetime | None = None
) -> WorkOrder:
    """督办: the dispatcher presses the unit; the unit is told by a notice."""
    order = get_work_order(session, number)
    now = now or utcnow()
    status = next_status(order.status, "urge")
    order.urge_count += 1
    _transition(
        session, order, actor, "urge", status, note.strip()[:MAX_NOTE], now, order.unit_code
    )
    _claim_notice(session, order, "urged", now, order.unit_code)
    return _saved(session, order)


# -- the responsible unit -----------------------------------------------------------------


def sign_for(
    session: orm.Session, number: str, actor: Actor, *, now: datetime | None = None
) -> WorkOrder:
    """The responsible unit acknowledges the order (签收)."""
    order = _order_for_unit(session, number, actor)
    now = now or utcnow()
    _transition(session, order, actor, "sign", next_status(order.status, "sign"), "", now)
    order.signed_at = now
    return _saved(session, order)


def start_work(
    session: orm.Session, number: str, actor: Actor, *, now: datetime | None = None
) -> WorkOrder:
    """The unit marks a signed order as being worked on."""
    order = _order_for_unit(session, number, actor)
    _transition(
        session, order, actor, "start", next_status(order.status, "start"), "", now or utcnow()
    )
    return _saved(session, order)


def reply(
    session: orm.Session,
    number: str,
    actor: Actor,
    text: str,
    *,
    attachments: Iterable[str] = (),
    now: datetime | None = None,
) -> WorkOrder:
    """The responsible unit answers; the order then waits for the citizen's callback."""
    text = _text(text, "a reply needs text", MAX_NOTE, "reply")
    urls = check_attachment_urls(attachments)
    order = _order_for_unit(session, number, actor)
    now = now or utcnow()
    _transition(session, order, actor, "reply", next_status(order.status, "reply"), text, now)
    order.replied_at = now
    order.reply_text = text
    _attach(session, order, urls, "reply", actor, now)
    if order.citizen_phone:
        _claim_notice(session, order, "survey", now, None)
    return _saved(session, order)


def return_order(
    session: orm.Session, number: str, actor: Actor, reason: str, *, now: datetime | None = None
) -> WorkOrder:
    """退回: the unit says the order is not theirs; it waits for joint determination."""
    reason = _text(reason, "a return needs its reason", MAX_NOTE, "reason")
    order = _order_for_unit(session, number, actor)
    status = next_status(order.status, "return")
    history = [(event.action, event.unit_code) for event in order.events]
    if return_is_barred(history, order.unit_code):
        raise BindingDetermination(
            f"a joint determination made {order.unit_code} responsible for work order "
            f"{number}; it cannot be returned again unless new facts are recorded"
        )
    _transition(session, order, actor, "return", status, reason, now or utcnow(), order.unit_code)
    return _saved(session, order)


def request_extension(
    session: orm.Session,
    number: str,
    actor: Actor,
    working_days: int,
    reason: str,
    *,
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> WorkOrder:
    """The unit asks for more working days; the deadline moves only once approved."""
    reason = _text(reason, "an extension request needs its reason", MAX_NOTE, "reason")
    if not isinstance(working_days, int) or not (
        1 <= working_days <= policy.max_extension_working_days
    ):
        raise InvalidWorkOrder(
            f"an extension is 1 to {policy.max_extension_working_days} working days"
        )
    order = _order_for_unit(session, number, actor)
    now = now or utcnow()
    status = next_status(order.status, "request_extension")
    order.extensions.append(
        ExtensionRequest(
            unit_code=order.unit_code,
            working_days=working_days,
            reason=reason,
            requested_by=actor.name,
            requested_at=now,
        )
    )
    _transition(
        session,
        order,
        actor,
        "request_extension",
        status,
        f"+{working_days} working days: {reason}",
        now,
    )
    return _saved(session, order)


# -- the hotline: callback, merge, cancel, facts ------------------------------------------


def record_callback(
    session: orm.Session,
    number: str,
    actor: Actor,
    satisfaction: str,
    note: str = "",
    *,
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> WorkOrder:
    """Record the callback (回访): satisfied or no answer closes, unsatisfied reopens."""
    if satisfaction not in SATISFACTIONS:
        raise InvalidWorkOrder(f"unknown satisfaction {satisfaction!r}")
    order = get_work_order(session, number)
    now = now or utcnow()
    note = note.strip()[:MAX_NOTE] or satisfaction
    order.satisfaction = satisfaction
    if satisfaction == "unsatisfied":
        next_status(order.status, "reopen")
        order.replied_at = None
        order.signed_at = None
        order.callback_started_at = None
        _dispatch(
            session, order, "reopen", order.unit_code, order.co_unit_codes, actor, note, now, policy
        )
    else:
        _close(session, order, actor, "close", note, now)
    return _saved(session, order)


def _stale_is_conflict(function):
    """A concurrent change found by any flush, also an autoflush before ``_saved``, is a
    Conflict (409), not an error."""

    @functools.wraps(function)
    def checked(session: orm.Session, number: str, *args, **kwargs):
        try:
            return function(session, number, *args, **kwargs)
        except StaleDataError:
            raise Conflict(number) from None

    return checked


@_stale_is_conflict
def record_satisfaction(
    session: orm.Session,
    number: str,
    answer: str,
    actor: Actor,
    *,
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> WorkOrder:
    """The citizen's answer to the survey: 1 satisfied, 2 basically, 3 unsatisfied (reopens)."""
    satisfaction = satisfaction_of(answer)
    if satisfaction is None:
        raise InvalidWorkOrder(f"{answer[:20]!r} is not 1, 2 or 3")
    return record_callback(
        session,
        number,
        actor,
        satisfaction,
        f"citizen answered {answer.strip()[:20]}",
        now=now,
        policy=policy,
    )


def start_callback(
    session: orm.Session, number: str, actor: Actor, note: str, *, now: datetime | None = None
) -> WorkOrder:
    """The citizen has been asked for their satisfaction; the order waits for the answer."""
    order = get_work_order(session, number)
    now = now or utcnow()
    _transition(
        session,
        order,
        actor,
        "start_callback",
        next_status(order.status, "start_callback"),
        note,
        now,
    )
    order.callback_started_at = now
    return _saved(session, order)


def merge(
    session: orm.Session,
    number: str,
    parent_number: str,
    actor: Actor,
    note: str = "",
    *,
    now: datetime | None = None,
) -> WorkOrder:
    """Merge a duplicate into ``parent_number``: it closes when its parent closes."""
    order = get_work_order(session, number)
    parent = get_work_order(session, (parent_number or "").strip())
    if parent.id == order.id:
        raise InvalidWorkOrder("an order cannot be merged into itself")
    if parent.status in ("merged", "closed", "cancelled"):
        raise InvalidWorkOrder(
            f"work order {parent.number} is {parent.status}: merge into an open order"
        )
    status = next_status(order.status, "merge")
    if _children(session, order):
        raise InvalidWorkOrder(f"work order {number} has duplicates merged into it")
    order.parent_id = parent.id
    text = f"merged into {parent.number}" + (f": {note.strip()}" if note.strip() else "")
    _transition(session, order, actor, "merge", status, text[:MAX_NOTE], now or utcnow())
    return _saved(session, order)


def cancel(
    session: orm.Session, number: str, actor: Actor, note: str, *, now: datetime | None = None
) -> WorkOrder:
    """The citizen withdraws the request."""
    note = _text(note, "say why the order is cancelled", MAX_NOTE, "note")
    order = get_work_order(session, number)
    now = now or utcnow()
    status = next_status(order.status, "cancel")
    if _children(session, order):
        raise InvalidWorkOrder(
            f"work order {number} has duplicates merged into it; it cannot be cancelled"
        )
    _transition(session, order, actor, "cancel", status, note, now)
    order.closed_at = now
    return _saved(session, order)


def add_facts(
    session: orm.Session,
    number: str,
    actor: Actor,
    text: str,
    *,
    attachments: Iterable[str] = (),
    now: datetime | None = None,
) -> WorkOrder:
    """Record new facts on the order (they lift a binding joint determination)."""
    text = _text(text, "describe the new facts", MAX_NOTE, "facts")
    urls = check_attachment_urls(attachments)
    order = get_work_order(session, number)
    now = now or utcnow()
    _transition(
        session, order, actor, "add_facts", next_status(order.status, "add_facts"), text, now
    )
    _attach(session, order, urls, "facts", actor, now)
    return _saved(session, order)


def add_attachments(
    session: orm.Session,
    number: str,
    actor: Actor,
    urls: Iterable[str],
    *,
    now: datetime | None = None,
) -> WorkOrder:
    """Link photos or documents (by http(s) URL) to an open order."""
    checked = check_attachment_urls(urls)
    if not checked:
        raise InvalidWorkOrder("give at least one attachment URL")
    order = get_work_order(session, number)
    now = now or utcnow()
    _transition(
        session,
        order,
        actor,
        "attach",
        next_status(order.status, "attach"),
        "\n".join(checked),
        now,
    )
    _attach(session, order, checked, "intake", actor, now)
    return _saved(session, order)


# -- one entry for every action -----------------------------------------------------------


@_stale_is_conflict
def perform(
    session: orm.Session,
    number: str,
    action: str,
    actor: Actor,
    *,
    note: str = "",
    unit_code: str | None = None,
    co_unit_codes: Sequence[str] = (),
    working_days: int | None = None,
    attachments: Iterable[str] = (),
    parent_number: str | None = None,
    satisfaction: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
    policy: DeadlinePolicy,
) -> WorkOrder:
    """Apply ``action`` (a key of states.PERFORMERS, or "callback") to the order.

    ``expected_version`` is the version the actor saw: if the order changed since, nothing
    is done and :class:`Conflict` says so.
    """
    if action not in PERFORMERS and action != "callback":
        raise InvalidWorkOrder(f"unknown action {action!r}")
    if PERFORMERS.get(action) == "unit":
        order = _order_for_unit(session, number, actor)
    else:
        order = get_work_order(session, number)
    if expected_version is not None and expected_version != order.version:
        raise Conflict(number)
    if action == "sign":
        return sign_for(session, number, actor, now=now)
    if action == "start":
        return start_work(session, number, actor, now=now)
    if action == "reply":
        return reply(session, number, actor, note, attachments=attachments, now=now)
    if action == "return":
        return return_order(session, number, actor, note, now=now)
    if action == "request_extension":
        return request_extension(
            session, number, actor, working_days or 0, note, now=now, policy=policy
        )
    if action in ("approve_extension", "deny_extension"):
        return decide_extension(
            session, number, actor, action == "approve_extension", note, now=now
        )
    if action in ("dispatch", "determine"):
        if not unit_code:
            raise InvalidWorkOrder("choose the responsible unit")
        handler = dispatch_by_hand if action == "dispatch" else determine
        return handler(
            session,
            number,
            actor,
            unit_code,
            note,
            co_unit_codes=co_unit_codes,
            now=now,
            policy=policy,
        )
    if action == "urge":
        return urge(session, number, actor, note, now=now)
    if action == "cancel":
        return cancel(session, number, actor, note, now=now)
    if action == "merge":
        return merge(session, number, parent_number or "", actor, note, now=now)
    if action == "add_facts":
        return add_facts(session, number, actor, note, attachments=attachments, now=now)
    if action == "attach":
        return add_attachments(session, number, actor, attachments, now=now)
    if action in ("callback", "close", "reopen"):
        if action == "reopen":
            satisfaction = "unsatisfied"
        if not satisfaction:
            raise InvalidWorkOrder(f"give the citizen's satisfaction: {', '.join(SATISFACTIONS)}")
        return record_callback(session, number, actor, satisfaction, note, now=now, policy=policy)
    raise InvalidWorkOrder(f"{action} is done by the system, not by hand")


# -- deadlines: reminders, escalation, no answer ------------------------------------------


def sweep(
    session: orm.Session, *, now: datetime | None = None, policy: DeadlinePolicy
) -> SweepResult:
    """Remind units before deadlines, escalate what is overdue, close unanswered callbacks.

    Safe to run as often as wanted: each reminder and escalation exists once per order and
    deadline, whoever runs the sweep.
    """
    now = now or utcnow()
    result = SweepResult()
    horizon = now + timedelta(hours=policy.reminder_hours)
    running = session.scalars(
        sa.select(WorkOrder)
        .where(
            WorkOrder.status.in_(WITH_UNIT),
            sa.or_(WorkOrder.reply_deadline <= horizon, WorkOrder.sign_deadline < now),
        )
        .order_by(WorkOrder.id)
    ).all()
    for order in running:
        unsigned = order.status == "dispatched" and order.sign_deadline is not None
        if (
            unsigned
            and order.sign_deadline < now
            and _escalate(session, order, "sign_overdue", order.sign_deadline, now)
        ):
            result.escalated.append(order.number)
        if order.reply_deadline and order.reply_deadline < now:
            if _escalate(session, order, "reply_overdue", order.reply_deadline, now):
                result.escalated.append(order.number)
        elif reminder_due(order.reply_deadline, now, policy) and _claim_notice(
            session, order, "reply_due", order.reply_deadline, order.unit_code
        ):
            result.reminded.append(order.number)

    silent_since = now - timedelta(days=policy.callback_days)
    waiting = session.scalars(
        sa.select(WorkOrder)
        .where(WorkOrder.status.in_(("replied", "callback")), WorkOrder.replied_at <= silent_since)
        .order_by(WorkOrder.id)
    ).all()
    for order in waiting:
        try:
            with session.begin_nested():
                order.satisfaction = "no_response"
                _close(
                    session,
                    order,
                    SYSTEM,
                    "close",
                    f"no answer within {policy.callback_days} days",
                    now,
                )
        except StaleDataError:
            continue  # someone recorded the callback at the same moment: theirs stands
        result.closed.append(order.number)
    session.flush()
    return result


def take_new_notices(session: orm.Session) -> list[int]:
    """Ids of the notices claimed in this session since the last call, to send after commit."""
    session.flush()
    claimed = session.info.pop(_NOTICES, [])
    return [n.id for n in claimed if sa.inspect(n).persistent]


def claim_notice_for_sending(session: orm.Session, notice_id: int, now: datetime) -> bool:
    """Mark the notice sent; False when another worker got there first."""
    done = session.execute(
        sa.update(WorkOrderNotice)
        .where(WorkOrderNotice.id == notice_id, WorkOrderNotice.sent_at.is_(None))
        .values(sent_at=now)
    )
    return done.rowcount == 1


# -- who sees what ------------------------------------------------------------------------


def unit_subtree(session: orm.Session, unit_code: str) -> set[str]:
    """The unit and every unit below it (a district and its streets)."""
    rows = session.execute(sa.select(Unit.code, Unit.parent_code)).all()
    children: dict[str | None, list[str]] = {}
    for code, parent in rows:
        children.setdefault(parent, []).append(code)
    found, stack = set(), [unit_code]
    while stack:
        code = stack.pop()
        if code not in found:
            found.add(code)
            stack.extend(children.get(code, []))
    return found


def orders_for_unit(
    session: orm.Session, unit_code: str, *, open_only: bool = False
) -> list[WorkOrder]:
    """The orders a unit's staff may see (its own, its co-units', those of units below it),
    the most pressing deadline first."""
    codes = unit_subtree(session, unit_code)
    co = sa.select(WorkOrderCoUnit.work_order_id).where(WorkOrderCoUnit.unit_code.in_(codes))
    query = sa.select(WorkOrder).where(sa.or_(WorkOrder.unit_code.in_(codes), WorkOrder.id.in_(co)))
    if open_only:
        query = query.where(WorkOrder.status.not_in(("closed", "cancelled", "merged")))
    query = query.options(orm.selectinload(WorkOrder.co_units))
    orders = list(session.scalars(query.order_by(WorkOrder.reply_deadline, WorkOrder.id)))
    return sorted(orders, key=_deadline_order)


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


def unit_role(
    session: orm.Session,
    order: WorkOrder,
    unit_code: str | None,
    *,
    subtree: set[str] | None = None,
) -> str | None:
    """ "lead" when ``unit_code`` (or a unit above it) handles the order, "co" when it
    assists, else None. ``subtree`` saves reloading the units for a list of orders."""
    if unit_code is None:
        return None
    codes = subtree if subtree is not None else unit_subtree(session, unit_code)
    if order.unit_code in codes:
        return "lead"
    if any(code in codes for code in order.co_unit_codes):
        return "co"
    return None


def get_work_order_for_unit(session: orm.Session, number: str, unit_code: str | None) -> WorkOrder:
    """The order, if ``unit_code`` (or a unit above it) leads or assists; else NotFound."""
    order = get_work_order(session, number)
    if unit_role(session, order, unit_code) is None:
        # Same message as a missing order, so guessing numbers reveals nothing.
        raise NotFound(f"no work order {number}")
    return order


def pending_extension(order: WorkOrder) -> ExtensionRequest | None:
    return next((r for r in reversed(order.extensions) if r.state == "pending"), None)


def last_return(order: WorkOrder) -> WorkOrderEvent | None:
    return next((e for e in reversed(order.events) if e.action == "return"), None)


# -- helpers ------------------------------------------------------------------------------


def _deadline_order(order: WorkOrder):
    deadline = order.active_deadline or order.reply_deadline
    return (deadline is None, deadline.timestamp() if deadline else 0, order.id)


def _order_for_unit(session: orm.Session, number: str, actor: Actor) -> WorkOrder:
    order = get_work_order(session, number)
    role = unit_role(session, order, actor.unit_code)
    if role is None:
        raise NotFound(f"no work order {number}")
    if role != "lead":
        raise NotResponsible(
            f"{actor.unit_code} assists with work order {number} (协办); only its lead unit "
            f"{order.unit_code} can do this"
        )
    return order


def _dispatch(
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
    unit = session.get(Unit, unit_code or "")
    if unit is None or not unit.active:
        raise InvalidWorkOrder(f"unknown unit {unit_code!r}")
    co_units = [c for c in dict.fromkeys(co_unit_codes) if c and c != unit.code]
    for code in co_units:
        co_unit = session.get(Unit, code)
        if co_unit is None or not co_unit.active:
            raise InvalidWorkOrder(f"unknown co-unit {code!r}")
    status = next_status(order.status, action)
    category = session.get(Category, order.category_code)
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
    if co_units:
        note = f"{note} (co-units: {', '.join(co_units)})"
    _transition(session, order, actor, action, status, note, now, unit_code=unit.code)
    _claim_notice(session, order, "assigned", now, unit.code)


def _close(
    session: orm.Session, order: WorkOrder, actor: Actor, action: str, note: str, now: datetime
) -> None:
    _transition(session, order, actor, action, next_status(order.status, action), note, now)
    order.closed_at = now
    for child in _children(session, order):
        _transition(
            session,
            child,
            SYSTEM,
            "follow_parent",
            next_status(child.status, "follow_parent"),
            f"closed with {order.number}",
            now,
        )
        child.closed_at = now


def _children(session: orm.Session, order: WorkOrder) -> list[WorkOrder]:
    if order.id is None:
        return []
    return list(
        session.scalars(
            sa.select(WorkOrder)
            .where(WorkOrder.parent_id == order.id, WorkOrder.status == "merged")
            .order_by(WorkOrder.id)
        )
    )


def _escalate(
    session: orm.Session, order: WorkOrder, kind: str, deadline: datetime, now: datetime
) -> bool:
    if _claim_notice(session, order, kind, deadline, order.unit_code) is None:
        return False
    what = "sign-for" if kind == "sign_overdue" else "reply"
    local = deadline.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    _record(
        session,
        order,
        SYSTEM,
        "escalate",
        order.status,
        order.status,
        f"the {what} deadline passed at {local}",
        now,
        order.unit_code,
    )
    return True


def _claim_notice(
    session: orm.Session,
    order: WorkOrder,
    kind: str,
    due_at: datetime,
    unit_code: str | None,
) -> WorkOrderNotice | None:
    if order.id is None:
        session.flush()
    query = sa.select(WorkOrderNotice.id).where(
        WorkOrderNotice.work_order_id == order.id,
        WorkOrderNotice.kind == kind,
        WorkOrderNotice.due_at == due_at,
    )
    if session.scalar(query) is not None:
        return None
    notice = WorkOrderNotice(work_order_id=order.id, kind=kind, due_at=due_at, unit_code=unit_code)
    try:
        with session.begin_nested():
            session.add(notice)
    except sa.exc.IntegrityError:
        return None  # another sweep claimed it at the same moment
    session.info.setdefault(_NOTICES, []).append(notice)
    return notice


def _pending_extension(order: WorkOrder) -> ExtensionRequest:
    request = pending_extension(order)
    if request is None:
        # The order was read while extension_requested, its requests a moment later: someone
        # decided the request in between.
        raise Conflict(order.number)
    return request


def _attach(
    session: orm.Session,
    order: WorkOrder,
    urls: Sequence[str],
    kind: str,
    actor: Actor,
    now: datetime,
) -> None:
    if not urls:
        return
    if len(order.attachments) + len(urls) > MAX_ATTACHMENTS * 5:
        raise InvalidWorkOrder("this order has too many attachments")
    for url in urls:
        order.attachments.append(
            WorkOrderAttachment(url=url, kind=kind, added_by=actor.name, added_at=now)
        )


def _saved(session: orm.Session, order: WorkOrder) -> WorkOrder:
    """Write the change now, so that a concurrent change is found here, as a Conflict."""
    number = order.number  # the row cannot be read again once the flush has failed
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(number) from None
    return order


def _text(value: str, missing: str, limit: int, name: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidWorkOrder(missing)
    if len(value) > limit:
        raise InvalidWorkOrder(f"the {name} is longer than {limit} characters")
    return value


def _check_location(
    session: orm.Session, district_code: str | None, street_code: str | None
) -> tuple[str | None, str | None]:
    district_code = district_code or None
    street_code = street_code or None
    if district_code is not None:
        district = session.get(Unit, district_code)
        if district is None or district.kind != "district":
            raise InvalidWorkOrder(f"unknown district {district_code!r}")
    if street_code is not None:
        street = session.get(Unit, street_code)
        if street is None or street.kind != "street":
            raise InvalidWorkOrder(f"unknown street {street_code!r}")
        if district_code is not None and street.parent_code != district_code:
            raise InvalidWorkOrder(f"street {street_code} is not in district {district_code}")
        district_code = street.parent_code
    return district_code, street_code


def _check_coordinates(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise InvalidWorkOrder("give both latitude and longitude, or neither")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidWorkOrder("latitude or longitude out of range")


def _transition(
    session: orm.Session,
    order: WorkOrder,
    actor: Actor,
    action: str,
    status: str,
    note: str,
    now: datetime,
    unit_code: str | None = None,
) -> None:
    previous = order.status
    order.status = status
    _record(session, order, actor, action, previous, status, note, now, unit_code)


def _record(
    session: orm.Session,
    order: WorkOrder,
    actor: Actor,
    action: str,
    from_status: str | None,
    to_status: str,
    note: str,
    now: datetime,
    unit_code: str | None = None,
) -> None:
    session.add(
        WorkOrderEvent(
            work_order=order,
            at=now,
            actor=actor.name,
            actor_id=actor.user_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            unit_code=unit_code or actor.unit_code,
            note=note,
        )
    )
