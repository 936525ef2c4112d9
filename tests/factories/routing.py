"""Agents (each with a console user) and calls."""

from __future__ import annotations

import itertools

from routing import services as routing
from routing.models import Call
from tests.factories.users import make_user

_calls = itertools.count(1)


def make_agent(session, skills: dict[str, int] | None = None, languages: str = "zh", role="agent"):
    user = make_user(session, role)
    agent = routing.create_agent(
        session,
        user_id=user.id,
        name=user.display_name,
        client_name=user.username,
        skills=skills or {"general": 1, "social_security": 1},
        languages=languages,
    )
    return user, agent


def make_call(session, **fields) -> Call:
    """A call from a citizen to 12345's main line, connected unless ``fields`` say otherwise."""
    values = {
        "call_sid": f"CA{next(_calls):032d}",
        "from_number": "13800138000",
        "to_number": "12345",
        "entry": "main",
        "status": "connected",
    }
    call = Call(**{**values, **fields})
    session.add(call)
    session.flush()
    return call
