"""A small hotline with one of everything, and a client for each kind of principal, for the
security tests: authorization matrix, injection, CSRF."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from knowledge_base.services import upsert_article
from routing.messaging import Conversation
from routing.models import Call, IvrOption
from tests.conftest import PUBLIC_URL, csrf_token, login, override, sign
from tests.factories import PASSWORD, make_agent, make_user
from workorders import rules

UNIT_A, UNIT_B = "GZ-RSJ", "GZ-GJJ"
CATEGORY_A, CATEGORY_B = "SOCINS.PENSION", "HPF.WITHDRAW"
# Personal data a citizen gave; it must never reach monitors, and Open311 only masked.
CITIZEN_NAME = "Zhang Sanfeng"
CITIZEN_PHONE = "13912345678"
CITIZEN_EMAIL = "zsf.private@example.com"
CITIZEN_ADDRESS = "幸福路88号3栋502室"
DESCRIPTION = (
    "养老金本月未到账。联系人 ZHANG SANFENG，电话 139-1234-5678，邮箱 zsf.private@example.com"
)
PERSONAL = (CITIZEN_NAME, CITIZEN_NAME.upper(), CITIZEN_PHONE, "139-1234-5678", CITIZEN_EMAIL)
CALLER = "+8613700137001"
TEXTER = "+8613700137002"

SESSION_ROLES = ("agent", "supervisor", "department", "monitor", "admin")
TOKEN_ROLES = ("monitor", "open311", "department")
PRINCIPALS = (
    "anonymous",
    *SESSION_ROLES,
    *(f"token:{role}" for role in TOKEN_ROLES),
)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    order_a: str = ""
    order_b: str = ""
    call_id: int = 0
    conversation_id: int = 0
    article_id: str = "HL-SEC1"
    rule_id: int = 0
    day: str = ""
    option_id: int = 0
    ticket: str = ""
    agent_id: int = 0


def signed(client, path: str, params: dict):
    return client.post(
        path, data=params, headers={"X-Twilio-Signature": sign(PUBLIC_URL + path, params)}
    )


def issue_token(app, role: str, unit: str | None = None) -> str:
    args = ["token", "create", "--role", role, "--name", f"{role} system"]
    if unit:
        args += ["--unit", unit]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def open_order(client, category: str, **extra) -> str:
    body = {
        "category": category,
        "description": DESCRIPTION,
        "citizen_name": CITIZEN_NAME,
        "citizen_phone": CITIZEN_PHONE,
        "address": CITIZEN_ADDRESS,
        "district": "GZ-TH",
        **extra,
    }
    response = client.post("/api/v1/workorders", json=body)
    assert response.status_code == 201, response.data
    return response.get_json()["number"]


def arrange(app, observer) -> World:
    world = World()
    # The browser voice client configured, so that its token is a question of who asks.
    override(
        app,
        twilio_account_sid="AC" + "0" * 32,
        twilio_api_key="SK" + "0" * 32,
        twilio_api_secret="not-a-real-secret-but-long-enough-for-hs256",
        twilio_twiml_app_sid="AP" + "0" * 32,
    )
    world.users["agent"], agent = make_agent(observer)
    world.agent_id = agent.id
    world.users["supervisor"], _ = make_agent(observer, role="supervisor")
    world.users["department"] = make_user(observer, "department", unit_code=UNIT_A)
    world.users["department_b"] = make_user(observer, "department", unit_code=UNIT_B)
    world.users["monitor"] = make_user(observer, "monitor")
    world.users["admin"] = make_user(observer, "admin")
    observer.commit()
    for role in ("monitor", "open311"):
        world.tokens[role] = issue_token(app, role)
    world.tokens["department"] = issue_token(app, "department", UNIT_A)

    desk = app.test_client()
    response = desk.post(
        "/api/v1/session",
        json={"username": world.users["supervisor"].username, "password": PASSWORD},
    )
    assert response.status_code == 200, response.data
    world.order_a = open_order(desk, CATEGORY_A)
    world.order_b = open_order(desk, CATEGORY_B)

    twilio = app.test_client()
    call_sid = "CA" + "7" * 32
    signed(twilio, "/twilio/voice", {"CallSid": call_sid, "From": CALLER, "To": "12345"})
    signed(twilio, "/twilio/sms", {"MessageSid": "SM" + "7" * 32, "From": TEXTER, "Body": "0"})
    world.call_id = observer.scalar(sa.select(Call.id).where(Call.call_sid == call_sid))
    world.conversation_id = observer.scalar(sa.select(sa.func.max(Conversation.id)))

    upsert_article(
        observer,
        {
            "id": world.article_id,
            "title": "养老金领取条件",
            "questions": ["养老金怎么领"],
            "answer": "缴费满15年、达到退休年龄即可按月领取基本养老金。",
            "category": CATEGORY_A,
            "unit": UNIT_A,
            "keywords": ["养老金"],
        },
    )
    rule, _ = rules.add_rule(observer, unit_code=UNIT_B, category_code=CATEGORY_B, note="x")
    observer.commit()
    world.rule_id = rule.id
    # An admin's override of the official calendar, for the forms that change or remove one.
    day, _ = rules.set_calendar_day(observer, date(2026, 7, 20), False, "台风停工")
    observer.commit()
    world.day = day.day.isoformat()
    world.option_id = observer.scalar(sa.select(sa.func.min(IvrOption.id)))

    response = app.test_client().post(
        "/open311/v2/requests.json",
        data={
            "api_key": world.tokens["open311"],
            "service_code": CATEGORY_A,
            "description": DESCRIPTION,
            "first_name": "Sanfeng",
            "last_name": "Zhang",
            "phone": CITIZEN_PHONE,
            "address_string": CITIZEN_ADDRESS,
        },
    )
    assert response.status_code == 201, response.data
    world.ticket = response.get_json()[0]["token"]
    return world


class Principal:
    """Someone knocking: a visitor, a login of a role, or a system with an API token."""

    def __init__(self, app, world: World, name: str):
        self.app, self.world, self.name = app, world, name
        self.client = app.test_client()
        self.headers: dict[str, str] = {}
        if name.startswith("token:"):
            self.headers["Authorization"] = f"Bearer {world.tokens[name[6:]]}"
        self.log_in()

    @property
    def role(self) -> str | None:
        return self.name if self.name in SESSION_ROLES else None

    def log_in(self) -> None:
        if self.role:
            response = login(self.client, self.world.users[self.role].username, PASSWORD)
            assert response.status_code == 302, (self.name, response.status_code)
        # Any visitor can get a form token from the login page: what is refused below is
        # refused for who they are, not for a missing token.
        self.csrf = csrf_token(self.client, "/login")

    def request(self, method: str, path: str, *, form=None, json=None):
        if form is not None:
            form = {"csrf_token": self.csrf, **form}
        return self.client.open(path, method=method, data=form, json=json, headers=self.headers)
