"""Requests that once failed deep inside (a 500) or reached what they should not: a JSON body
nested thousands deep, ids of nothing, and someone else's caller."""

from __future__ import annotations

import json

import sqlalchemy as sa

from hotline.views.json_depth import MAX_JSON_DEPTH, json_depth
from knowledge_base.models import Feedback
from knowledge_base.services import import_article
from routing.models import Call
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_agent, make_call, make_user
from tests.http.test_authorization_matrix import routes
from tests.http.test_kb_http import ARTICLE


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_json_depth_counts_brackets_outside_strings_only():
    assert json_depth(b'{"a": [1, {"b": []}]}') == 4
    assert json_depth(b'"[[[[" ') == 0
    assert json_depth(b'["\\"[[", "\\\\", [[]]]') == 3
    assert json_depth(nested(5000).encode()) == 5000


def test_json_nested_thousands_deep_is_a_clear_400_on_every_route(app):
    client = app.test_client()
    body = nested(5000)
    count = 0
    for method, rule in routes(app):
        path = rule.replace("<int:", "<").replace("<path:", "<")
        path = "/".join("1" if part.startswith("<") else part for part in path.split("/"))
        response = client.open(path, method=method, data=body, content_type="application/json")
        assert response.status_code == 400, (method, rule, response.status_code)
        assert f"nests deeper than {MAX_JSON_DEPTH} levels" in response.get_data(as_text=True)
        count += 1
    assert count > 80


def test_json_as_deep_as_the_limit_and_brackets_in_strings_are_taken(client):
    for extra in (json.loads(nested(MAX_JSON_DEPTH - 1)), "[" * 5000):
        response = client.post(
            "/api/v1/session", json={"username": "nobody", "password": "x", "extra": extra}
        )
        assert response.status_code == 401, response.data[:200]


def desk(observer):
    """An agent on a call, another agent, a supervisor, and a published article."""
    import_article(observer, ARTICLE)
    user, agent = make_agent(observer)
    other, _ = make_agent(observer)
    supervisor = make_user(observer, "supervisor")
    call = make_call(observer, agent_id=agent.id)
    observer.commit()
    return user, other, supervisor, call.id


def test_resolving_with_an_unknown_article_is_a_404_and_changes_nothing(client, observer):
    user, _, _, call_id = desk(observer)
    login(client, user.username, PASSWORD)
    response = client.post(f"/api/v1/agent/calls/{call_id}/resolve", json={"article_id": "NOPE"})
    assert response.status_code == 404, response.data[:300]
    assert response.get_json()["error"] == "没有条目“NOPE”"
    observer.expire_all()
    call = observer.get(Call, call_id)
    assert (call.resolution, call.kb_article_id) == (None, None)
    response = client.post(
        f"/api/v1/agent/calls/{call_id}/resolve", json={"article_id": ARTICLE["id"]}
    )
    assert response.status_code == 200, response.data[:300]


def test_feedback_on_an_unknown_call_is_a_404(client, observer):
    user, _, _, call_id = desk(observer)
    login(client, user.username, PASSWORD)
    token = csrf_token(client, "/console/")
    form = {"article_id": ARTICLE["id"], "kind": "inserted", "csrf_token": token}
    response = client.post("/kb/feedback", data={**form, "call_id": "99999"})
    assert response.status_code == 404, response.data[:300]
    assert "no call 99999" in response.get_data(as_text=True)
    assert observer.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 0
    assert client.post("/kb/feedback", data={**form, "call_id": str(call_id)}).status_code == 200


def test_only_the_calls_agent_or_a_supervisor_texts_its_caller(app, client, observer, gateway):
    user, other, supervisor, call_id = desk(observer)
    path = f"/kb/articles/{ARTICLE['id']}/text"

    def text_as(who, call: int):
        person = app.test_client()
        login(person, who.username, PASSWORD)
        token = csrf_token(person, "/login")
        return person.post(path, data={"call_id": str(call), "csrf_token": token})

    for who, call in ((other, call_id), (user, 99999)):
        response = text_as(who, call)
        assert response.status_code == 404, response.data[:300]
        assert f"no call {call} of yours" in response.get_data(as_text=True)
    assert gateway.sent() == []
    assert observer.scalar(sa.select(sa.func.count()).select_from(Feedback)) == 0
    assert text_as(user, call_id).status_code == 200
    assert text_as(supervisor, call_id).status_code == 200
    assert [r["to"] for r in gateway.sent() if r["kind"] == "sms"] == ["+8613800138000"] * 2
