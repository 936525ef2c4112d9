"""What people do to an order, as one table: each action checks what it is given, loads the
order as its performer may, moves it along the state table, records the move and its
effects. :func:`perform` and the named functions below all run through that table."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import orm
from sqlalchemy.orm.exc import StaleDataError

from hotline.db import utcnow
from workorders.deadlines import DeadlinePolicy, earliest, extended
from workorders.errors import BindingDetermination, Conflict, InvalidWorkOrder, WorkOrderError
from workorders.models import ExtensionRequest, WorkOrder
from workorders.services.access import get_work_order, order_for_lead_unit
from workorders.services.intake import (
    MAX_NOTE,
    active_units,
    attach,
    check_attachment_urls,
    checked_text,
    dispatch_to,
    load_calendar,
)
from workorders.services.oversight import claim_notice
from workorders.services.trail import Actor, close, merged_children, pending_extension, transition
from workorders.states import PERFORMERS, next_status, return_is_barred
from workorders.survey import satisfaction_of

SATISFACTIONS = ("satisfied", "basically_satisfied", "unsatisfied", "no_answer", "no_response")


@dataclass(frozen=True)
class Request:
    """What the actor asks of an order; each action reads the fields it needs."""

    actor: Actor
    now: datetime
    # Only the actions that compute deadlines are given (and read) the policy.
    policy: DeadlinePolicy | None = None
    note: str = ""
    unit_code: str | None = None
    co_unit_codes: Sequence[str] = ()
    working_days: int | None = None
    attachments: Sequence[str] = ()
    parent_number: str = ""
    satisfaction: str = ""

    def deadline_policy(self) -> DeadlinePolicy:
        """The policy, which every entry whose action computes deadlines passes."""
        if self.policy is None:
            raise TypeError("this action computes deadlines: give it the deadline policy")
        return self.policy


Step = Callable[[orm.Session, WorkOrder, Request], None]


@dataclass(frozen=True)
class Action:
    """One row of the table of actions, in the order :func:`_act` runs its parts.

    ``check`` refuses bad input before the order is read, and tidies it; ``guard`` refuses
    before the state table is asked (a bad merge target, an unknown unit); ``change`` refuses
    what the order forbids, changes it and returns the note for the trail, or None when it
    records the move itself (dispatching, closing); ``then`` follows the recorded move.
    """

    change: Callable[[orm.Session, WorkOrder, Request], str | None]
    check: Callable[[Request], Request] | None = None
    guard: Step | None = None
    then: Step | None = None
    # The transition when it is not the action's own name (a callback closes or reopens).
    moves: Callable[[Request], str] | None = None
    # The event names the order's unit rather than the actor's (a dispatcher's decision).
    unit_event: bool = False


def _act(session: orm.Session, number: str, action: str, request: Request) -> WorkOrder:
    """Run the action's row of the table on the order, and write the change."""
    row = ACTIONS[action]
    if row.check is not None:
        request = row.check(request)
    order = _order_for(session, number, action, request.actor)
    if row.guard is not None:
        row.guard(session, order, request)
    move = row.moves(request) if row.moves is not None else action
    status = next_status(order.status, move)
    note = row.change(session, order, request)
    if note is not None:
        unit_code = order.unit_code if row.unit_event else None
        transition(session, order, request.actor, move, status, note, request.now, unit_code)
    if row.then is not None:
        row.then(session, order, request)
    return _saved(session, order)


def _order_for(session: orm.Session, number: str, action: str, actor: Actor) -> WorkOrder:
    """The order, as the action's performer may load it: a unit's action needs the lead unit."""
    if PERFORMERS.get(action) == "unit":
        return order_for_lead_unit(session, number, actor)
    return get_work_order(session, number)


def _saved(session: orm.Session, order: WorkOrder) -> WorkOrder:
    """Write the change now, so that a concurrent change is found here, as a Conflict."""
    number = order.number  # the row cannot be read again once the flush has failed
    try:
        session.flush()
    except StaleDataError:
        raise Conflict("工单 {number} 已被他人修改，请刷新后重试", number=number) from None
    return order


