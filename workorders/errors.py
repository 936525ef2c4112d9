"""Errors the work-order domain raises; entry points map them to HTTP codes or messages.

Each is a :class:`hotline.refusal.Refusal`: a Chinese template and the values that fill it,
and the kind of refusal its class is ("not_found", "forbidden", "conflict" or "invalid").
A ``{status}`` is a status code and an ``{action}`` an action code: each sentence shows
them by their names.
"""

from collections.abc import Mapping
from typing import ClassVar

from hotline.refusal import Refusal
from workorders.labels import ACTION_LABELS, STATUS_LABELS


class WorkOrderError(Refusal):
    """Base class: the sentence is meant for the user."""

    kind = "invalid"
    chinese_names: ClassVar[Mapping[str, Mapping[str, str]]] = {
        "status": STATUS_LABELS["zh"],
        "action": ACTION_LABELS["zh"],
    }


class IllegalTransition(WorkOrderError):
    """The order's status does not allow the action (any more)."""

    kind = "conflict"


class NotFound(WorkOrderError):
    kind = "not_found"


class InvalidWorkOrder(WorkOrderError):
    pass


class NotResponsible(WorkOrderError):
    """The actor may see the order but not do this to it (e.g. a co-unit)."""

    kind = "forbidden"


class Conflict(WorkOrderError):
    """Someone else changed the order at the same time; nothing was changed."""

    kind = "conflict"


class BindingDetermination(WorkOrderError):
    """A joint determination binds the unit: it cannot return the order without new facts."""

    kind = "conflict"


class InvalidRule(WorkOrderError):
    """An admin's assignment rule, calendar day or unit contact cannot be saved as given."""
