"""Bearer tokens at the door of the machine APIs: each use is recorded and committed here."""

from __future__ import annotations

from sqlalchemy import orm

from hotline.infra.ratelimit import retry_after
from hotline.infra.tokens import verify_token
from hotline.models import ApiToken


def identify(session: orm.Session, plain: str, roles: tuple[str, ...]) -> ApiToken | None:
    """The valid token of one of ``roles`` that ``plain`` is, if any; its use is recorded."""
    token = verify_token(session, plain, roles)
    session.commit()
    return token


def admit(
    session: orm.Session, plain: str, roles: tuple[str, ...]
) -> tuple[ApiToken | None, int | None]:
    """The valid token ``plain`` is (or None), and the seconds it must wait when it is over
    its rate limit (or None); its use and the request are counted."""
    token = verify_token(session, plain, roles)
    wait = retry_after(session, token) if token is not None else None
    session.commit()
    return token, wait
