"""Articles through their life: draft, review, publish, edit while live, archive; and the
search index of every process following the database."""

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hotline import db
from hotline.db import utcnow
from knowledge_base import index, reports
from knowledge_base import services as kb
from knowledge_base.errors import InvalidTransition
from knowledge_base.models import ArticleVersion, IndexState
from knowledge_base.search import Ranking

RECORD = {
    "id": "HL-9100",
    "title": "井盖缺失怎么报修",
    "questions": ["路上井盖不见了找谁"],
    "answer": "井盖缺失由所在街道负责处置。",
    "keywords": ["井盖"],
    "category": "URBAN.MANHOLE",
}


def ids(ranking):
    return [hit.id for hit in ranking.hits]


def test_a_new_article_is_searchable_only_once_reviewed_and_published(session):
    kb.create_article(session, RECORD, "editor")
    session.commit()
    assert "HL-9100" not in ids(kb.search(session, "井盖不见了"))
    with pytest.raises(InvalidTransition):
        kb.publish_article(session, "HL-9100", "chief")
    kb.submit_for_review(session, "HL-9100", "editor")
    kb.publish_article(session, "HL-9100", "chief")
    session.commit()
    assert ids(kb.search(session, "井盖不见了"))[0] == "HL-9100"


def test_editing_a_published_article_keeps_the_live_one_until_the_draft_is_published(session):
    kb.import_article(session, RECORD, "import")
    session.commit()
    kb.edit_article(session, "HL-9100", {"title": "窨井盖缺失的报修", "answer": "新答案。"}, "ed")
    session.commit()
    article = kb.get_article(session, "HL-9100")
    assert (article.title, article.status, article.version) == ("井盖缺失怎么报修", "published", 1)
    assert kb.search(session, "窨井盖").hits[0].title == "井盖缺失怎么报修"

    kb.submit_for_review(session, "HL-9100", "ed")
    kb.publish_article(session, "HL-9100", "chief")
    session.commit()
    assert (article.title, article.answer, article.version) == ("窨井盖缺失的报修", "新答案。", 2)
    assert kb.search(session, "窨井盖").hits[0].title == "窨井盖缺失的报修"

    newest, first = kb.article_history(session, "HL-9100")
    assert (newest.number, newest.status, newest.created_by) == (2, "published", "ed")
    assert first.status == "superseded"
    assert {c.field for c in newest.changes} == {"title", "answer"}
    assert [(e.action, e.actor) for e in newest.events] == [
        ("edit", "ed"),
        ("submit", "ed"),
        ("publish", "chief"),
    ]


def test_an_archived_article_leaves_search_and_keeps_its_history(session):
    kb.import_article(session, RECORD)
    session.commit()
    kb.archive_article(session, "HL-9100", "chief", "policy replaced")
    session.commit()
    assert "HL-9100" not in ids(kb.search(session, "井盖不见了"))
    assert session.scalars(sa.select(ArticleVersion.status)).all() == ["archived"]
    with pytest.raises(InvalidTransition):
        kb.edit_article(session, "HL-9100", {"title": "x"}, "ed")


def test_importing_the_same_record_twice_changes_nothing(session):
    assert kb.import_article(session, RECORD)[1] == "created"
    assert kb.import_article(session, RECORD)[1] == "unchanged"
    assert kb.import_article(session, {**RECORD, "answer": "改了。"})[1] == "updated"
    generation = session.get(IndexState, index.STATE_ID).generation
    assert generation == 2


def test_a_publish_in_one_process_reaches_the_index_of_another(app, database_url):
    # Two engines stand for two web workers; each keeps its own index.
    engines = [db.create_engine(database_url) for _ in range(2)]
    one, other = (db.session_factory(engine)() for engine in engines)
    try:
        assert "HL-9100" not in ids(kb.search(other, "井盖不见了"))
        kb.import_article(one, RECORD)
        one.commit()
        time.sleep(index.CHECK_INTERVAL + 0.1)
        assert ids(kb.search(other, "井盖不见了"))[0] == "HL-9100"

        kb.edit_article(one, "HL-9100", {"title": "窨井盖报修"}, "ed")
        kb.submit_for_review(one, "HL-9100", "ed")
        kb.publish_article(one, "HL-9100", "chief")
        one.commit()
        # The publishing process sees it at once; the other within a second.
        assert kb.search(one, "井盖").hits[0].title == "窨井盖报修"
        time.sleep(index.CHECK_INTERVAL + 0.1)
        assert kb.search(other, "井盖").hits[0].title == "窨井盖报修"
    finally:
        for session, engine in zip((one, other), engines, strict=True):
            session.close()
            index.forget(engine)
            engine.dispose()


def test_an_edited_synonym_group_changes_what_search_finds(session):
    kb.import_article(session, {**RECORD, "title": "窨井盖缺失", "questions": [], "keywords": []})
    session.commit()
    assert not kb.search(session, "沙井盖").confident
    kb.save_synonym_group(session, ["窨井盖", "沙井盖"])
    session.commit()
    assert kb.search(session, "沙井盖").hits[0].id == "HL-9100"
    groups = kb.synonym_groups(session)
    assert ["窨井盖", "沙井盖"] in groups and ["社会保险", "社保"] in groups
    kb.delete_synonym_group(session, "窨井盖")
    session.commit()
    assert ["窨井盖", "沙井盖"] not in kb.synonym_groups(session)


def test_the_gap_report_counts_unanswered_searches_unhelpful_and_expired_articles(session):
    expired = {**RECORD, "valid_until": (utcnow() - timedelta(days=1)).isoformat()}
    kb.import_article(session, expired)
    unanswered = Ranking([], False)
    for actor in ("agent1", "agent2"):
        kb.log_search(session, "马拉松报名", unanswered, actor)
    kb.log_search(session, "井盖", kb.search(session, "井盖"), "agent3")
    kb.record_feedback(session, "HL-9100", "not_helpful", "agent1", query="井盖")
    kb.record_feedback(session, "HL-9100", "inserted", "agent2", query="井盖")
    session.commit()

    since = utcnow() - timedelta(days=7)
    (row,) = [r for r in reports.unanswered_queries(session, since) if r.example == "马拉松报名"]
    assert row.searches == 2
    (unhelpful,) = reports.unhelpful_articles(session, since)
    assert (unhelpful.id, unhelpful.not_helpful, unhelpful.last_query) == ("HL-9100", 1, "井盖")
    (in_use,) = reports.expired_in_use(session, utcnow(), {"HL-9100": (2, utcnow())})
    assert (in_use.id, in_use.uses) == ("HL-9100", 3)
    assert kb.search(session, "井盖").hits[0].expired


def test_typing_a_question_logs_one_search_not_one_per_pause(session):
    nothing = Ranking([], False)
    for prefix in ("公积", "公积金", "公积金装修"):
        kb.log_search(session, prefix, nothing, "agent1")
    kb.log_search(session, "社保卡", nothing, "agent1")
    session.commit()
    since = utcnow() - timedelta(hours=1)
    assert sorted(r.example for r in reports.unanswered_queries(session, since)) == [
        "公积金装修",
        "社保卡",
    ]
