"""The work-order state machine as an explicit table of allowed transitions."""

from __future__ import annotations

from workorders.errors import IllegalTransition

STATUSES = (
    "new",
    "dispatched",
    "signed",
    "in_progress",
    "replied",
    "callback",
    "closed",
)
OPEN_STATUSES = frozenset(STATUSES) - {"closed"}

# (status, action) -> next status. Anything absent is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("new", "dispatch"): "dispatched",
    ("dispatched", "sign"): "signed",
    ("signed", "start"): "in_progress",
    ("signed", "reply"): "replied",
    ("in_progress", "reply"): "replied",
    ("replied", "start_callback"): "callback",
    ("replied", "close"): "closed",
    ("callback", "close"): "closed",
    ("callback", "reopen"): "dispatched",
    ("replied", "reopen"): "dispatched",
}

# Past participles for messages ("cannot be signed").
ACTION_WORDS = {
    "dispatch": "dispatched",
    "sign": "signed for",
    "start": "started",
    "reply": "replied to",
    "start_callback": "called back",
    "close": "closed",
    "reopen": "reopened",
}


def next_status(status: str, action: str) -> str:
    """The status after ``action``, or :class:`IllegalTransition` when the table forbids it."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(status, ACTION_WORDS.get(action, action)) from None


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from ``status``, in table order."""
    return [action for (source, action) in TRANSITIONS if source == status]
