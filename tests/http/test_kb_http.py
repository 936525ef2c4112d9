"""The knowledge base in the console over HTTP: search API, panel, feedback, texting, gaps."""

import sqlalchemy as sa

from knowledge_base.models import Feedback, SearchLog
from knowledge_base.services import import_article
from routing import services as routing
from routing.models import Call
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, make_agent, make_call, make_user

ARTICLE = {
    "id": "HL-9200",
    "title": "租房提取住房公积金",
    "questions": ["租房可以取公积金吗？"],
    "answer": "无房职工租房自住的，可每年提取一次住房公积金支付房租。",
    "keywords": ["租房提取"],
    "category": "HPF.WITHDRAW",
}


def arrange(observer, role="agent"):
    import_article(observer, ARTICLE)
    user = make_agent(observer)[0] if role == "agent" else make_user(observer, role)
    observer.commit()
    return user


def test_the_search_api_answers_agents_with_ranked_articles(client, observer):
    user = arrange(observer)
    assert client.get("/api/v1/kb/search?q=公积金").status_code == 401
    login(client, user.username, PASSWORD)
    assert client.get("/api/v1/kb/search").status_code == 400
    assert client.get("/api/v1/kb/search?q=x&limit=99").status_code == 400
    data = client.get("/api/v1/kb/search?q=工积金能交房租吗").get_json()
    assert data["query"] == "工积金能交房租吗"
    first = data["results"][0]
    assert (first["id"], first["title"]) == ("HL-9200", "租房提取住房公积金")
    assert first["answer"].startswith("无房职工")
    assert 0 < first["score"] <= 100 and "confidence" in first
    assert client.get("/api/v1/kb/search?q=公积金&lang=en").get_json()["results"] == []
    logged = observer.scalars(sa.select(SearchLog.query)).all()
    assert "工积金能交房租吗" in logged


def test_not_helpful_feedback_is_recorded_and_shown_in_the_gap_report(client, observer):
    agent = arrange(observer)
    supervisor = make_user(observer, "supervisor")
    observer.commit()
    login(client, agent.username, PASSWORD)
    token = csrf_token(client, "/console/")
    answer = client.post(
        "/kb/feedback",
        data={
            "article_id": "HL-9200",
            "kind": "not_helpful",
            "query": "公积金",
            "csrf_token": token,
        },
    )
    assert answer.get_json() == {"ok": True}
    missing = {"article_id": "NOPE", "kind": "not_helpful", "csrf_token": token}
    assert client.post("/kb/feedback", data=missing).status_code == 404
    bad_kind = {"article_id": "HL-9200", "kind": "texted", "csrf_token": token}
    assert client.post("/kb/feedback", data=bad_kind).status_code == 400
    assert client.post("/kb/feedback", data={"article_id": "HL-9200"}).status_code == 400

    client.get("/api/v1/kb/search?q=<script>alert(1)</script>白蚁")
    client.post("/logout", data={"csrf_token": token})
    login(client, supervisor.username, PASSWORD)
    page = client.get("/reports/kb-gaps").get_data(as_text=True)
    assert 'data-article-id="HL-9200"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;白蚁" in page
    assert "<script>alert(1)" not in page
    assert client.get("/reports/kb-gaps?days=5").status_code == 400


def test_the_gap_report_is_for_supervisors(client, observer):
    agent = arrange(observer)
    login(client, agent.username, PASSWORD)
    assert client.get("/reports/kb-gaps").status_code == 403


def test_an_answer_is_texted_to_the_caller_once(client, observer, gateway):
    agent = arrange(observer)
    call = make_call(observer, agent_id=routing.agent_for_user(observer, agent.id).id)
    observer.commit()
    login(client, agent.username, PASSWORD)
    token = csrf_token(client, "/console/")
    sent = client.post(
        "/kb/articles/HL-9200/text", data={"call_id": str(call.id), "csrf_token": token}
    )
    assert sent.get_json() == {"ok": True, "queued": True}
    (sms,) = [r for r in gateway.sent() if r["kind"] == "sms"]
    assert sms["to"] == "+8613800138000"
    assert "租房提取住房公积金" in sms["body"] and "HL-9200" in sms["body"]
    texted = observer.scalar(sa.select(Feedback).where(Feedback.kind == "texted"))
    assert texted.sent_at is not None and texted.call_id == call.id

    from hotline.tasks.kb import text_kb_answer

    with client.application.app_context():
        text_kb_answer(texted.id)
    assert len([r for r in gateway.sent() if r["kind"] == "sms"]) == 1
    no_call = {"csrf_token": token}
    assert client.post("/kb/articles/HL-9200/text", data=no_call).status_code == 400
    unknown = {"call_id": str(call.id), "csrf_token": token}
    assert client.post("/kb/articles/NOPE/text", data=unknown).status_code == 404


def test_the_panel_starts_from_the_callers_words_and_resolves_the_call(app):
    from flask import render_template

    call = Call(
        id=7,
        call_sid="CA1",
        from_number="13800138000",
        to_number="12345",
        entry="main",
        status="connected",
        speech_result='公积金<b>"交租"</b>',
    )
    with app.test_request_context("/console/"):
        html = render_template("kb_panel.html", call=call)
        alone = render_template("kb_panel.html", call=None)
    # Resolving goes through the agent API in place (kb_panel.js fills in the call's id).
    assert 'data-resolve-url="/api/v1/agent/calls/{call}/resolve"' in html
    assert 'data-call-id="7"' in html
    assert "公积金&lt;b&gt;&#34;交租&#34;&lt;/b&gt;" in html
    assert "<b>" not in html
    assert "kb_panel.js" in html and 'data-search-url="/api/v1/kb/search"' in html
    assert 'data-call-id=""' in alone
