"""Console users with a known password."""

from __future__ import annotations

import itertools

from hotline.infra.passwords import hash_password
from hotline.models import User

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
