"""One error map (hotline.views.errors): each domain error class has one status, and each
part of the site answers it its own way — JSON on the APIs, Open311's error list, and on
the console a redirect back to the form with the reason flashed (or the error page)."""

from __future__ import annotations

import inspect
import json
import re
from xml.etree import ElementTree

import pytest
from flask import Blueprint

from hotline.infra import context
from hotline.infra.database import dispose_engines
from hotline.infra.gateway import GatewayError
from hotline.services.admin import AdminError
from hotline.views import errors
from knowledge_base import errors as kb_errors
from routing import errors as routing_errors
from tests.conftest import app_with, csrf_token, login, post_form
from tests.factories import PASSWORD, make_agent, make_user
from workorders import errors as workorder_errors

INTENDED = {
    routing_errors.RoutingError: 422,
    routing_errors.CallUnavailable: 409,
    routing_errors.AgentNotReady: 409,
    routing_errors.NotEligible: 403,
    routing_errors.InvalidPhone: 422,
    routing_errors.InvalidNumber: 422,
    routing_errors.UnknownWrapUpReason: 422,
    routing_errors.UnknownTransferTarget: 404,
    workorder_errors.WorkOrderError: 422,
    workorder_errors.IllegalTransition: 409,
    workorder_errors.NotFound: 404,
    workorder_errors.InvalidWorkOrder: 422,
    workorder_errors.NotResponsible: 403,
    workorder_errors.Conflict: 409,
    workorder_errors.BindingDetermination: 409,
    workorder_errors.InvalidRule: 422,
    kb_errors.KnowledgeBaseError: 422,
    kb_errors.InvalidArticle: 422,
    kb_errors.ArticleNotFound: 404,
    kb_errors.InvalidTransition: 409,
    kb_errors.InvalidSynonyms: 422,
    AdminError: 422,
    GatewayError: 502,
}
MISSING = "20990101-000001"
STREET = "GZ-TH-SPJ"


def test_each_domain_error_class_has_its_intended_status():
    declared = {
        cls
        for module in (routing_errors, workorder_errors, kb_errors)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Exception) and cls.__module__ == module.__name__
    }
    assert declared - set(INTENDED) == set(), "a new error class needs its row here"
    got = {cls: errors.status_of(cls.__new__(cls)) for cls in INTENDED}
    assert got == INTENDED


# -- each kind, as each part of the site answers it ---------------------------------------

SENTENCES = {
    "not_found": (workorder_errors.NotFound("没有工单 {number}", number="1"), 404),
    "forbidden": (
        workorder_errors.NotResponsible(
            "{unit} 是工单 {number} 的协办单位，只有主办单位 {lead_unit} 可以办理",
            unit="NO-A",
            number="1",
            lead_unit="NO-B",
        ),
        403,
    ),
    "conflict": (
        workorder_errors.Conflict(
            "工单 {number} 已被他人修改，请刷新后重试", number="20260101-000001"
        ),
        409,
    ),
    "invalid": (workorder_errors.InvalidWorkOrder("未知的分类“{code}”", code="NOPE"), 422),
    "upstream": (GatewayError("Twilio could not be reached"), 502),
}
# The same, as the English switch says them.
IN_ENGLISH = {
    "not_found": "no work order 1",
    "forbidden": "NO-A assists with work order 1; only its lead unit NO-B can do this",
    "conflict": (
        "work order 20260101-000001 was changed by someone else at the same time; reload it "
        "and try again"
    ),
    "invalid": "unknown category “NOPE”",
    "upstream": "Twilio could not be reached",
}


@pytest.fixture
def probed(database_url, tmp_path):
    """The app with routes that raise each kind of domain error, under each part of it."""
    probe = Blueprint("probe", __name__)

    def refuse(kind: str):
        raise SENTENCES[kind][0]

    probe.add_url_rule("/api/v1/probe/<kind>", "api", refuse)
    probe.add_url_rule("/open311/v2/probe/<kind>.<fmt>", "open311", lambda kind, fmt: refuse(kind))
    probe.add_url_rule("/console/probe/<kind>", "page", refuse)
    probe.add_url_rule(
        "/console/probe/<kind>",
        "form",
        errors.back_to("probe.back", "kind")(refuse),
        methods=["POST"],
    )
    probe.add_url_rule("/console/probe/<kind>/back", "back", lambda kind: "back")
    app = app_with(database_url, tmp_path)
    app.register_blueprint(probe)
    yield app
    dispose_engines(app)