def _stale_is_conflict(function):
    """A concurrent change found by any flush, also an autoflush before ``_saved``, is a
    Conflict (409), not an error."""

    @functools.wraps(function)
    def checked(session: orm.Session, number: str, *args, **kwargs):
        try:
            return function(session, number, *args, **kwargs)
        except StaleDataError:
            raise Conflict("工单 {number} 已被他人修改，请刷新后重试", number=number) from None

    return checked


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
        raise InvalidWorkOrder("未知的操作“{code}”", code=action)
    order = _order_for(session, number, action, actor)
    if expected_version is not None and expected_version != order.version:
        raise Conflict("工单 {number} 已被他人修改，请刷新后重试", number=number)
    if PERFORMERS.get(action) == "system":
        raise InvalidWorkOrder("“{action}”由系统自动办理，不能手动操作", action=action)
    if action in ("dispatch", "determine") and not unit_code:
        raise InvalidWorkOrder("请选择承办单位")
    if action in ("callback", "close", "reopen"):
        if action == "reopen":
            satisfaction = "unsatisfied"
        if not satisfaction:
            raise InvalidWorkOrder("请填写市民的满意度")
        action = "callback"
    request = Request(
        actor,
        now or utcnow(),
        policy,
        note=note,
        unit_code=unit_code,
        co_unit_codes=co_unit_codes,
        working_days=working_days or 0,
        attachments=tuple(attachments),
        parent_number=parent_number or "",
        satisfaction=satisfaction or "",
    )
    return _act(session, number, action, request)


# -- the dispatcher -----------------------------------------------------------------------


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
    request = Request(
        actor, now or utcnow(), policy, note, unit_code=unit_code, co_unit_codes=co_unit_codes
    )
    return _act(session, number, "dispatch", request)


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
    request = Request(
        actor, now or utcnow(), policy, note, unit_code=unit_code, co_unit_codes=co_unit_codes
    )
    return _act(session, number, "determine", request)


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
    action = "approve_extension" if approve else "deny_extension"
    return _act(session, number, action, Request(actor, now or utcnow(), note=note))


def urge(
    session: orm.Session, number: str, actor: Actor, note: str = "", *, now: datetime | None = None
) -> WorkOrder:
    """督办: the dispatcher presses the unit; the unit is told by a notice."""
    return _act(session, number, "urge", Request(actor, now or utcnow(), note=note))


# -- the responsible unit -----------------------------------------------------------------


def sign_for(
    session: orm.Session, number: str, actor: Actor, *, now: datetime | None = None
) -> WorkOrder:
    """The responsible unit acknowledges the order (签收)."""
    return _act(session, number, "sign", Request(actor, now or utcnow()))


def start_work(
    session: orm.Session, number: str, actor: Actor, *, now: datetime | None = None
) -> WorkOrder:
    """The unit marks a signed order as being worked on."""
    return _act(session, number, "start", Request(actor, now or utcnow()))


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
    request = Request(actor, now or utcnow(), note=text, attachments=tuple(attachments))
    return _act(session, number, "reply", request)


def return_order(
    session: orm.Session, number: str, actor: Actor, reason: str, *, now: datetime | None = None
) -> WorkOrder:
    """退回: the unit says the order is not theirs; it waits for joint determination."""
    return _act(session, number, "return", Request(actor, now or utcnow(), note=reason))


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
    request = Request(actor, now or utcnow(), policy, reason, working_days=working_days)
    return _act(session, number, "request_extension", request)


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
    request = Request(actor, now or utcnow(), policy, note, satisfaction=satisfaction)
    return _act(session, number, "callback", request)


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
        raise InvalidWorkOrder("“{answer}”不是 1、2 或 3", answer=answer[:20])
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
    return _act(session, number, "start_callback", Request(actor, now or utcnow(), note=note))


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
    request = Request(actor, now or utcnow(), note=note, parent_number=parent_number)
    return _act(session, number, "merge", request)


def cancel(
    session: orm.Session, number: str, actor: Actor, note: str, *, now: datetime | None = None
) -> WorkOrder:
    """The citizen withdraws the request."""
    return _act(session, number, "cancel", Request(actor, now or utcnow(), note=note))


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
    request = Request(actor, now or utcnow(), note=text, attachments=tuple(attachments))
    return _act(session, number, "add_facts", request)


def add_attachments(
    session: orm.Session,
    number: str,
    actor: Actor,
    urls: Iterable[str],
    *,
    now: datetime | None = None,
) -> WorkOrder:
    """Link photos or documents (by http(s) URL) to an open order."""
    return _act(session, number, "attach", Request(actor, now or utcnow(), attachments=tuple(urls)))


# -- the parts of the table's rows --------------------------------------------------------


def _needs_text(missing: Callable[[], WorkOrderError], *, attachments: bool = False):
    """A check that the note is given (else the error ``missing`` makes), and the
    attachments, if any, are http(s) URLs."""

    def check(request: Request) -> Request:
        note = checked_text(request.note, missing, MAX_NOTE)
        if not attachments:
            return replace(request, note=note)
        return replace(request, note=note, attachments=check_attachment_urls(request.attachments))

    return check


