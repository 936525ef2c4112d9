"""Hostile input: SQL in every search and filter, markup in stored text, forms without their
CSRF token, and bodies larger than the server takes. Never a 500, never a change."""

from __future__ import annotations

import io
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from hotline.app import csrf
from hotline.models import Base
from tests.conftest import PUBLIC_URL, override, sign
from tests.http.security_world import CATEGORY_A, Principal, arrange
from tests.http.test_authorization_matrix import body_of, expected_for, path_of, routes

SQL = (
    "' OR 1=1 --",
    "' OR '1'='1",
    "'; DROP TABLE calls; --",
    "'; DROP TABLE work_orders; --",
    "%' UNION SELECT username, password_hash FROM users --",
    "1) OR (1=1",
    '" OR ""="',
    "1; SELECT pg_sleep(5); --",
    "%",
    "_",
    "\\",
)
# Not SQL, but what a fuzzer sends next: other digits, huge numbers, edge dates, NUL.
ODD = ("²", "٣", "9" * 30, "9" * 5000, "-1", "0001-01-01", "9999-12-31", "2026-02-30", "\x00")
PAYLOADS = SQL + ODD

# Every search and filter parameter, with who may use it: (principal, path, parameters).
FILTERS = (
    ("supervisor", "/api/v1/kb/search?q=养老金", ("q", "category", "unit", "lang", "limit")),
    ("supervisor", "/api/v1/workorders", ("status", "open", "limit")),
    ("token:department", "/api/v1/workorders", ("status", "open", "limit")),
    ("department", "/dept/", ("all",)),
    ("supervisor", "/reports/", ("start", "end", "by")),
    ("supervisor", "/reports/figures.csv", ("start", "end", "by")),
    ("supervisor", "/reports/bulletin", ("month",)),
    ("supervisor", "/reports/bulletin.csv", ("month",)),
    ("supervisor", "/reports/bulletin.pdf", ("month",)),
    ("supervisor", "/reports/agents", ("month",)),
    ("supervisor", "/reports/kb-gaps", ("days",)),
    ("admin", "/admin/", ("lang",)),
    ("admin", "/admin/workorders/", ("lang",)),
    ("token:monitor", "/api/v1/reports/closure", ("start", "end", "format")),
    ("token:monitor", "/api/v1/reports/work-orders", ("start", "end", "by", "format")),
    ("token:monitor", "/api/v1/reports/bulletin", ("month", "format")),
    ("token:monitor", "/api/v1/reports/call-trend", ("start", "end", "by", "format")),
    ("token:monitor", "/api/v1/reports/calls", ("from", "to", "by")),
    (
        "anonymous",
        "/open311/v2/requests.json",
        (
            "service_request_id",
            "service_code",
            "status",
            "start_date",
            "end_date",
            "page",
            "page_size",
        ),
    ),
    ("anonymous", "/open311/v2/requests.xml", ("service_request_id", "service_code", "status")),
    ("anonymous", "/login", ("next",)),
)
# Ids in paths, guessed or hostile: (principal, path with {} for the id).
PATH_IDS = (
    ("supervisor", "/console/orders/{}"),
    ("department", "/dept/orders/{}"),
    ("supervisor", "/api/v1/workorders/{}"),
    ("token:department", "/api/v1/workorders/{}"),
    ("anonymous", "/open311/v2/requests/{}.json"),
    ("anonymous", "/open311/v2/services/{}.json"),
    ("anonymous", "/open311/v2/tokens/{}.xml"),
)
CORE_TABLES = ("calls", "work_orders", "users", "units", "categories", "kb_articles", "api_tokens")


def counts(observer) -> dict[str, int]:
    return {name: observer.scalar(sa.text(f"SELECT count(*) FROM {name}")) for name in CORE_TABLES}