@pytest.mark.parametrize("kind", list(SENTENCES))
def test_the_json_apis_answer_the_status_and_the_sentence(probed, kind):
    error, status = SENTENCES[kind]
    response = probed.test_client().get(f"/api/v1/probe/{kind}")
    assert response.status_code == status
    assert response.get_json() == {"error": str(error), "status": status}
    english = probed.test_client().get(f"/api/v1/probe/{kind}?lang=en")
    assert english.get_json() == {"error": IN_ENGLISH[kind], "status": status}


@pytest.mark.parametrize("kind", list(SENTENCES))
def test_open311_answers_its_own_error_list(probed, kind):
    error, status = SENTENCES[kind]
    status = 400 if status == 422 else status  # GeoReport v2 has only 400 for a bad request
    client = probed.test_client()
    response = client.get(f"/open311/v2/probe/{kind}.json")
    assert response.status_code == status
    assert json.loads(response.data) == [{"code": status, "description": str(error)}]
    xml = client.get(f"/open311/v2/probe/{kind}.xml")
    assert xml.status_code == status and xml.mimetype == "text/xml"
    entry = ElementTree.fromstring(xml.data).find("error")
    assert (entry.findtext("code"), entry.findtext("description")) == (str(status), str(error))
    english = client.get(f"/open311/v2/probe/{kind}.json?lang=en")
    assert json.loads(english.data) == [{"code": status, "description": IN_ENGLISH[kind]}]


@pytest.mark.parametrize("kind", list(SENTENCES))
def test_a_console_page_without_a_form_shows_the_error_page(probed, kind):
    error, status = SENTENCES[kind]
    response = probed.test_client().get(f"/console/probe/{kind}")
    assert response.status_code == status
    assert str(error) in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", [kind for kind in SENTENCES if kind != "not_found"])
