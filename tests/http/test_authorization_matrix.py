"""Who may do what: every route of the app, for every kind of principal, against a table.

A route added to the app without a row here fails the first test. The outcomes:

- ``ok``: let through (the view ran: 2xx, a redirect elsewhere, or a 400/409/422 about the input);
- ``L``: sent to the login page (302 to /login);
- ``401``, ``403``, ``404``: refused with that status.

Every request is made with a valid CSRF token and a plausible body, so that what is refused
is refused for who asks. Twilio's webhooks are authorized by their signature alone: one row,
``POST /twilio/*``, says that every route under /twilio/ is 403 unsigned, for everyone, and
tests/http/test_security_signatures.py forges and signs each of them.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.http.security_world import (
    CATEGORY_A,
    CATEGORY_B,
    CITIZEN_ADDRESS,
    PERSONAL,
    PRINCIPALS,
    UNIT_A,
    UNIT_B,
    Principal,
    World,
    arrange,
)
from workorders.models import WorkOrder

# Columns, in the order of PRINCIPALS: ano = no login; agt = agent; sup = supervisor (the
# dispatcher); dpt = staff of unit A; mon = monitor; adm = admin; Tmo, T31, Tdp = an API token
# of the monitor, open311 or department (unit A) role, without a login.
EXPECTED_TABLE = """
method route                                                     ano agt sup dpt mon adm Tmo T31 Tdp
GET    /                                                         L   ok  ok  ok  ok  ok  L   L   L
GET    /login                                                    ok  ok  ok  ok  ok  ok  ok  ok  ok
POST   /login                                                    401 401 401 401 401 401 401 401 401
GET    /healthz                                                  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET    /static/<path:filename>                                   ok  ok  ok  ok  ok  ok  ok  ok  ok
GET    /api/v1/openapi.json                                      ok  ok  ok  ok  ok  ok  ok  ok  ok
POST   /api/v1/session                                           401 401 401 401 401 401 401 401 401
GET    /console/                                                 L   ok  ok  403 403 403 L   L   L
POST   /console/state                                            L   ok  ok  403 403 403 L   L   L
POST   /console/ready                                            L   ok  ok  403 403 403 L   L   L
POST   /console/finish                                           L   ok  ok  403 403 403 L   L   L
POST   /console/calls/<int:call_id>/accept                       L   ok  ok  403 403 403 L   L   L
POST   /console/calls/<int:call_id>/decline                      L   ok  ok  403 403 403 L   L   L
POST   /console/calls/<int:call_id>/hold                         L   ok  ok  403 403 403 L   L   L
POST   /console/calls/<int:call_id>/resume                       L   ok  ok  403 403 403 L   L   L
POST   /console/calls/<int:call_id>/consult/complete             L   ok  ok  403 403 403 L   L   L
POST   /console/calls/<int:call_id>/consult/cancel               L   ok  ok  403 403 403 L   L   L
POST   /console/calls/<int:call_id>/transfer                     L   ok  ok  403 403 403 L   L   L
POST   /console/calls/<int:call_id>/resolve                      L   ok  ok  403 403 403 L   L   L
POST   /console/phone                                            L   ok  ok  403 403 403 L   L   L
POST   /console/work-orders                                      L   ok  ok  403 403 ok  L   L   L
GET    /console/place                                            L   ok  ok  403 403 ok  L   L   L
GET    /console/orders                                           L   ok  ok  403 403 ok  L   L   L
GET    /console/orders/<number>                                  L   ok  ok  403 403 ok  L   L   L
GET    /console/conversations/                                   L   ok  ok  403 403 ok  L   L   L
GET    /console/conversations/<int:conversation_id>              L   ok  ok  403 403 403 L   L   L
GET    /console/conversations/<int:conversation_id>/version      L   ok  ok  403 403 ok  L   L   L
POST   /console/conversations/<int:conversation_id>/take-over    L   ok  ok  403 403 403 L   L   L
POST   /console/conversations/<int:conversation_id>/release      L   ok  ok  403 403 ok  L   L   L
POST   /console/conversations/<int:conversation_id>/reply        L   ok  ok  403 403 403 L   L   L
POST   /kb/feedback                                              L   ok  ok  403 403 ok  L   L   L
POST   /kb/articles/<article_id>/text                            L   404 ok  403 403 ok  L   L   L
GET    /api/v1/kb/search                                         401 ok  ok  403 403 ok  401 401 401
GET    /api/v1/agent/status                                      401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/state                                       401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/finish                                      401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/calls/<int:call_id>/hold                    401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/calls/<int:call_id>/resume                  401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/calls/<int:call_id>/consult/complete        401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/calls/<int:call_id>/consult/cancel          401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/calls/<int:call_id>/transfer                401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/reservations/<int:call_id>/accept           401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/reservations/<int:call_id>/decline          401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/calls/<int:call_id>/resolve                 401 ok  ok  403 403 403 401 401 401
POST   /api/v1/agent/calls/<int:call_id>/work-orders             401 ok  ok  403 403 403 401 401 401
GET    /api/v1/agent/voice-token                                 401 ok  ok  403 403 403 401 401 401
GET    /supervisor/                                              L   403 ok  403 403 ok  L   L   L
GET    /events                                                   401 ok  ok  403 403 ok  401 401 401
GET    /supervisor/wallboard                                     L   403 ok  403 403 ok  L   L   L
GET    /api/v1/wallboard                                         401 403 ok  403 403 ok  401 401 401
POST   /supervisor/bulk-dispatch                                 L   403 ok  403 403 ok  L   L   L
POST   /supervisor/orders/<number>/act                           L   ok  ok  403 403 ok  L   L   L
POST   /supervisor/orders/<number>/callback                      L   ok  ok  403 403 ok  L   L   L
GET    /dept/                                                    L   403 403 ok  403 403 L   L   L
GET    /dept/orders/<number>                                     L   403 403 ok  403 403 L   L   L
POST   /dept/orders/<number>/<action>                            L   403 403 ok  403 403 L   L   L
POST   /dept/bulk                                                L   403 403 ok  403 403 L   L   L
GET    /api/v1/workorders                                        401 ok  ok  ok  403 ok  401 401 ok
POST   /api/v1/workorders                                        401 ok  ok  403 403 ok  401 401 403
GET    /api/v1/workorders/<number>                               401 ok  ok  ok  403 ok  401 401 ok
POST   /api/v1/workorders/<number>/actions                       401 ok  ok  403 403 ok  401 401 403
GET    /reports/                                                 L   403 ok  403 ok  ok  L   L   L
GET    /reports/figures.csv                                      L   403 ok  403 ok  ok  L   L   L
GET    /reports/bulletin                                         L   403 ok  403 ok  ok  L   L   L
GET    /reports/bulletin.csv                                     L   403 ok  403 ok  ok  L   L   L
GET    /reports/bulletin.pdf                                     L   403 ok  403 ok  ok  L   L   L
GET    /reports/agents                                           L   403 ok  403 403 ok  L   L   L
GET    /reports/kb-gaps                                          L   403 ok  403 403 ok  L   L   L
GET    /api/v1/reports/closure                                   401 401 401 401 401 401 ok  401 401
GET    /api/v1/reports/work-orders                               401 401 401 401 401 401 ok  401 401
GET    /api/v1/reports/bulletin                                  401 401 401 401 401 401 ok  401 401
GET    /api/v1/reports/call-trend                                401 401 401 401 401 401 ok  401 401
GET    /api/v1/reports/calls                                     401 401 401 401 401 401 ok  401 401
GET    /admin/                                                   L   403 403 403 403 ok  L   L   L
POST   /admin/menu/<int:option_id>                               L   403 403 403 403 ok  L   L   L
POST   /admin/transfer-directory                                 L   403 403 403 403 ok  L   L   L
POST   /admin/wrap-up-reasons                                    L   403 403 403 403 ok  L   L   L
POST   /admin/agents/<int:agent_id>/phone                        L   403 403 403 403 ok  L   L   L
GET    /admin/users                                              L   403 403 403 403 ok  L   L   L
POST   /admin/users                                              L   403 403 403 403 ok  L   L   L
POST   /admin/users/<int:user_id>                                L   403 403 403 403 ok  L   L   L
POST   /admin/users/<int:user_id>/password                       L   403 403 403 403 ok  L   L   L
POST   /admin/users/<int:user_id>/active                         L   403 403 403 403 ok  L   L   L
GET    /admin/workorders/                                        L   403 403 403 403 ok  L   L   L
POST   /admin/workorders/rules                                   L   403 403 403 403 ok  L   L   L
POST   /admin/workorders/rules/<int:rule_id>/active              L   403 403 403 403 ok  L   L   L
POST   /admin/workorders/rules/<int:rule_id>/delete              L   403 403 403 403 ok  L   L   L
POST   /admin/workorders/calendar                                L   403 403 403 403 ok  L   L   L
POST   /admin/workorders/calendar/<day>/delete                   L   403 403 403 403 ok  L   L   L
POST   /admin/workorders/contacts                                L   403 403 403 403 ok  L   L   L
GET    /open311/v2/discovery.<any(json, xml):fmt>                ok  ok  ok  ok  ok  ok  ok  ok  ok
GET    /open311/v2/services.<any(json, xml):fmt>                 ok  ok  ok  ok  ok  ok  ok  ok  ok
GET    /open311/v2/services/<service_code>.<any(json, xml):fmt>  ok  ok  ok  ok  ok  ok  ok  ok  ok
GET    /open311/v2/requests.<any(json, xml):fmt>                 ok  ok  ok  ok  ok  ok  ok  ok  ok
GET    /open311/v2/requests/<request_id>.<any(json, xml):fmt>    ok  ok  ok  ok  ok  ok  ok  ok  ok
GET    /open311/v2/tokens/<token>.<any(json, xml):fmt>           ok  ok  ok  ok  ok  ok  ok  ok  ok
POST   /open311/v2/requests.<any(json, xml):fmt>                 403 403 403 403 403 403 403 ok  403
GET    /open311/v2/<path:anything>                               404 404 404 404 404 404 404 404 404
POST   /open311/v2/<path:anything>                               404 404 404 404 404 404 404 404 404
POST   /twilio/*                                                 403 403 403 403 403 403 403 403 403
DELETE /api/v1/session                                           ok  ok  ok  ok  ok  ok  ok  ok  ok
POST   /logout                                                   L   L   L   L   L   L   L   L   L
"""
# Last in the table, and run last: they end the login (the principal logs in again after).
ENDS_THE_LOGIN = {("DELETE", "/api/v1/session"), ("POST", "/logout")}


def parse_table(text: str) -> dict[tuple[str, str], dict[str, str]]:
    table = {}
    for line in text.strip().splitlines()[1:]:
        # The outcomes are the last columns; a route may hold a space (<any(json, xml):fmt>).
        parts = line.split()
        method, rule, outcomes = parts[0], " ".join(parts[1:-9]), parts[-9:]
        assert len(parts) > 10 and all(o in ("ok", "L", "401", "403", "404") for o in outcomes), (
            line
        )
        assert (method, rule) not in table, f"{method} {rule} twice in the table"
        table[method, rule] = dict(zip(PRINCIPALS, outcomes, strict=True))
    return table


EXPECTED = parse_table(EXPECTED_TABLE)


def expected_for(method: str, rule: str) -> dict[str, str] | None:
    """The row of a route; a row ending in /* covers every route under it."""
    if (method, rule) in EXPECTED:
        return EXPECTED[method, rule]
    for (row_method, row_rule), row in EXPECTED.items():
        if row_rule.endswith("/*") and row_method == method and rule.startswith(row_rule[:-1]):
            return row
    return None


def routes(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule))
    return found


def test_every_route_of_the_app_has_a_row_in_the_table(app):
    found = set(routes(app))
    missing = sorted(route for route in found if expected_for(*route) is None)
    assert not missing, f"routes without a row in EXPECTED_TABLE: {missing}"
    stale = sorted(
        (method, rule)
        for method, rule in EXPECTED
        if not any(
            m == method and (r.startswith(rule[:-1]) if rule.endswith("/*") else r == rule)
            for m, r in found
        )
    )
    assert not stale, f"rows for routes the app no longer has: {stale}"


def path_of(rule: str, world: World) -> str:
    values = {
        "<path:filename>": "hotline.css",
        "<number>": world.order_a,
        "<int:call_id>": str(world.call_id),
        "<int:conversation_id>": str(world.conversation_id),
        "<article_id>": world.article_id,
        "<action>": "sign",
        "<int:option_id>": str(world.option_id),
        "<int:agent_id>": str(world.agent_id),
        "<int:rule_id>": str(world.rule_id),
        "<int:user_id>": str(world.users["department_b"].id),
        "<day>": world.day,
        "<any(json, xml):fmt>": "json",
        "<service_code>": CATEGORY_A,
        "<request_id>": world.order_a,
        "<token>": world.ticket,
        "<path:anything>": "nothing/here",
    }
    for placeholder, value in values.items():
        rule = rule.replace(placeholder, value)
    assert "<" not in rule, f"no value for a placeholder of {rule}"
    return rule


def body_of(method: str, rule: str, principal: Principal) -> dict:
    """A plausible body for each changing request: JSON for the JSON APIs, else a form."""
    world = principal.world
    forms = {
        "/login": {"username": "nobody", "password": "wrong"},
        "/console/state": {"state": "offline"},
        "/console/calls/<int:call_id>/resolve": {},
        "/console/calls/<int:call_id>/transfer": {"target": "queue:general", "note": "转接"},
        "/console/conversations/<int:conversation_id>/reply": {"body": "您好"},
        "/supervisor/orders/<number>/act": {"action": "add_facts", "note": "市民补充情况"},
        "/supervisor/orders/<number>/callback": {"satisfaction": "satisfied"},
        "/dept/orders/<number>/<action>": {},
        "/dept/bulk": {"action": "sign", "numbers": world.order_a},
        "/supervisor/bulk-dispatch": {"numbers": world.order_a, "unit": UNIT_B},
        "/kb/feedback": {"kind": "not_helpful", "article_id": world.article_id},
        "/kb/articles/<article_id>/text": {"call_id": str(world.call_id)},
        "/admin/menu/<int:option_id>": {"priority": "0", "label": "普通话", "label_en": "x"},
        "/admin/workorders/rules": {"unit": UNIT_B, "category": CATEGORY_B},
        "/admin/workorders/rules/<int:rule_id>/active": {"active": "0"},
        "/admin/workorders/calendar": {"day": world.day, "working": "0", "note": "假日"},
        "/admin/workorders/contacts": {"unit": UNIT_A, "phone": "", "email": ""},
        "/admin/transfer-directory": {"id": "", "name": "公安报警", "number": "110"},
        "/admin/wrap-up-reasons": {"code": "other", "name": "其他", "name_en": "Other"},
        "/admin/users": {"username": "matrix", "role": "monitor", "password": "x" * 12},
        "/admin/users/<int:user_id>": {"role": "department", "unit": UNIT_B},
        "/admin/users/<int:user_id>/password": {"password": "y" * 12},
        "/admin/users/<int:user_id>/active": {"active": "1"},
        "/open311/v2/requests.<any(json, xml):fmt>": {
            "api_key": world.tokens["open311"] if principal.name == "token:open311" else "",
            "service_code": CATEGORY_A,
            "description": "路灯不亮",
            "address_string": "天河路 1 号",
        },
    }
    jsons = {
        "/api/v1/session": {"username": "nobody", "password": "wrong"},
        "/api/v1/agent/state": {"state": "offline"},
        "/api/v1/agent/calls/<int:call_id>/transfer": {"kind": "queue", "target": "general"},
        "/api/v1/workorders": {"category": CATEGORY_A, "description": "x"},
        "/api/v1/workorders/<number>/actions": {"action": "add_facts", "note": "补充"},
    }
    if method == "GET":
        return {}
    if rule.startswith("/api/"):
        return {"json": jsons.get(rule, {})}
    return {"form": forms.get(rule, {})}


def outcome(response) -> str:
    status = response.status_code
    assert status < 500, status
    if status == 302 and urlsplit(response.location).path == "/login":
        return "L"
    if status in (401, 403, 404, 405):
        return str(status)
    return "ok"


def readable(response) -> str:
    """The body as a person would read it (JSON with its characters unescaped)."""
    if response.is_json:
        return json.dumps(response.get_json(), ensure_ascii=False)
    if response.mimetype == "application/pdf":
        return ""
    return response.get_data(as_text=True)


def changes_reference_data(name: str):
    # The admin's forms change the voice menu, which is reloaded after (the calendar
    # overrides are emptied after every test).
    marks = [pytest.mark.changes_reference_data] if name == "admin" else []
    return pytest.param(name, marks=marks)


@pytest.mark.parametrize("name", [changes_reference_data(name) for name in PRINCIPALS])
def test_each_principal_gets_what_the_table_says_on_every_route(app, observer, name):
    world = arrange(app, observer)
    principal = Principal(app, world, name)
    ordered = sorted(routes(app), key=lambda route: route in ENDS_THE_LOGIN)
    wrong, seen = [], []
    for method, rule in ordered:
        expected = expected_for(method, rule)
        assert expected is not None, f"{method} {rule} has no row in EXPECTED_TABLE"
        response = principal.request(
            method, path_of(rule, world), **body_of(method, rule, principal)
        )
        got = outcome(response)
        if got != expected[name]:
            wrong.append(f"{method} {rule}: expected {expected[name]}, got {response.status_code}")
        if got == "ok":
            seen.append((rule, readable(response)))
        response.close()
        if (method, rule) in ENDS_THE_LOGIN:
            principal.log_in()
    assert not wrong, "\n".join(wrong)

    if name in ("anonymous", "monitor", "token:monitor", "token:open311"):
        # Monitors and Open311 never see who the citizen is; monitors not even where,
        # except in the Open311 requests, public to all, which name the problem's place.
        for rule, body in seen:
            where = (CITIZEN_ADDRESS,) if "monitor" in name and "open311" not in rule else ()
            for text in PERSONAL + where:
                assert text not in body, f"{name} saw {text!r} on {rule}"


# -- across units: staff of unit A and unit A's token never reach unit B's orders -----------


def guessed_numbers(world: World) -> list[str]:
    """B's order, and numbers next to the real ones that someone might try."""
    day, serial = world.order_b.split("-")
    return [
        world.order_b,
        f"{day}-{int(serial) + 50:06d}",
        f"{day}-{int(serial) + 100:06d}",
        "19990101-000001",
        world.order_b.lower() + "%",
    ]


def state_of(observer, number: str) -> tuple[str, int]:
    observer.expire_all()
    order = observer.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
    return order.status, order.version


def test_unit_a_staff_never_read_nor_act_on_unit_b_orders_in_the_portal(app, observer):
    world = arrange(app, observer)
    staff = Principal(app, world, "department")
    before = state_of(observer, world.order_b)

    listing = staff.request("GET", "/dept/?all=1").get_data(as_text=True)
    assert world.order_a in listing and world.order_b not in listing
    missing = staff.request("GET", "/dept/orders/19990101-000001")
    for number in guessed_numbers(world):
        page = staff.request("GET", f"/dept/orders/{number}")
        assert page.status_code == 404, number
        # As for an order that does not exist: nothing of B's order shows, only the number
        # asked for in the sentence saying there is no such order.
        body = page.get_data(as_text=True)
        assert body.count(number) == body.count(f"没有工单 {number}") == 1, number
        assert UNIT_B not in body and "养老金" not in body, number
        assert page.get_data(as_text=True).count("<") == missing.get_data(as_text=True).count("<")
        for action in ("sign", "start", "reply", "return", "request_extension"):
            response = staff.request(
                "POST", f"/dept/orders/{number}/{action}", form={"note": "x", "reply": "x"}
            )
            assert response.status_code == 404, (number, action)
    bulk = staff.request("POST", "/dept/bulk", form={"action": "sign", "numbers": world.order_b})
    assert bulk.status_code == 302
    assert state_of(observer, world.order_b) == before
    # The unit's own order, the same way, is theirs to sign.
    staff.request("POST", f"/dept/orders/{world.order_a}/sign", form={})
    assert state_of(observer, world.order_a)[0] == "signed"


@pytest.mark.parametrize("name", ["department", "token:department"])
def test_unit_a_never_reads_nor_acts_on_unit_b_orders_through_the_api(app, observer, name):
    world = arrange(app, observer)
    unit_a = Principal(app, world, name)
    before = state_of(observer, world.order_b)

    listed = unit_a.request("GET", "/api/v1/workorders?limit=500").get_json()["orders"]
    numbers = {order["number"] for order in listed}
    assert world.order_a in numbers and world.order_b not in numbers
    assert all(order["unit"] == UNIT_A for order in listed)
    for status in ("dispatched", "new", "signed"):
        listed = unit_a.request("GET", f"/api/v1/workorders?status={status}").get_json()
        assert world.order_b not in {order["number"] for order in listed["orders"]}
    for number in guessed_numbers(world):
        response = unit_a.request("GET", f"/api/v1/workorders/{number}")
        assert response.status_code == 404, number
        assert response.get_json() == {"error": f"没有工单 {number}", "status": 404}
        for action in ("sign", "start", "reply", "return", "request_extension", "add_facts"):
            response = unit_a.request(
                "POST",
                f"/api/v1/workorders/{number}/actions",
                json={"action": action, "note": "x", "working_days": 2},
            )
            assert response.status_code == 404, (number, action)
    assert state_of(observer, world.order_b) == before
    signed = unit_a.request(
        "POST", f"/api/v1/workorders/{world.order_a}/actions", json={"action": "sign"}
    )
    assert signed.status_code == 200 and signed.get_json()["status"] == "signed"


def test_a_unit_b_token_reads_b_but_not_a(app, observer):
    """The same from the other side, so the refusals above are about the unit."""
    world = arrange(app, observer)
    from tests.http.security_world import issue_token

    headers = {"Authorization": f"Bearer {issue_token(app, 'department', UNIT_B)}"}
    client = app.test_client()
    assert client.get(f"/api/v1/workorders/{world.order_b}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/workorders/{world.order_a}", headers=headers).status_code == 404


# -- personal data: monitors and Open311 ----------------------------------------------------


def test_open311_never_shows_who_the_citizen_is_in_either_format(app, observer):
    world = arrange(app, observer)
    client = app.test_client()
    for fmt in ("json", "xml"):
        for path in (
            f"/open311/v2/requests.{fmt}",
            f"/open311/v2/requests.{fmt}?status=open",
            f"/open311/v2/requests.{fmt}?service_request_id={world.order_a},{world.order_b}",
            f"/open311/v2/requests/{world.order_a}.{fmt}",
            f"/open311/v2/tokens/{world.ticket}.{fmt}",
        ):
            response = client.get(path)
            assert response.status_code == 200, path
            body = response.get_data(as_text=True)
            for text in PERSONAL:
                assert text not in body, (path, text)
        listed = client.get(f"/open311/v2/requests.{fmt}").get_data(as_text=True)
        assert "养老金本月未到账" in listed  # the problem itself is public
        assert "***" in listed


def test_monitors_see_figures_not_citizens_in_every_format(app, observer):
    arrange(app, observer)
    from tests.http.security_world import issue_token

    headers = {"Authorization": f"Bearer {issue_token(app, 'monitor')}"}
    client = app.test_client()
    seen = 0
    every_grouping = [
        f"/api/v1/reports/work-orders?by={by}"
        for by in ("total", "unit", "category", "district", "channel", "day", "month")
    ]
    for path in (
        "/api/v1/reports/closure",
        "/api/v1/reports/bulletin",
        "/api/v1/reports/call-trend",
        "/api/v1/reports/calls?by=line",
        *every_grouping,
    ):
        for fmt in ("json", "csv"):
            separator = "&" if "?" in path else "?"
            # (the call figures are JSON only and ignore the format)
            response = client.get(f"{path}{separator}format={fmt}", headers=headers)
            assert response.status_code == 200, path
            body = readable(response)
            for text in (*PERSONAL, CITIZEN_ADDRESS, "养老金本月未到账"):
                assert text not in body, (path, fmt, text)
            seen += 1
    assert seen == 22
