"""Factories for rows the tests arrange; they go through the services where one exists."""

from __future__ import annotations

import itertools

from hotline.infra.passwords import hash_password
from hotline.models import User
from routing import services as routing

_numbers = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(session, role: str, unit_code: str | None = None, username: str | None = None):
    user = User(
        username=username or f"{role}{next(_numbers)}",
        role=role,
        unit_code=unit_code,
        password_hash=hash_password(PASSWORD),
        display_name=f"Test {role}",
    )
    session.add(user)
    session.flush()
    return user


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