def test_a_refused_console_form_goes_back_with_the_sentence_flashed(probed, kind):
    error, status = SENTENCES[kind]
    client = probed.test_client()
    response = client.post(
        f"/console/probe/{kind}", data={"csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/console/probe/{kind}/back")
    with client.session_transaction() as cookie:
        (flashed,) = [message for _, message in cookie["_flashes"]]
    assert flashed == (f"操作冲突: {error}" if status == 409 else str(error))
    client.get("/login?lang=en")
    client.post(f"/console/probe/{kind}", data={"csrf_token": csrf_token(client, "/login")})
    with client.session_transaction() as cookie:
        (flashed,) = [message for _, message in cookie["_flashes"]]
    assert flashed == (f"Conflict: {IN_ENGLISH[kind]}" if status == 409 else IN_ENGLISH[kind])


def test_a_missing_thing_behind_a_form_is_the_404_page(probed):
    client = probed.test_client()
    response = client.post(
        "/console/probe/not_found", data={"csrf_token": csrf_token(client, "/login")}
    )
    assert response.status_code == 404
    assert "没有工单 1" in response.get_data(as_text=True)


# -- the real views ------------------------------------------------------------------------


def flashes(page) -> str:
    return " ".join(re.findall(r'<div class="flash"[^>]*>([^<]*)</div>', page.get_data(True)))


def api_login(client, user):
    response = client.post(
        "/api/v1/session", json={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 200, response.data


def department_token(app) -> str:
    result = app.test_cli_runner().invoke(
        args=["token", "create", "--role", "department", "--unit", STREET, "--name", "case"]
    )
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_a_conflict_on_the_agent_api_is_409_with_a_sentence(client, observer):
    user, _ = make_agent(observer)
    observer.commit()
    api_login(client, user)
    response = client.post("/api/v1/agent/reservations/12345/accept", json={})
    assert response.status_code == 409
    assert response.get_json() == {"error": "这通来电已不再分配给您", "status": 409}
    english = client.post("/api/v1/agent/reservations/12345/accept?lang=en", json={})
    assert english.get_json() == {"error": "this call is no longer offered to you", "status": 409}


def test_a_bad_value_on_the_agent_api_is_422_and_a_bad_type_400(client, observer):
    user, _ = make_agent(observer)
    observer.commit()
    api_login(client, user)
    path = "/api/v1/agent/calls/12345/work-orders"
    unknown = client.post(path, json={"category": "NO.SUCH", "description": "x"})
    assert unknown.status_code == 422
    assert unknown.get_json() == {"error": "未知的分类“NO.SUCH”", "status": 422}
    typed = client.post(path, json={"category": 7, "description": "x"})
    assert typed.get_json() == {"error": "category must be a string", "status": 400}
    assert client.post(path, json=[]).status_code == 400
    assert client.post(path, data="category=x").status_code == 415


def test_a_missing_order_is_404_on_both_apis_and_the_portal(app, client, observer):
    agent, _ = make_agent(observer)
    staff = make_user(observer, "department", unit_code=STREET)
    observer.commit()
    sentence = f"没有工单 {MISSING}"
    api_login(client, agent)
    token = {"Authorization": f"Bearer {department_token(app)}"}
    for headers in ({}, token):
        read = client.get(f"/api/v1/workorders/{MISSING}", headers=headers)
        acted = client.post(
            f"/api/v1/workorders/{MISSING}/actions", json={"action": "sign"}, headers=headers
        )
        for response in (read, acted):
            assert response.status_code == 404
            assert response.get_json() == {"error": sentence, "status": 404}
    console = client.get(f"/console/orders/{MISSING}")
    assert console.status_code == 404 and sentence in console.get_data(as_text=True)

    portal = app.test_client()
    login(portal, staff.username, PASSWORD)
    page = portal.get(f"/dept/orders/{MISSING}")
    assert page.status_code == 404 and sentence in page.get_data(as_text=True)
    token = csrf_token(portal, "/dept/")
    signed = portal.post(f"/dept/orders/{MISSING}/sign", data={"csrf_token": token})
    assert signed.status_code == 404 and sentence in signed.get_data(as_text=True)


def test_a_refused_portal_action_keeps_the_user_on_the_order_page(app, client, observer):
    agent, _ = make_agent(observer)
    staff = make_user(observer, "department", unit_code=STREET)
    observer.commit()
    api_login(client, agent)
    order = client.post(
        "/api/v1/workorders",
        json={
            "category": "URBAN.MANHOLE",
            "district": "GZ-TH",
            "street": STREET,
            "address": "天河路 100 号",
            "description": "路口井盖缺失",
        },
    ).get_json()
    page = f"/dept/orders/{order['number']}"
    portal = app.test_client()
    login(portal, staff.username, PASSWORD)
    said = flashes(portal.get(post_form(portal, f"{page}/sign", {}, page).location))
    assert said.startswith(f"工单 {order['number']} 已签收，承办期限 "), said

    again = portal.post(
        f"{page}/sign", data={"csrf_token": csrf_token(portal, page)}, follow_redirects=True
    )
    assert again.status_code == 200 and again.request.path == page
    assert flashes(again) == "操作冲突: 工单当前状态为“已签收”，不能签收"
    portal.get(f"{page}?lang=en")
    again = portal.post(
        f"{page}/sign", data={"csrf_token": csrf_token(portal, page)}, follow_redirects=True
    )
    assert (
        flashes(again) == "Conflict: a work order with the status “Signed for” cannot be signed for"
    )


def test_a_refused_console_action_keeps_the_agent_on_the_console(client, observer):
    user, _ = make_agent(observer)
    observer.commit()
    login(client, user.username, PASSWORD)
    response = client.post(
        "/console/calls/12345/accept",
        data={"csrf_token": csrf_token(client, "/console/")},
        follow_redirects=True,
    )
    assert response.status_code == 200 and response.request.path == "/console/"
    assert flashes(response) == "操作冲突: 这通来电已不再分配给您"
    assert context.gateway(client.application).sent() == []
    client.get("/console/?lang=en")
    response = client.post(
        "/console/calls/12345/accept",
        data={"csrf_token": csrf_token(client, "/console/")},
        follow_redirects=True,
    )
    assert flashes(response) == "Conflict: this call is no longer offered to you"


def test_the_error_pages_speak_the_pages_language(client):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    page = missing.get_data(as_text=True)
    assert "404 页面不存在" in page and "Not Found" not in page and "找不到您要的页面" in page
    wrong = client.get("/console/finish")
    assert wrong.status_code == 405
    assert "405 操作方式不允许" in wrong.get_data(as_text=True)
    client.get("/login?lang=en")
    english = client.get("/no/such/page").get_data(as_text=True)
    assert "404 Not found" in english and "页面不存在" not in english
