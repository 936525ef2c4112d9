"""Which of a citizen's texts are the keywords the hotline answers itself, and which ask
something: the knowledge base beside an agent's reply searches with the last of those."""

from __future__ import annotations

import pytest

from hotline.services.texts import is_keyword


@pytest.mark.parametrize(
    "body",
    [
        "0",
        "０",
        " 人工 ",
        "转人工",
        "Agent",
        "STOP",
        "退订",
        "td",
        "START",
        "开通",
        "HELP",
        "帮助",
        "1",
        "３",
        "满意",
        "不满意",
        "查询 20261126-000123",
        "status 20261126-000123",
        "",
        "  ",
    ],
)
def test_keywords_are_not_questions(body):
    assert is_keyword(body)


@pytest.mark.parametrize(
    "body",
    ["路灯坏了三天了", "请不要stop供水", "养老金怎么认证？", "0点以后还有噪音", "1号楼停水了"],
)
def test_questions_are_not_keywords(body):
    assert not is_keyword(body)
