"""Errors the work-order domain raises; entry points map them to HTTP codes or messages.

Each class says once what kind of refusal it is (``kind``: "not_found", "forbidden",
"conflict" or "invalid"), so that every entry point answers it the same way.
"""


class WorkOrderError(Exception):
    """Base class: the message is meant for the user."""

    kind = "invalid"


class IllegalTransition(WorkOrderError):
    """The order's status does not allow the action (any more)."""

    kind = "conflict"

    def __init__(self, status: str, action: str):
        super().__init__(f"a work order that is {status} cannot be {action}")
        self.status = status
        self.action = action


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

    def __init__(self, number: str):
        super().__init__(
            f"work order {number} was changed by someone else at the same time; "
            "reload it and try again"
        )
        self.number = number


class BindingDetermination(WorkOrderError):
    """A joint determination binds the unit: it cannot return the order without new facts."""

    kind = "conflict"


class InvalidRule(WorkOrderError):
    """An admin's assignment rule, calendar day or unit contact cannot be saved as given."""
