"""Article records: parsing, checking, diffing; and the evaluation metrics."""

from datetime import UTC, datetime

import pytest

from knowledge_base.content import Content, article_id, diff, parse_content
from knowledge_base.errors import InvalidArticle
from knowledge_base.evaluation import evaluate
from knowledge_base.search import Document, SearchIndex

RECORD = {
    "id": "KB-9001",
    "title": "租房提取住房公积金",
    "questions": ["租房可以取公积金吗？", " ", "租房可以取公积金吗？"],
    "answer": "可以。",
    "category": "HPF.WITHDRAW",
    "unit": "GZ-GJJ",
    "keywords": ["租房提取"],
    "lang": "zh",
}


def test_a_record_in_the_jsonl_format_becomes_content():
    content = parse_content(RECORD)
    assert content.questions == ("租房可以取公积金吗？",)
    assert (content.category_code, content.unit_code, content.lang) == (
        "HPF.WITHDRAW",
        "GZ-GJJ",
        "zh",
    )
    assert article_id(RECORD) == "KB-9001"


def test_validity_dates_are_local_days_stored_in_utc():
    content = parse_content({**RECORD, "valid_until": "2026-12-31"})
    assert content.valid_until == datetime(2026, 12, 30, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": ""}, "id"),
        ({"id": "KB 1"}, "不含空格"),
        ({"title": ""}, "title"),
        ({"answer": None}, "answer"),
        ({"questions": "one"}, "questions"),
        ({"keywords": [1, 2]}, "keywords"),
        ({"lang": "fr"}, "lang"),
        ({"valid_from": "soon"}, "valid_from"),
        ({"valid_from": "2026-12-31", "valid_until": "2026-01-01"}, "晚于"),
        ({"title": "x" * 201}, "不能超过 200 个字符"),
    ],
)
def test_a_bad_record_is_refused_with_its_reason(change, reason):
    with pytest.raises(InvalidArticle, match=reason):
        article_id({**RECORD, **change})
        parse_content({**RECORD, **change})


def test_the_diff_names_the_changed_fields_with_their_lines():
    before = Content(title="旧标题", answer="第一行\n第二行", keywords=("a",))
    after = Content(title="新标题", answer="第一行\n第二行改了", keywords=("a",))
    changes = {change.field: change for change in diff(before, after)}
    assert set(changes) == {"title", "answer"}
    assert "-第二行" in changes["answer"].lines and "+第二行改了" in changes["answer"].lines
    assert {c.field for c in diff(None, after)} >= {"title", "answer", "keywords", "lang"}


def test_the_metrics_count_ranks_and_confident_false_answers():
    index = SearchIndex(
        [
            Document("A", "住房公积金提取", ("公积金怎么取出来",)),
            Document("B", "社保卡挂失", ("社保卡丢了",)),
        ]
    )
    metrics = evaluate(
        index,
        [
            {"query": "公积金怎么取出来", "expected": "A"},
            {"query": "社保卡丢了怎么办", "expected": "X", "also_ok": ["B"]},
            {"query": "公积金社保卡", "expected": "B"},
            {"query": "马拉松报名", "expected": None},
        ],
    )
    assert metrics.queries == 4 and metrics.answerable == 3
    ranked = [h.id for h in index.search("公积金社保卡")]
    assert set(ranked) == {"A", "B"}
    assert metrics.recall_at_1 == pytest.approx((2 + (ranked[0] == "B")) / 3)
    assert metrics.recall_at_5 == pytest.approx(1.0)
    assert metrics.mrr == pytest.approx((2 + 1 / (ranked.index("B") + 1)) / 3)
    assert metrics.false_answer_rate == 0.0