def rows_in(response) -> int | None:
    """How many records a list answered with, for the lists that have records."""
    if response.status_code != 200:
        return None
    if response.is_json:
        body = response.get_json()
        if isinstance(body, list):
            return len(body)
        if "orders" in body:
            return len(body["orders"])
        if "results" in body:
            return len(body["results"])
    if response.mimetype == "text/xml":
        return response.get_data(as_text=True).count("<request>")
    return None


@pytest.fixture
def world(app, observer):
    override(app, api_rate_limit=100_000)  # hundreds of requests from one token here
    return arrange(app, observer)


def test_sql_and_odd_values_in_every_filter_never_fail_nor_widen(app, observer, world):
    principals = {}
    before = counts(observer)
    tried = 0
    for name, path, parameters in FILTERS:
        principal = principals.setdefault(name, Principal(app, world, name))
        baseline = principal.request("GET", path)
        assert baseline.status_code == 200, (path, baseline.status_code)
        most = rows_in(baseline)
        for parameter in parameters:
            for payload in PAYLOADS:
                separator = "&" if "?" in path else "?"
                response = principal.client.get(
                    f"{path}{separator}{urlencode({parameter: payload})}",
                    headers=principal.headers,
                )
                tried += 1
                status = response.status_code
                assert status in (200, 302, 400, 404), (path, parameter, payload, status)
                if most is not None and status == 200 and parameter != "q":
                    got = rows_in(response)
                    assert got is not None and got <= most, (path, parameter, payload, got)
                if parameter == "service_request_id" and status == 200:
                    assert rows_in(response) == 0, payload
                response.close()
    assert counts(observer) == before
    assert set(Base.metadata.tables) <= set(sa.inspect(observer.get_bind()).get_table_names())
    assert tried == sum(len(p) for _, _, p in FILTERS) * len(PAYLOADS)


def test_hostile_ids_in_paths_are_not_found(app, observer, world):
    before = counts(observer)
    for name, template in PATH_IDS:
        principal = Principal(app, world, name)
        for payload in (*PAYLOADS, "..%2F..%2Fetc%2Fpasswd", world.order_b + "' OR '1'='1"):
            if payload in ("\\",) and "open311" in template:
                continue  # a backslash cannot end an Open311 resource name
            response = principal.request("GET", template.format(payload))
            assert response.status_code in (400, 404), (template, payload, response.status_code)
            response.close()
    assert counts(observer) == before


def test_huge_and_odd_ids_in_int_routes_are_not_found(app, observer, world):
    supervisor = Principal(app, world, "supervisor")
    for path in (
        "/console/conversations/99999999999999999999",
        "/console/conversations/2147483648/version",
        "/api/v1/agent/calls/99999999999999999999/resolve",
    ):
        method = "POST" if path.endswith("resolve") else "GET"
        response = supervisor.request(method, path, json={} if method == "POST" else None)
        assert response.status_code == 404, path
    response = supervisor.request(
        "POST", f"/console/calls/{2**31}/resolve", form={"article_id": world.article_id}
    )
    assert response.status_code == 404


def test_numbers_in_forms_and_json_are_checked_not_trusted(app, observer, world):
    supervisor = Principal(app, world, "supervisor")
    before = counts(observer)
    response = supervisor.request(
        "POST", "/api/v1/workorders", json={"category": CATEGORY_A, "call_id": 10**20}
    )
    assert response.status_code == 400 and "call_id" in response.get_json()["error"]
    response = supervisor.request(
        "POST",
        f"/api/v1/workorders/{world.order_a}/actions",
        json={"action": "add_facts", "note": "x", "version": 2**63},
    )
    assert response.status_code == 400
    for value in ("²", "9" * 5000, "-1"):
        response = supervisor.request(
            "POST", "/kb/feedback", form={"kind": "inserted", "article_id": "x", "call_id": value}
        )
        assert response.status_code == 400, value
    staff = Principal(app, world, "department")
    response = staff.request(
        "POST",
        f"/dept/orders/{world.order_a}/request_extension",
        form={"working_days": "²", "note": "x"},
    )
    assert response.status_code == 302
    assert counts(observer) == before


