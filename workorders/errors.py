"""Errors the work-order domain raises; entry points map them to HTTP codes or messages."""


class WorkOrderError(Exception):
    """Base class: the message is meant for the user."""


class IllegalTransition(WorkOrderError):
    def __init__(self, status: str, action: str):
        super().__init__(f"a work order that is {status} cannot be {action}")
        self.status = status
        self.action = action


class NotFound(WorkOrderError):
    pass


class InvalidWorkOrder(WorkOrderError):
    pass
