"""Work orders over HTTP, as each role drives them: agents and the dispatcher in the console
and the JSON API, a unit in its portal and through its own case system with a token."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from hotline.infra import context
from hotline.models import AuditEvent
from hotline.views import workorder_admin
from tests import factories
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_agent, make_call, make_user
from workorders.calendar import LOCAL, official_calendar
from workorders.models import Unit, WorkOrder
from workorders.states import replay

API = "/api/v1/workorders"
STREET = "GZ-TH-SPJ"


def api_login(client, user):
    response = client.post(
        "/api/v1/session", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.data


def department_token(app, unit: str, name: str = "street case system") -> str:
    result = app.test_cli_runner().invoke(
        args=["token", "create", "--role", "department", "--unit", unit, "--name", name]
    )
    assert result.exit_code == 0, result.output
    assert f"(department of {unit})" in result.output
    return result.output.strip().splitlines()[-1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def open_order(client, **overrides) -> dict:
    body = {
        "category": "URBAN.MANHOLE",
        "district": "GZ-TH",
        "street": STREET,
        "address": "天河路 100 号",
        "description": "路口井盖缺失，晚上很危险",
        "citizen_phone": "13800138000",
        **overrides,
    }
    response = client.post(API, json=body)
    assert response.status_code == 201, response.data
    return response.get_json()


def act(client, number: str, action: str, headers=None, **body):
    return client.post(
        f"{API}/{number}/actions", json={"action": action, **body}, headers=headers or {}
    )


def flashes(page) -> str:
    return " ".join(re.findall(r'<div class="flash"[^>]*>([^<]*)</div>', page.get_data(True)))


def test_the_whole_lifecycle_with_each_role(app, client, observer, gateway):
    agent, _ = make_agent(observer)
    dispatcher, _ = make_agent(observer, role="supervisor")
    street_user = make_user(observer, "department", unit_code=STREET)
    observer.commit()
    token = department_token(app, STREET)
    street = app.test_client()  # the street's own case system
    desk = app.test_client()  # the dispatcher's browser
    login(desk, dispatcher.username, PASSWORD)

    # An agent opens the order through the API, with a photo; the rules assign the street.
    api_login(client, agent)
    order = open_order(client, attachments=["https://img.example.gov/manhole.jpg"])
    number = order["number"]
    assert (order["status"], order["unit"], order["channel"]) == ("dispatched", STREET, "api")
    assert "territorial" in order["assignment_reason"]
    assert order["attachments"][0]["url"] == "https://img.example.gov/manhole.jpg"
    assert order["remaining_seconds"] > 0 and not order["overdue"]

    # The street's system finds it and says it is not theirs: a dispute for the dispatcher.
    listed = street.get(API, headers=bearer(token)).get_json()["orders"]
    assert [o["number"] for o in listed] == [number]
    assert listed[0]["actions"] == ["sign", "return"]
    returned = act(street, number, "return", bearer(token), note="井盖属燃气公司")
    assert returned.status_code == 200 and returned.get_json()["status"] == "disputed"
    assert act(street, number, "return", bearer(token), note="again").status_code == 409

    # The dispatcher settles it by joint determination: the street is responsible.
    page = desk.get("/supervisor/").get_data(as_text=True)
    assert 'id="disputes"' in page and "井盖属燃气公司" in page
    detail_page = desk.get(f"/console/orders/{number}?lang=en").get_data(as_text=True)
    assert 'data-action="determine"' in detail_page and 'data-action="sign"' not in detail_page
    assert "Returned, awaiting determination" in detail_page
    determined = post_form(
        desk,
        f"/supervisor/orders/{number}/act",
        {"action": "determine", "unit": STREET, "note": "道路井盖由属地街道负责"},
        "/supervisor/",
    )
    said = desk.get(determined.location).get_data(as_text=True)  # in English, as chosen
    assert f"Order {number} dispatched to " in said and ", due " in said
    assert f"dispatched to {STREET}" not in said
    bound = act(street, number, "return", bearer(token), note="还是不归我们")
    assert bound.status_code == 409
    assert "补充新情况前不能再次退回" in bound.get_json()["error"]

    # The street signs, then asks for two more working days; the dispatcher approves.
    detail = street.get(f"{API}/{number}", headers=bearer(token)).get_json()
    signed = act(street, number, "sign", bearer(token), version=detail["version"])
    assert signed.get_json()["status"] == "signed"
    before = signed.get_json()["reply_deadline"]
    act(street, number, "request_extension", bearer(token), working_days=2, note="需协调燃气")
    assert "需协调燃气" in desk.get("/supervisor/").get_data(as_text=True)
    post_form(
        desk, f"/supervisor/orders/{number}/act", {"action": "approve_extension"}, "/supervisor/"
    )
    after = street.get(f"{API}/{number}", headers=bearer(token)).get_json()
    assert after["status"] == "in_progress" and after["reply_deadline"] > before
    assert after["extensions"][0]["state"] == "approved"

    # Another citizen reports the same manhole: the agent merges the duplicate.
    duplicate = open_order(client, citizen_phone="13900000009")["number"]
    merged = act(client, duplicate, "merge", into=number)
    assert merged.get_json()["status"] == "merged" and merged.get_json()["parent"] == number

    # The street's staff reply in the portal; the citizen is texted the survey at once.
    portal = app.test_client()
    login(portal, street_user.username, PASSWORD)
    assert number in portal.get("/dept/").get_data(as_text=True)
    post_form(
        portal,
        f"/dept/orders/{number}/reply",
        {"reply": "已更换井盖", "attachments": "https://img.example.gov/done.jpg"},
        f"/dept/orders/{number}",
    )
    survey = [r for r in gateway.sent() if r["kind"] == "sms"][-1]
    assert survey["to"] == "+8613800138000" and number in survey["body"]
    assert client.get(f"{API}/{number}").get_json()["status"] == "callback"

    # The citizen is unsatisfied: the order goes back to the street, which replies again.
    reopened = act(client, number, "callback", satisfaction="unsatisfied", note="井盖松动")
    assert reopened.get_json()["status"] == "dispatched"
    act(street, number, "sign", bearer(token))
    act(
        street,
        number,
        "reply",
        bearer(token),
        note="已加固井盖",
        attachments=["https://img.example.gov/fixed.jpg"],
    )

    # Satisfied this time: the order closes, and its duplicate with it.
    post_form(
        desk, f"/supervisor/orders/{number}/callback", {"satisfaction": "satisfied"}, "/supervisor/"
    )
    closed = client.get(f"{API}/{number}").get_json()
    assert (closed["status"], closed["satisfaction"]) == ("closed", "satisfied")
    assert client.get(f"{API}/{duplicate}").get_json()["status"] == "closed"
    trail = [e["action"] for e in closed["events"]]
    assert trail == [
        "create",
        "dispatch",
        "return",
        "determine",
        "sign",
        "request_extension",
        "approve_extension",
        "reply",
        "start_callback",
        "reopen",
        "sign",
        "reply",
        "start_callback",
        "close",
    ]
    assert replay(trail) == "closed"
    assert [a["kind"] for a in closed["attachments"]] == ["intake", "reply", "reply"]

    # The order's page tells that history as a timeline, oldest first, with names and the
    # deadlines each step set or moved, in local time.
    page = desk.get(f"/console/orders/{number}?lang=zh").get_data(as_text=True)
    timeline = page.split('<ol class="timeline" id="history">', 1)[1].split("</ol>", 1)[0]
    steps = re.findall(
        r'<li class="timeline-step" data-event="([a-z_]+)">(.*?)</li>', timeline, re.S
    )
    assert [event for event, _ in steps] == trail
    said = dict(steps[:9])  # up to the first reply: each action once

    def local(iso: str) -> str:
        return datetime.fromisoformat(iso).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")

    assert f"{local(before)}</time> → <time" in said["approve_extension"]
    assert f">{local(after['reply_deadline'])}</time>" in said["approve_extension"]
    # The first dispatch set the deadline; the determination a moment later left it as it was.
    assert f">{local(before)}</time>" in said["dispatch"]
    assert "承办期限" not in said["determine"] and "承办期限" not in said["sign"]
    assert f">{local(closed['reply_deadline'])}</time>" in dict(steps)["reopen"]
    assert "单位系统 street case system" in said["return"]
    assert '<span class="timeline-actor">系统</span>' in said["start_callback"]
    assert "已向市民发送满意度回访短信" in said["start_callback"]
    assert "延期 2 个工作日：需协调燃气" in said["request_extension"]


def test_a_unit_never_sees_another_units_order(app, client, observer):
    agent, _ = make_agent(observer)
    rsj_user = make_user(observer, "department", unit_code="GZ-RSJ")
    observer.commit()
    api_login(client, agent)
    number = open_order(client)["number"]
    rsj_token = department_token(app, "GZ-RSJ", "rsj system")
    district_token = department_token(app, "GZ-TH", "tianhe system")

    portal = app.test_client()
    login(portal, rsj_user.username, PASSWORD)
    assert portal.get(f"/dept/orders/{number}").status_code == 404
    assert number not in portal.get("/dept/?all=1").get_data(as_text=True)
    other = app.test_client()
    assert other.get(f"{API}/{number}", headers=bearer(rsj_token)).status_code == 404
    assert act(other, number, "sign", bearer(rsj_token)).status_code == 404
    assert other.get(API, headers=bearer(rsj_token)).get_json()["orders"] == []
    # The district above the street sees it and may act for it.
    assert other.get(f"{API}/{number}", headers=bearer(district_token)).status_code == 200
    # A unit may not do what only the dispatcher does.
    refused = act(other, number, "urge", bearer(district_token))
    assert refused.status_code == 403


def test_only_the_agent_on_a_call_files_from_it(app, client, observer):
    # A supervisor is no agent: naming a call that no one answered must not lend the order
    # that caller's number and recording, nor mark the call resolved.
    supervisor = make_user(observer, "supervisor")
    call = make_call(
        observer,
        status="abandoned",
        from_number="13900000000",
        recording_url="https://api.twilio.example/recordings/RE1",
    )
    observer.commit()
    api_login(client, supervisor)
    number = open_order(client, citizen_phone="", call_id=call.id)["number"]

    order = observer.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
    assert (order.call_id, order.recording_url, order.citizen_phone) == (None, None, "")
    observer.refresh(call)
    assert call.resolution is None


def test_a_co_unit_sees_the_order_but_only_the_lead_acts(app, client, observer):
    admin = make_user(observer, "admin")
    agent, _ = make_agent(observer)
    observer.commit()
    login(client, admin.username, PASSWORD)
    post_form(
        client,
        "/admin/workorders/rules",
        {
            "category": "URBAN.MANHOLE",
            "district": "GZ-TH",
            "unit": "GZ-TH",
            "co_units": "GZ-CGW",
            "note": "区统筹",
        },
        "/admin/workorders/",
    )
    event = observer.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "assignment_rule"))
    assert event.changes["unit_code"]["to"] == "GZ-TH" and event.actor == admin.username

    api = app.test_client()
    api_login(api, agent)
    order = open_order(api)
    assert (order["unit"], order["co_units"]) == ("GZ-TH", ["GZ-CGW"])
    cgw = department_token(app, "GZ-CGW", "cgw system")
    seen = api.get(f"{API}/{order['number']}", headers=bearer(cgw)).get_json()
    assert (seen["role"], seen["actions"]) == ("co", [])
    refused = act(api, order["number"], "sign", bearer(cgw))
    assert refused.status_code == 403 and "协办" in refused.get_json()["error"]


def test_the_department_api_takes_only_a_valid_department_token(app, client, observer):
    assert client.get(API).status_code == 401
    assert client.get(API, headers=bearer("hl_dep_nonsense")).status_code == 401
    monitor = (
        app.test_cli_runner()
        .invoke(args=["token", "create", "--role", "monitor", "--name", "m"])
        .output.strip()
        .splitlines()[-1]
    )
    assert client.get(API, headers=bearer(monitor)).status_code == 401
    no_unit = app.test_cli_runner().invoke(
        args=["token", "create", "--role", "department", "--name", "x"]
    )
    assert no_unit.exit_code != 0 and "--unit" in no_unit.output
    token = department_token(app, STREET)
    assert client.get(API, headers=bearer(token)).status_code == 200
    assert (
        client.post(API, json={"category": "URBAN.MANHOLE"}, headers=bearer(token)).status_code
        == 403
    )
    assert (
        client.post(f"{API}/x/actions", data={"action": "sign"}, headers=bearer(token)).status_code
        == 415
    )
    token_id = observer.execute(sa.text("SELECT max(id) FROM api_tokens")).scalar()
    app.test_cli_runner().invoke(args=["token", "revoke", str(token_id)])
    assert client.get(API, headers=bearer(token)).status_code == 401


def test_acting_on_what_someone_else_just_changed_is_a_conflict(app, client, observer):
    agent, _ = make_agent(observer)
    street_user = make_user(observer, "department", unit_code=STREET)
    observer.commit()
    api_login(client, agent)
    order = open_order(client)
    token = department_token(app, STREET)
    # Someone signs; a second person, still looking at the old version, tries to return it.
    assert (
        act(
            client, order["number"], "cancel", note="撤回", version=order["version"] - 1
        ).status_code
        == 409
    )
    signed = act(
        app.test_client(), order["number"], "sign", bearer(token), version=order["version"]
    )
    assert signed.status_code == 200
    stale = act(
        app.test_client(),
        order["number"],
        "return",
        bearer(token),
        note="x",
        version=order["version"],
    )
    assert stale.status_code == 409
    assert stale.get_json()["error"] == f"工单 {order['number']} 已被他人修改，请刷新后重试"
    english = app.test_client().post(
        f"{API}/{order['number']}/actions?lang=en",
        json={"action": "return", "note": "x", "version": order["version"]},
        headers=bearer(token),
    )
    assert english.status_code == 409
    assert english.get_json()["error"] == (
        f"work order {order['number']} was changed by someone else at the same time; "
        "reload it and try again"
    )

    portal = app.test_client()
    login(portal, street_user.username, PASSWORD)
    page = f"/dept/orders/{order['number']}"
    response = portal.post(
        f"{page}/request_extension",
        data={
            "working_days": "2",
            "note": "x",
            "version": str(order["version"]),
            "csrf_token": csrf_token(portal, page),
        },
        follow_redirects=True,
    )
    assert f"工单 {order['number']} 已被他人修改，请刷新后重试" in flashes(response)
    assert (
        observer.scalar(sa.select(WorkOrder.status).where(WorkOrder.number == order["number"]))
        == "signed"
    )


def test_several_orders_signed_at_once_in_the_portal(app, client, observer):
    agent, _ = make_agent(observer)
    street_user = make_user(observer, "department", unit_code=STREET)
    observer.commit()
    api_login(client, agent)
    numbers = [open_order(client)["number"] for _ in range(3)]
    portal = app.test_client()
    login(portal, street_user.username, PASSWORD)
    home = portal.get("/dept/").get_data(as_text=True)
    # Sorted by deadline, each with its remaining time.
    assert [n for n in re.findall(r'data-number="([^"]+)"', home)] == numbers
    assert home.count('data-overdue="no"') == 3
    post_form(portal, f"/dept/orders/{numbers[0]}/sign", {}, f"/dept/orders/{numbers[0]}")
    response = portal.post(
        "/dept/bulk",
        data={"action": "sign", "numbers": numbers, "csrf_token": csrf_token(portal, "/dept/")},
        follow_redirects=True,
    )
    assert f"{numbers[0]}: 工单当前状态为“已签收”，不能签收" in flashes(response)
    portal.get("/dept/?lang=en")
    response = portal.post(
        "/dept/bulk",
        data={"action": "sign", "numbers": numbers, "csrf_token": csrf_token(portal, "/dept/")},
        follow_redirects=True,
    )
    said = flashes(response)
    assert f"{numbers[0]}: a work order with the status “Signed for” cannot be signed for" in said
    assert "工单" not in said
    statuses = observer.scalars(
        sa.select(WorkOrder.status).where(WorkOrder.number.in_(numbers))
    ).all()
    assert statuses == ["signed"] * 3


@pytest.fixture
def street_contact(observer):
    """Units are reference data, kept between tests: the contact is taken away again."""
    yield
    observer.execute(
        sa.update(Unit).where(Unit.code == STREET).values(contact_phone=None, contact_email=None)
    )
    observer.commit()


def test_the_sweep_reminds_the_unit_by_text_once(
    app, client, observer, gateway, runner, street_contact
):
    admin = make_user(observer, "admin")
    agent, _ = make_agent(observer)
    observer.commit()
    login(client, admin.username, PASSWORD)
    post_form(
        client,
        "/admin/workorders/contacts",
        {"unit": STREET, "phone": "13700000001", "email": ""},
        "/admin/workorders/",
    )
    assert observer.get(Unit, STREET).contact_phone == "13700000001"
    api = app.test_client()
    api_login(api, agent)
    number = open_order(api)["number"]  # urgent: due in 24 hours
    to_unit = [r["body"] for r in gateway.sent() if r.get("to") == "+8613700000001"]
    assert len(to_unit) == 1 and number in to_unit[0]  # told of the new order

    first = runner.invoke(args=["workorders", "sweep"])
    assert first.exit_code == 0, first.output
    assert first.output.startswith("1 reminded, 0 escalated")
    assert runner.invoke(args=["workorders", "sweep"]).output.startswith("0 reminded")
    to_unit = [r["body"] for r in gateway.sent() if r.get("to") == "+8613700000001"]
    assert len(to_unit) == 2 and "到期" in to_unit[1]
    refused = runner.invoke(args=["workorders", "sweep", "--every", "300"])
    assert refused.exit_code != 0 and "HOTLINE_REDIS_URL" in refused.output


def test_a_provisional_deadline_is_shown_on_the_order_page_and_the_desk(app, client, observer):
    year = official_calendar().last_year + 1
    dispatcher, _ = make_agent(observer, role="supervisor")
    observer.commit()
    with app.app_context(), context.sessions(app)() as session:
        provisional = factories.open_order(session, now=datetime(year, 12, 27, 10, tzinfo=LOCAL))
        # Within the years the package knows.
        official = factories.open_order(session, now=datetime(year - 1, 3, 2, 10, tzinfo=LOCAL))
        session.commit()
        assert provisional.deadline_provisional_year == year
        assert official.deadline_provisional_year is None
        provisional, official = provisional.number, official.number
    login(client, dispatcher.username, PASSWORD)

    page = client.get(f"/console/orders/{provisional}?lang=zh").get_data(as_text=True)
    assert f'data-provisional-year="{year}"' in page
    assert f"承办期限为暂定：尚无{year}年官方节假日安排" in page
    english = client.get(f"/console/orders/{provisional}?lang=en").get_data(as_text=True)
    assert f"Provisional deadline: no official {year} holiday arrangement yet" in english
    assert "承办期限为暂定" not in english
    page = client.get(f"/console/orders/{official}?lang=zh").get_data(as_text=True)
    assert "data-provisional-year" not in page and "暂定" not in page

    desk = client.get("/supervisor/?lang=zh").get_data(as_text=True)
    section = desk[desk.index('id="provisional"') :]
    section = section[: section.index("</section>")]
    assert provisional in section and official not in section
    assert f"承办期限为暂定：尚无{year}年官方节假日安排" in section
    assert "Provisional deadlines" in client.get("/supervisor/?lang=en").get_data(as_text=True)

    # The units' case systems read it too.
    detail = client.get(f"{API}/{provisional}").get_json()
    assert detail["deadline_provisional_year"] == year
    assert client.get(f"{API}/{official}").get_json()["deadline_provisional_year"] is None


def test_admins_are_warned_from_november_when_next_year_is_not_in_the_package(
    app, client, observer, monkeypatch
):
    last = official_calendar().last_year
    admin = make_user(observer, "admin")
    observer.commit()
    login(client, admin.username, PASSWORD)

    def page_on(month, day, lang="zh"):
        moment = datetime(last, month, day, 9, tzinfo=LOCAL).astimezone(UTC)
        monkeypatch.setattr(workorder_admin, "clock", lambda: moment)
        return client.get(f"/admin/workorders/?lang={lang}").get_data(as_text=True)

    october = page_on(10, 31)
    assert 'id="calendar-warning"' not in october
    assert f"覆盖 {official_calendar().first_year}–{last} 年" in october
    november = page_on(11, 1)
    assert f'data-missing-year="{last + 1}"' in november
    assert f"尚无{last + 1}年官方节假日安排：请升级 chinesecalendar 软件包" in november
    english = page_on(11, 1, "en")
    assert f"No official {last + 1} holiday arrangement yet: upgrade the chinesecalendar" in english

    runner = app.test_cli_runner()
    quiet = runner.invoke(args=["workorders", "calendar", "--today", f"{last}-10-31"])
    assert quiet.exit_code == 0, quiet.output
    assert f"years {official_calendar().first_year}–{last}" in quiet.output
    assert "warning" not in quiet.output
    warned = runner.invoke(args=["workorders", "calendar", "--today", f"{last}-11-01"])
    assert warned.exit_code == 1
    assert f"warning: no official {last + 1} holiday arrangement yet: upgrade" in warned.output


def test_the_console_finds_the_district_and_street_an_address_names(client, observer):
    agent, _ = make_agent(observer)
    department = make_user(observer, "department", unit_code="GZ-TH")
    observer.commit()
    login(client, department.username, PASSWORD)
    assert client.get("/console/place?address=石牌街道").status_code == 403
    login(client, agent.username, PASSWORD)
    place = client.get("/console/place?address=石牌街道华师社区3栋").get_json()
    assert place == {"district": "GZ-TH", "street": "GZ-TH-SPJ"}
    place = client.get("/console/place?address=天河区体育西路1号").get_json()
    assert place == {"district": "GZ-TH", "street": None}
    assert client.get("/console/place").get_json() == {"district": None, "street": None}
