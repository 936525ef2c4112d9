"""The work-order state machine as an explicit table of allowed transitions."""

from __future__ import annotations

from collections.abc import Iterable

from workorders.errors import IllegalTransition

STATUSES = (
    "new",
    "dispatched",
    "signed",
    "in_progress",
    "extension_requested",
    "disputed",
    "replied",
    "callback",
    "closed",
    "cancelled",
    "merged",
)
FINAL_STATUSES = frozenset({"closed", "cancelled"})
OPEN_STATUSES = frozenset(STATUSES) - FINAL_STATUSES
# Statuses in which the responsible unit holds the order and its deadlines run.
WITH_UNIT = ("dispatched", "signed", "in_progress", "extension_requested")
# Statuses before the unit has answered: an order may still be withdrawn or merged.
BEFORE_REPLY = ("new", *WITH_UNIT, "disputed")
# Statuses in which the hotline may still add facts or attachments to the order.
AMENDABLE = (*BEFORE_REPLY, "replied", "callback")

# (status, action) -> next status. Anything absent is refused. Entries whose next status is
# the status itself record something on the order (an urge, new facts) without moving it.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("new", "dispatch"): "dispatched",
    ("dispatched", "sign"): "signed",
    ("signed", "start"): "in_progress",
    ("signed", "reply"): "replied",
    ("in_progress", "reply"): "replied",
    # 退回: the unit says the order is not theirs; the dispatcher settles the dispute.
    ("dispatched", "return"): "disputed",
    ("signed", "return"): "disputed",
    ("in_progress", "return"): "disputed",
    # 联合审定: the dispatcher's binding decision dispatches the order to the decided unit.
    ("disputed", "determine"): "dispatched",
    # 延期: the deadline moves only when the dispatcher approves.
    ("signed", "request_extension"): "extension_requested",
    ("in_progress", "request_extension"): "extension_requested",
    ("extension_requested", "approve_extension"): "in_progress",
    ("extension_requested", "deny_extension"): "in_progress",
    # 督办 by the dispatcher, and escalation by the sweep once a deadline has passed.
    ("dispatched", "urge"): "dispatched",
    ("signed", "urge"): "signed",
    ("in_progress", "urge"): "in_progress",
    ("extension_requested", "urge"): "extension_requested",
    ("dispatched", "escalate"): "dispatched",
    ("signed", "escalate"): "signed",
    ("in_progress", "escalate"): "in_progress",
    ("extension_requested", "escalate"): "extension_requested",
    # 回访: the citizen is asked; satisfied (or no answer) closes, unsatisfied reopens.
    ("replied", "start_callback"): "callback",
    ("replied", "close"): "closed",
    ("callback", "close"): "closed",
    ("replied", "reopen"): "dispatched",
    ("callback", "reopen"): "dispatched",
    # Duplicates follow their parent: merged, then closed when the parent closes.
    ("new", "merge"): "merged",
    ("dispatched", "merge"): "merged",
    ("signed", "merge"): "merged",
    ("in_progress", "merge"): "merged",
    ("extension_requested", "merge"): "merged",
    ("disputed", "merge"): "merged",
    ("merged", "follow_parent"): "closed",
    # The citizen withdraws.
    ("new", "cancel"): "cancelled",
    ("dispatched", "cancel"): "cancelled",
    ("signed", "cancel"): "cancelled",
    ("in_progress", "cancel"): "cancelled",
    ("extension_requested", "cancel"): "cancelled",
    ("disputed", "cancel"): "cancelled",
    # New facts (they lift a binding determination) and attachments, while the order is open.
    **{(status, "add_facts"): status for status in AMENDABLE},
    **{(status, "attach"): status for status in AMENDABLE},
}

# Who performs each action: the responsible unit, the dispatcher (supervisor role), the
# hotline (agents and supervisors), or the system (jobs and the sweep).
PERFORMERS: dict[str, str] = {
    "sign": "unit",
    "start": "unit",
    "reply": "unit",
    "return": "unit",
    "request_extension": "unit",
    "dispatch": "dispatcher",
    "determine": "dispatcher",
    "approve_extension": "dispatcher",
    "deny_extension": "dispatcher",
    "urge": "dispatcher",
    "close": "hotline",
    "reopen": "hotline",
    "merge": "hotline",
    "cancel": "hotline",
    "add_facts": "hotline",
    "attach": "hotline",
    "start_callback": "system",
    "escalate": "system",
    "follow_parent": "system",
}


def next_status(status: str, action: str) -> str:
    """The status after ``action``, or :class:`IllegalTransition` when the table forbids it."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(
            "工单当前状态为“{status}”，不能{action}", status=status, action=action
        ) from None


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from ``status``, in table order."""
    return [action for (source, action) in TRANSITIONS if source == status]


def replay(actions: Iterable[str]) -> str:
    """The status an order reaches through ``actions`` from its creation ("create" first)."""
    status = None
    for action in actions:
        if action == "create":
            if status is not None:
                raise IllegalTransition("工单已受理，不能再次受理")
            status = "new"
        elif status is None:
            raise IllegalTransition("工单尚未受理，不能{action}", action=action)
        else:
            status = next_status(status, action)
    if status is None:
        raise ValueError("no creation in the trail")
    return status


def return_is_barred(history: Iterable[tuple[str, str | None]], unit_code: str) -> bool:
    """Whether a joint determination binds ``unit_code`` to the order.

    ``history`` is the trail as (action, unit) pairs, oldest first. A determination naming
    the unit binds it until new facts are recorded on the order.
    """
    barred = False
    for action, unit in history:
        if action == "determine" and unit == unit_code:
            barred = True
        elif action == "add_facts":
            barred = False
    return barred
