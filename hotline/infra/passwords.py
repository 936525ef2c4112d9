"""Password hashes: made by the login pages, the seed, the CLI and the simulator alike."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

# A hash to compare against when the user does not exist, so timing reveals nothing.
_DUMMY_HASH = generate_password_hash("not a password")


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` is the one hashed; with no hash (no such user) as slow, and False."""
    if password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