# -- stored markup is shown as text -------------------------------------------------------

XSS = ("<script>window.__xss=1</script>", '"><img src=x onerror=window.__xss=1>')


def test_markup_stored_in_orders_and_texts_comes_back_escaped(app, observer, world):
    supervisor = Principal(app, world, "supervisor")
    numbers = []
    for payload in XSS:
        response = supervisor.request(
            "POST",
            "/api/v1/workorders",
            json={
                "category": CATEGORY_A,
                "description": payload,
                "citizen_name": payload,
                "address": payload,
                "district": "GZ-TH",
            },
        )
        assert response.status_code == 201
        numbers.append(response.get_json()["number"])
    staff = Principal(app, world, "department")
    pages = [
        (supervisor, "/supervisor/"),
        (staff, "/dept/"),
        *((supervisor, f"/console/orders/{n}") for n in numbers),
        *((staff, f"/dept/orders/{n}") for n in numbers),
    ]
    for principal, page in pages:
        body = principal.request("GET", page).get_data(as_text=True)
        for payload in XSS:
            assert payload not in body, page
        assert "window.__xss" in body or page in ("/supervisor/", "/dept/"), page


# -- CSRF ---------------------------------------------------------------------------------

JSON_BLUEPRINTS = {"agent_api", "workorder_api"}
SIGNED_BLUEPRINTS = {"voice", "sms", "open311"}  # Twilio's signature, Open311's api_key


# Logging the principals in (and their last-seen times) is the login's own record, not a
# change any form made.
LOGIN_RECORDS = {"login_sessions", "login_throttles"}


def snapshot(observer) -> dict[str, list]:
    """Everything in the database but the login records, to see that nothing changed."""
    observer.expire_all()
    return {
        table.name: sorted(map(repr, observer.execute(sa.select(table)).all()))
        for table in Base.metadata.sorted_tables
        if table.name not in LOGIN_RECORDS
    }


def changing_routes(app) -> list[tuple[str, str, str]]:
    found = []
    for method, rule in routes(app):
        if method == "GET":
            continue
        endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule)
        found.append((method, rule, endpoint.partition(".")[0]))
    return found