def _extension_asked(request: Request) -> Request:
    request = _needs_text(lambda: InvalidWorkOrder("申请延期须说明理由"))(request)
    longest = request.deadline_policy().max_extension_working_days
    if not isinstance(request.working_days, int) or not (1 <= request.working_days <= longest):
        raise InvalidWorkOrder("延期须为 1 至 {longest} 个工作日", longest=longest)
    return request


def _attachments_given(request: Request) -> Request:
    checked = check_attachment_urls(request.attachments)
    if not checked:
        raise InvalidWorkOrder("请至少填写一个附件网址")
    return replace(request, attachments=checked)


def _satisfaction_given(request: Request) -> Request:
    if request.satisfaction not in SATISFACTIONS:
        raise InvalidWorkOrder("未知的满意度“{code}”", code=request.satisfaction)
    return request


def _nothing_to_say(session: orm.Session, order: WorkOrder, request: Request) -> str:
    return ""


def _the_note(session: orm.Session, order: WorkOrder, request: Request) -> str:
    return request.note


def _signed(session: orm.Session, order: WorkOrder, request: Request) -> None:
    order.signed_at = request.now


def _replied(session: orm.Session, order: WorkOrder, request: Request) -> None:
    order.replied_at = request.now
    order.reply_text = request.note
    attach(session, order, request.attachments, "reply", request.actor, request.now)
    if order.citizen_phone:
        claim_notice(session, order, "survey", request.now, None)


def _returnable(session: orm.Session, order: WorkOrder, request: Request) -> str:
    history = [(event.action, event.unit_code) for event in order.events]
    if order.unit_code is not None and return_is_barred(history, order.unit_code):
        raise BindingDetermination(
            "联合审定已确定由 {unit} 承办工单 {number}，补充新情况前不能再次退回",
            unit=order.unit_code,
            number=order.number,
        )
    return request.note


def _extension_requested(session: orm.Session, order: WorkOrder, request: Request) -> str:
    order.extensions.append(
        ExtensionRequest(
            unit_code=order.unit_code,
            working_days=request.working_days,
            reason=request.note,
            requested_by=request.actor.name,
            requested_at=request.now,
        )
    )
    return f"+{request.working_days} working days: {request.note}"


def _extension_decided(
    session: orm.Session, order: WorkOrder, request: Request, *, approve: bool
) -> str:
    extension = pending_extension(order)
    if extension is None:
        # The order was read while extension_requested, its requests a moment later: someone
        # decided the request in between.
        raise Conflict("工单 {number} 已被他人修改，请刷新后重试", number=order.number)
    extension.state = "approved" if approve else "denied"
    extension.decided_by = request.actor.name
    extension.decided_at = request.now
    extension.decision_note = request.note.strip()[:MAX_NOTE]
    extension.previous_deadline = order.reply_deadline
    if approve:
        if order.reply_deadline is None:
            raise InvalidWorkOrder("工单 {number} 没有可延长的答复期限", number=order.number)
        calendar = load_calendar(session)
        previous = order.reply_deadline
        order.reply_deadline = extended(calendar, previous, extension.working_days)
        order.deadline_provisional_year = earliest(
            order.deadline_provisional_year,
            calendar.provisional_year(previous, order.reply_deadline),
        )
        extension.new_deadline = order.reply_deadline
    return request.note.strip() or f"{extension.working_days} working days {extension.state}"


def _known_units(session: orm.Session, order: WorkOrder, request: Request) -> None:
    active_units(session, request.unit_code, request.co_unit_codes)


def _dispatched_by_hand(session: orm.Session, order: WorkOrder, request: Request) -> None:
    note = request.note.strip() or f"assigned by hand by {request.actor.name}"
    order.assignment_reason = note
    _assign(session, order, "dispatch", request.unit_code, request.co_unit_codes, note, request)


def _determined(session: orm.Session, order: WorkOrder, request: Request) -> None:
    order.assignment_reason = f"joint determination by {request.actor.name}: {request.note}"
    _assign(
        session, order, "determine", request.unit_code, request.co_unit_codes, request.note, request
    )


def _urged(session: orm.Session, order: WorkOrder, request: Request) -> str:
    order.urge_count += 1
    return request.note.strip()[:MAX_NOTE]


def _tell_urged(session: orm.Session, order: WorkOrder, request: Request) -> None:
    claim_notice(session, order, "urged", request.now, order.unit_code)


