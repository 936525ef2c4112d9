"""What a simulation needs in the hotline's database before it starts, and reads from it.

The simulator runs with the same configuration as the server (HOTLINE_DATABASE_URL and the
Twilio settings), so it creates its own logins and tokens the way `hotline user create` and
`hotline token create` do: agent logins with a seat (every skill, every language), one
dispatcher, one monitor token and a department token per unit. Tokens are revoked at the
end; logins stay (their passwords change each run) and are left offline.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.infra.passwords import hash_password
from hotline.infra.tokens import create_token, revoke_token
from hotline.models import User
from knowledge_base.models import Article
from routing import services as routing
from routing.models import Agent, IvrOption, LegacyLine, Skill
from workorders.models import Category, Unit

AGENT_NAME = "sim-agent-{:03d}"
DISPATCHER = "sim-dispatcher"
COMPLAINTS = (
    "路灯不亮，晚上出行不安全。",
    "小区门口积水很深，下水道堵了。",
    "公司拖欠工资两个月。",
    "台风过后路边大树倒了，挡住了人行道。",
    "楼下餐馆油烟扰民。",
)


@dataclass
class Reference:
    """The reference data the simulated people choose from."""

    menu: list[tuple[str, list[str]]] = field(default_factory=list)
    legacy_numbers: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    categories_by_skill: dict[str, list[tuple[str, str | None, str | None]]] = field(
        default_factory=dict
    )
    places: list[tuple[str, str | None]] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    complaints: tuple[str, ...] = COMPLAINTS

    def place_for(
        self, reservation: dict, rng: random.Random
    ) -> tuple[str, str | None, str | None]:
        """A category for the call's topic (the line's category first), and a place."""
        hint = reservation.get("category_hint")
        choices = self.categories_by_skill.get(reservation.get("skill") or "general") or [
            c for group in self.categories_by_skill.values() for c in group
        ]
        category = hint or rng.choice(choices)[0]
        district, street = rng.choice(self.places) if self.places else (None, None)
        return category, district, street

    def unit_for(self, category: str, rng: random.Random) -> str:
        for group in self.categories_by_skill.values():
            for code, _, unit in group:
                if code == category and unit:
                    return unit
        return rng.choice(self.departments)


@dataclass
class Provisioned:
    agents: list[tuple[str, str]]
    dispatcher: tuple[str, str]
    monitor_token: str
    department_tokens: dict[str, str]
    token_ids: list[int]
    reference: Reference


def provision(session: orm.Session, seats: int) -> Provisioned:
    password = secrets.token_urlsafe(12)
    hashed = hash_password(password)
    skills = {code: 1 for code in session.scalars(sa.select(Skill.code))}
    agents = []
    for index in range(1, seats + 1):
        username = AGENT_NAME.format(index)
        user = _login(session, username, "agent", hashed)
        agent = routing.agent_for_user(session, user.id)
        if agent is None:
            routing.create_agent(
                session,
                user_id=user.id,
                name=f"模拟话务员 {index:03d}",
                client_name=username,
                skills=skills,
                languages="zh,yue,en",
            )
        agents.append((username, password))
    _login(session, DISPATCHER, "supervisor", hashed)
    token_ids = []
    _, monitor = create_token(session, "monitor", "traffic simulator")
    token_ids.append(_.id)
    tokens = {}
    for code in session.scalars(sa.select(Unit.code).where(Unit.active.is_(True))):
        token, plain = create_token(session, "department", f"traffic simulator {code}", code)
        tokens[code] = plain
        token_ids.append(token.id)
    reference = read_reference(session)
    session.commit()
    return Provisioned(agents, (DISPATCHER, password), monitor, tokens, token_ids, reference)


def _login(session: orm.Session, username: str, role: str, hashed: str) -> User:
    user = session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user = User(username=username, role=role)
        session.add(user)
    user.password_hash, user.role, user.active = hashed, role, True
    user.display_name = username
    session.flush()
    return user


def read_reference(session: orm.Session) -> Reference:
    reference = Reference()
    for option in session.scalars(
        sa.select(IvrOption).where(IvrOption.menu == "main", IvrOption.skill_code.is_not(None))
    ):
        reference.menu.append((option.digit, list(option.keywords or [])))
    reference.legacy_numbers = list(session.scalars(sa.select(LegacyLine.number)))
    for article in session.scalars(sa.select(Article).where(Article.status == "published")):
        reference.articles.append(article.id)
        reference.questions.extend(q for q in (article.questions or [])[:2] if q)
    for code, skill, routing_rule, unit in session.execute(
        sa.select(Category.code, Category.skill_code, Category.routing, Category.unit_code).where(
            Category.routing.is_not(None)
        )
    ):
        reference.categories_by_skill.setdefault(skill or "general", []).append(
            (code, routing_rule, unit)
        )
    units = session.execute(sa.select(Unit.code, Unit.kind, Unit.parent_code)).all()
    districts = {code for code, kind, _ in units if kind == "district"}
    for code, kind, parent in units:
        if kind == "street" and parent in districts:
            reference.places.append((parent, code))
    reference.places.extend((code, None) for code in sorted(districts))
    reference.departments = sorted(c for c, kind, _ in units if kind == "municipal_department")
    return reference


def release(session: orm.Session, provisioned: Provisioned) -> None:
    """Revoke the run's tokens and leave its agents offline."""
    for token_id in provisioned.token_ids:
        revoke_token(session, token_id)
    names = [name for name, _ in provisioned.agents]
    for agent in session.scalars(
        sa.select(Agent).join(User, User.id == Agent.user_id).where(User.username.in_(names))
    ):
        if agent.state in ("available", "break", "wrap_up"):
            routing.set_agent_state(session, agent.id, "offline")
    session.commit()