def test_only_the_json_and_signed_apis_are_exempt_from_csrf(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert {bp.name for bp in csrf._exempt_blueprints} == JSON_BLUEPRINTS | SIGNED_BLUEPRINTS
    assert not csrf._exempt_views


def allowed_principal(method: str, rule: str) -> str:
    """Someone the authorization table lets through, so only the token is missing."""
    expected = expected_for(method, rule)
    for name in ("agent", "supervisor", "department", "admin"):
        if expected[name] == "ok":
            return name
    return "supervisor"  # /login, /logout: anyone


@pytest.mark.changes_reference_data
def test_no_html_form_changes_anything_without_its_csrf_token(app, observer, world):
    principals = {}
    before = snapshot(observer)
    refused, forms = 0, 0
    for method, rule, blueprint in changing_routes(app):
        if blueprint in JSON_BLUEPRINTS | SIGNED_BLUEPRINTS:
            continue
        forms += 1
        name = allowed_principal(method, rule)
        principal = principals.setdefault(name, Principal(app, world, name))
        form = body_of(method, rule, principal).get("form", {})
        for token in (None, "", "forged-" + principal.csrf[7:], principal.csrf[::-1]):
            data = dict(form) if token is None else {**form, "csrf_token": token}
            response = principal.client.open(path_of(rule, world), method=method, data=data)
            assert response.status_code == 400, (rule, token, response.status_code)
            assert "CSRF" in response.get_data(as_text=True), rule
            refused += 1
    assert forms >= 25 and refused == 4 * forms
    assert snapshot(observer) == before


def test_the_json_apis_refuse_what_a_form_on_another_site_can_send(app, observer, world):
    principal = Principal(app, world, "supervisor")
    before = snapshot(observer)
    refused, apis = 0, 0
    for method, rule, blueprint in changing_routes(app):
        if blueprint not in JSON_BLUEPRINTS:
            continue
        apis += 1
        path = path_of(rule, world)
        for content_type, data in (
            ("application/x-www-form-urlencoded", "state=available&action=sign"),
            ("multipart/form-data; boundary=x", "--x--\r\n"),
            ("text/plain", '{"state": "available", "action": "sign"}'),
        ):
            response = principal.client.open(
                path, method=method, data=data, content_type=content_type
            )
            assert response.status_code == 415, (rule, content_type, response.status_code)
            refused += 1
    assert apis >= 10 and refused == 3 * apis
    assert snapshot(observer) == before


# -- oversize bodies ----------------------------------------------------------------------

LIMIT = 4096


def oversize_requests(world, principal: Principal):
    big = "x" * (LIMIT + 1)
    url = PUBLIC_URL + "/twilio/sms"
    sms = {"MessageSid": "SM" + "9" * 32, "From": "+8613700137009", "Body": big}
    return {
        "/login": {"form": {"username": big, "password": "x"}},
        "/console/work-orders": {"form": {"description": big, "category": CATEGORY_A}},
        "/dept/bulk": {"form": {"action": "sign", "numbers": big}},
        "/api/v1/workorders": {"json": {"category": CATEGORY_A, "description": big}},
        "/api/v1/session": {"json": {"username": big}},
        "/open311/v2/requests.json": {
            "form": {"api_key": world.tokens["open311"], "service_code": CATEGORY_A, "x": big}
        },
        "/twilio/sms": {"form": sms, "headers": {"X-Twilio-Signature": sign(url, sms)}},
        "/twilio/voice": {"form": {"CallSid": "CA" + "9" * 32, "SpeechResult": big}},
    }


def test_a_body_over_the_limit_is_a_clear_413_and_changes_nothing(app, observer, world):
    app.config["MAX_CONTENT_LENGTH"] = LIMIT  # what HOTLINE_MAX_BODY_BYTES sets
    supervisor = Principal(app, world, "supervisor")
    before = counts(observer)
    for path, request in oversize_requests(world, supervisor).items():
        form, json_body = request.get("form"), request.get("json")
        if form is not None and not path.startswith(("/twilio/", "/open311/")):
            form = {"csrf_token": supervisor.csrf, **form}
        response = supervisor.client.post(
            path, data=form, json=json_body, headers=request.get("headers", {})
        )
        assert response.status_code == 413, (path, response.status_code)
        text = response.get_data(as_text=True)
        assert f"larger than the {LIMIT} bytes" in text, (path, text[:200])
        if path.startswith(("/api/", "/twilio/")):
            assert response.get_json() == {
                "error": f"the request body is larger than the {LIMIT} bytes this server accepts",
                "status": 413,
            }
        if path.startswith("/open311/"):
            assert response.get_json()[0]["code"] == 413
    assert counts(observer) == before


def test_a_chunked_body_over_the_limit_is_refused_too(app, observer, world):
    app.config["MAX_CONTENT_LENGTH"] = LIMIT
    before = counts(observer)
    body = ("Body=" + "x" * (LIMIT * 2) + "&From=%2B8613700137009&MessageSid=SM1").encode()
    response = app.test_client().post(
        "/twilio/sms",
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked", "X-Twilio-Signature": "x"},
    )
    assert response.status_code in (403, 413)
    assert counts(observer) == before


def test_the_default_limit_is_one_mebibyte_and_real_webhooks_fit(app, client):
    assert app.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    response = client.post("/login", data={"username": "x" * (1024 * 1024)})
    assert response.status_code == 413
    # A text of 1,600 characters (ten SMS segments), as Twilio posts it, is far below.
    params = {"MessageSid": "SM" + "8" * 32, "From": "+8613700137008", "Body": "路" * 1600}
    response = client.post(
        "/twilio/sms",
        data=params,
        headers={"X-Twilio-Signature": sign(PUBLIC_URL + "/twilio/sms", params)},
    )
    assert response.status_code == 200
