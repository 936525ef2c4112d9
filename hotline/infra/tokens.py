"""API tokens for monitors, Open311 clients and departments' own systems: shown once, stored
as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.models import TOKEN_ROLES, ApiToken
from workorders.models import Unit


class TokenError(ValueError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: orm.Session, role: str, name: str, unit_code: str | None = None
) -> tuple[ApiToken, str]:
    """A new token; the plain text is returned here and never stored.

    A department token acts for ``unit_code``; other roles have no unit.
    """
    if role not in TOKEN_ROLES:
        raise TokenError(f"role must be one of {', '.join(TOKEN_ROLES)}")
    name = name.strip()
    if not name:
        raise TokenError("a token needs a name")
    unit_code = (unit_code or "").strip() or None
    if role == "department" and (unit_code is None or session.get(Unit, unit_code) is None):
        raise TokenError("a department token needs --unit with a known unit code")
    if role != "department" and unit_code is not None:
        raise TokenError("only department tokens belong to a unit")
    plain = f"hl_{role[:3]}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        name=name, role=role, prefix=plain[:10], token_hash=_digest(plain), unit_code=unit_code
    )
    session.add(token)
    session.flush()
    return token, plain


def verify_token(session: orm.Session, plain: str, roles: tuple[str, ...]) -> ApiToken | None:
    """The active token with this text and one of ``roles``, or None."""
    if not plain or len(plain) > 200:
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None or token.revoked_at is not None or token.role not in roles:
        return None
    token.last_used_at = utcnow()
    return token


def revoke_token(session: orm.Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise TokenError(f"no token {token_id}")
    token.revoked_at = token.revoked_at or utcnow()
    return token
