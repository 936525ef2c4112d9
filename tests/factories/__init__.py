"""Factories for the rows tests arrange, one module per domain; they go through the services
where one exists and take the fields a test cares about as keyword arguments."""

from tests.factories.routing import make_agent, make_call
from tests.factories.users import PASSWORD, make_user
from tests.factories.workorders import open_order

__all__ = ["PASSWORD", "make_agent", "make_call", "make_user", "open_order"]
