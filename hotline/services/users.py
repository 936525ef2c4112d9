"""Console logins managed by an admin: create, change role and unit, reset the password,
deactivate and reactivate. Each change is an audit event; no password is ever recorded.

A new password and a deactivation end the user's logins at once: a login is bound to the
password hash it was made with, and an inactive user's logins are refused (services.logins).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.infra.passwords import hash_password
from hotline.models import ROLES, User
from hotline.services.admin import AdminError, assign, record
from routing import services as routing
from routing.models import Agent, Skill
from workorders.models import Unit
from workorders.services import Actor

MIN_PASSWORD_LENGTH = 10
USERNAME = re.compile(r"[a-z][a-z0-9_.-]{2,63}")


class UnknownUser(AdminError):
    kind = "not_found"


def list_users(session: orm.Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.role, User.username)))


def create_user(
    session: orm.Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: str,
    unit_code: str | None,
    password: str,
    skills: Iterable[str] = (),
) -> User:
    """A new login (committed); an agent gets a seat with ``skills`` at level 1."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise AdminError("用户名须以小写字母开头，3–64 位小写字母、数字或 _ . -")
    if session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise AdminError("用户名 {username} 已存在", username=username)
    _check_role(session, role, unit_code)
    _check_password(password)
    name = display_name.strip() or username
    user = User(
        username=username,
        display_name=name[:80],
        role=role,
        unit_code=unit_code if role == "department" else None,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    if role in ("agent", "supervisor"):
        _seat(session, user, skills)
    record(
        session,
        actor,
        "user",
        username,
        "create",
        {"role": {"from": None, "to": role}, "unit_code": {"from": None, "to": user.unit_code}},
    )
    session.commit()
    return user


def update_user(
    session: orm.Session,
    actor: Actor,
    user_id: int,
    *,
    display_name: str,
    role: str,
    unit_code: str | None,
    skills: Iterable[str] = (),
) -> User:
    """Change a login's name, role and unit (committed)."""
    user = _user(session, user_id)
    _check_role(session, role, unit_code)
    if user.id == actor.user_id and role != user.role:
        raise AdminError("不能更改自己的角色")
    wanted = {
        "display_name": (display_name.strip() or user.username)[:80],
        "role": role,
        "unit_code": unit_code if role == "department" else None,
    }
    changes = assign(user, wanted)
    if role in ("agent", "supervisor") and routing.agent_for_user(session, user.id) is None:
        # A new seat answers every queue unless skills are given.
        _seat(session, user, list(skills) or session.scalars(sa.select(Skill.code)).all())
    if changes:
        record(session, actor, "user", user.username, "update", changes)
    session.commit()
    return user


def reset_password(session: orm.Session, actor: Actor, user_id: int, password: str) -> User:
    """Give a login a new password (committed); its current logins end."""
    user = _user(session, user_id)
    _check_password(password)
    user.password_hash = hash_password(password)
    record(session, actor, "user", user.username, "reset_password", {})
    session.commit()
    return user


def set_active(session: orm.Session, actor: Actor, user_id: int, active: bool) -> User:
    """Deactivate a login (its logins end, it can no longer log in) or reactivate it."""
    user = _user(session, user_id)
    if user.active == active:
        return user
    if not active:
        if user.id == actor.user_id:
            raise AdminError("不能停用自己的账号")
        agent = routing.agent_for_user(session, user.id)
        if agent is not None and agent.state in ("reserved", "on_call"):
            raise AdminError("{name} 正在通话，请在通话结束后再停用", name=user.display_name)
        if agent is not None and agent.state != "offline":
            routing.set_agent_state(session, agent.id, "offline")
    user.active = active
    record(
        session,
        actor,
        "user",
        user.username,
        "activate" if active else "deactivate",
        {"active": {"from": not active, "to": active}},
    )
    session.commit()
    return user


def _user(session: orm.Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UnknownUser("没有编号为 {id} 的用户", id=user_id)
    return user


def _check_role(session: orm.Session, role: str, unit_code: str | None) -> None:
    if role not in ROLES:
        raise AdminError("未知角色 {role}", role=role)
    if role == "department" and (not unit_code or session.get(Unit, unit_code) is None):
        raise AdminError("承办单位用户须选择所属单位")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError("密码至少 {n} 位", n=MIN_PASSWORD_LENGTH)


def _seat(session: orm.Session, user: User, skills: Iterable[str]) -> Agent:
    """An agent seat for ``user`` with ``skills`` (each a known skill) at level 1."""
    codes = sorted(set(skills))
    known = set(session.scalars(sa.select(Skill.code).where(Skill.code.in_(codes))))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise AdminError("未知技能组 {codes}", codes=", ".join(unknown))
    if not codes:
        raise AdminError("坐席至少要有一个技能组")
    client_name = user.username
    taken = session.scalar(sa.select(Agent.id).where(Agent.client_name == client_name))
    if taken is not None:
        client_name = f"{user.username}-{user.id}"
    return routing.create_agent(
        session,
        user_id=user.id,
        name=user.display_name,
        client_name=client_name,
        skills=dict.fromkeys(codes, 1),
    )
