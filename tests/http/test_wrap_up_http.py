"""Wrap-up over HTTP: the agent API and the console take a reason, refuse one that is not
the center's, and the admin edits the list (audited)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.db import utcnow
from hotline.models import AuditEvent
from routing.models import Call, WrapUpReason
from routing.services.agents import set_state
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_agent, make_call, make_user

pytestmark = pytest.mark.db


def wrapping_up(session):
    user, agent = make_agent(session)
    now = utcnow()
    call = make_call(session, status="completed", agent_id=agent.id, answered_at=now, ended_at=now)
    set_state(session, agent, "wrap_up", now)
    session.commit()
    return user, agent, call


def test_the_api_takes_a_reason_and_refuses_an_unknown_one(app, client, session, observer):
    user, _, call = wrapping_up(session)
    login(client, user.username, PASSWORD)
    status = client.get("/api/v1/agent/status").get_json()
    assert status["state"] == "wrap_up" and status["wrap_up_ends_at"]

    refused = client.post("/api/v1/agent/state", json={"state": "available", "wrap_up": "x1"})
    assert refused.status_code == 422  # the error map's answer to an invalid value
    assert "x1" in refused.get_json()["error"]
    assert observer.get(Call, call.id).wrap_up_code is None

    taken = client.post("/api/v1/agent/state", json={"state": "available", "wrap_up": "answered"})
    assert taken.status_code == 200 and taken.get_json()["state"] == "available"
    assert taken.get_json()["wrap_up_ends_at"] is None
    observer.expire_all()
    assert observer.get(Call, call.id).wrap_up_code == "answered"


def test_the_console_offers_the_reasons_in_the_page_language(app, client, session):
    user, _, _ = wrapping_up(session)
    login(client, user.username, PASSWORD)
    page = client.get("/console/").get_data(as_text=True)
    assert 'name="wrap_up" required' in page and "已登记工单" in page
    page = client.get("/console/?lang=en").get_data(as_text=True)
    assert "Work order filed" in page and "已登记工单" not in page


def test_the_admin_adds_renames_and_retires_a_reason(app, client, session, observer):
    admin = make_user(session, "admin")
    session.commit()
    login(client, admin.username, PASSWORD)
    post_form(client, "/admin/wrap-up-reasons", {"code": "policy", "name": "政策解释"}, "/admin/")
    post_form(
        client,
        "/admin/wrap-up-reasons",
        {"code": "policy", "name": "政策解读", "name_en": "Policy explained", "active": "0"},
        "/admin/",
    )
    reason = observer.get(WrapUpReason, "policy")
    assert (reason.name, reason.name_en, reason.active) == ("政策解读", "Policy explained", False)
    trail = observer.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.entity == "wrap_up_reason")
    ).all()
    assert trail == ["create", "update"]
    refused = post_form(
        client, "/admin/wrap-up-reasons", {"code": "Bad Code", "name": "x"}, "/admin/"
    )
    assert refused.status_code == 302  # back to the page, which says why
    assert "代码须以小写字母开头" in client.get("/admin/").get_data(as_text=True)
    assert observer.get(WrapUpReason, "Bad Code") is None
    with app.app_context():
        session.delete(session.get(WrapUpReason, "policy"))
        session.commit()