def _callback_move(request: Request) -> str:
    return "reopen" if request.satisfaction == "unsatisfied" else "close"


def _called_back(session: orm.Session, order: WorkOrder, request: Request) -> None:
    note = request.note.strip()[:MAX_NOTE] or request.satisfaction
    order.satisfaction = request.satisfaction
    if request.satisfaction == "unsatisfied":
        order.replied_at = None
        order.signed_at = None
        order.callback_started_at = None
        _assign(session, order, "reopen", order.unit_code, order.co_unit_codes, note, request)
    else:
        close(session, order, request.actor, "close", note, request.now)


def _callback_started(session: orm.Session, order: WorkOrder, request: Request) -> None:
    order.callback_started_at = request.now


def _merge_target(session: orm.Session, order: WorkOrder, request: Request) -> None:
    parent = get_work_order(session, (request.parent_number or "").strip())
    if parent.id == order.id:
        raise InvalidWorkOrder("工单不能合并到自身")
    if parent.status in ("merged", "closed", "cancelled"):
        raise InvalidWorkOrder(
            "工单 {number} 当前状态为“{status}”，请合并到未办结的工单",
            number=parent.number,
            status=parent.status,
        )


def _merged(session: orm.Session, order: WorkOrder, request: Request) -> str:
    if merged_children(session, order):
        raise InvalidWorkOrder(
            "工单 {number} 已有重复工单并入，不能再合并到其他工单", number=order.number
        )
    parent = get_work_order(session, (request.parent_number or "").strip())
    order.parent_id = parent.id
    note = request.note.strip()
    return (f"merged into {parent.number}" + (f": {note}" if note else ""))[:MAX_NOTE]


def _cancellable(session: orm.Session, order: WorkOrder, request: Request) -> str:
    if merged_children(session, order):
        raise InvalidWorkOrder("工单 {number} 已有重复工单并入，不能撤销", number=order.number)
    return request.note


def _closed_now(session: orm.Session, order: WorkOrder, request: Request) -> None:
    order.closed_at = request.now


def _facts_attached(session: orm.Session, order: WorkOrder, request: Request) -> None:
    attach(session, order, request.attachments, "facts", request.actor, request.now)


def _listed_urls(session: orm.Session, order: WorkOrder, request: Request) -> str:
    return "\n".join(request.attachments)


def _attached(session: orm.Session, order: WorkOrder, request: Request) -> None:
    attach(session, order, request.attachments, "intake", request.actor, request.now)


def _assign(
    session: orm.Session,
    order: WorkOrder,
    action: str,
    unit_code: str | None,
    co_unit_codes: Sequence[str],
    note: str,
    request: Request,
) -> None:
    dispatch_to(
        session,
        order,
        action,
        unit_code,
        co_unit_codes,
        request.actor,
        note,
        request.now,
        request.deadline_policy(),
    )


# Who may perform each action is states.PERFORMERS; how it moves is states.TRANSITIONS.
ACTIONS: dict[str, Action] = {
    "sign": Action(_nothing_to_say, then=_signed),
    "start": Action(_nothing_to_say),
    "reply": Action(
        _the_note,
        check=_needs_text(lambda: InvalidWorkOrder("请填写答复内容"), attachments=True),
        then=_replied,
    ),
    "return": Action(
        _returnable, check=_needs_text(lambda: InvalidWorkOrder("退回须说明理由")), unit_event=True
    ),
    "request_extension": Action(_extension_requested, check=_extension_asked),
    "approve_extension": Action(
        functools.partial(_extension_decided, approve=True), unit_event=True
    ),
    "deny_extension": Action(functools.partial(_extension_decided, approve=False), unit_event=True),
    "dispatch": Action(_dispatched_by_hand, guard=_known_units),
    "determine": Action(
        _determined, check=_needs_text(lambda: InvalidWorkOrder("联合审定须说明理由"))
    ),
    "urge": Action(_urged, then=_tell_urged, unit_event=True),
    "callback": Action(_called_back, check=_satisfaction_given, moves=_callback_move),
    "start_callback": Action(_the_note, then=_callback_started),
    "merge": Action(_merged, guard=_merge_target),
    "cancel": Action(
        _cancellable,
        check=_needs_text(lambda: InvalidWorkOrder("请说明撤销理由")),
        then=_closed_now,
    ),
    "add_facts": Action(
        _the_note,
        check=_needs_text(lambda: InvalidWorkOrder("请描述新情况"), attachments=True),
        then=_facts_attached,
    ),
    "attach": Action(_listed_urls, check=_attachments_given, then=_attached),
}
