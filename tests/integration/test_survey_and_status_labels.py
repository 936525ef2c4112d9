"""One table of survey answers (workorders.survey) and one of status labels (i18n): texts,
the console and the portal read them, and no second copy exists to drift apart."""

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa

from hotline.views.render.i18n import CHINESE, ENGLISH
from tests.http.test_sms import sent_to, text
from workorders import services as workorders
from workorders.deadlines import DEFAULT_POLICY
from workorders.labels import STATUS_LABELS, status_label
from workorders.models import WorkOrder
from workorders.states import STATUSES
from workorders.survey import ANSWERS, CHOICES, satisfaction_of

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("hotline", "workorders", "routing", "knowledge_base", "webhooks")
UNIT = workorders.Actor("rsj", None, "GZ-RSJ")
CITIZEN = "13800138000"


def pension_order(session) -> WorkOrder:
    order = workorders.open_work_order(
        session,
        channel="phone",
        category_code="SOCINS.PENSION",
        description="养老金没有到账",
        actor=workorders.SYSTEM,
        citizen_phone=CITIZEN,
        policy=DEFAULT_POLICY,
    )
    workorders.sign_for(session, order.number, UNIT)
    return order


def test_every_status_has_a_label_in_each_language():
    for language in STATUS_LABELS:
        assert set(STATUS_LABELS[language]) == set(STATUSES)
        assert all(status_label(s, language) not in ("", s) for s in STATUSES)
    assert status_label("closed", "fr") == "已办结"  # Chinese unless English


def test_a_status_text_is_answered_with_the_consoles_label(client, session, observer, gateway):
    order = pension_order(session)
    workorders.request_extension(
        session, order.number, UNIT, 2, "需要调取档案", policy=DEFAULT_POLICY
    )
    session.commit()
    text(client, f"查询 {order.number}")
    assert f"{CHINESE['extension_requested']}，" in sent_to(gateway)[-1]
    text(client, f"status {order.number}")
    assert f": {ENGLISH['extension_requested']}, due" in sent_to(gateway)[-1]


@pytest.mark.parametrize(
    ("answer", "satisfaction"),
    [("基本滿意", "basically_satisfied"), ("３", "unsatisfied"), ("Satisfied", "satisfied")],
)
def test_a_survey_answer_by_text_is_read_from_the_one_table(
    client, session, observer, gateway, answer, satisfaction
):
    order = pension_order(session)
    workorders.reply(session, order.number, UNIT, "已补发")
    session.commit()
    text(client, answer)
    observer.expire_all()
    assert observer.get(WorkOrder, order.id).satisfaction == satisfaction
    assert sent_to(gateway)  # thanked (or told of the reopen), not opened a new order
    assert observer.scalar(sa.select(sa.func.count(WorkOrder.id))) == 1


def test_the_satisfaction_labels_shown_are_answers_the_survey_takes():
    for choice in CHOICES:
        for labels in (CHINESE, ENGLISH):
            assert satisfaction_of(labels[choice.satisfaction]) == choice.satisfaction


def literal_dicts(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            pairs = [
                (key.value, value.value)
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant) and isinstance(value, ast.Constant)
            ]
            yield node.lineno, pairs


def sources():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_no_second_table_of_status_labels_or_survey_answers():
    labels = {(s, label) for table in STATUS_LABELS.values() for s, label in table.items()}
    codes = {choice.satisfaction for choice in CHOICES} | {choice.digit for choice in CHOICES}
    copies = []
    for path in sources():
        if path.name == "labels.py" and path.parent.name == "workorders":
            continue
        for line, pairs in literal_dicts(path):
            # Three statuses with their labels, or three survey answers with what they
            # record, make a table of their own.
            if sum((key, value) in labels for key, value in pairs) >= 3:
                copies.append(f"{path.relative_to(ROOT)}:{line} (status labels)")
            if sum(key in ANSWERS and value in codes for key, value in pairs) >= 3:
                copies.append(f"{path.relative_to(ROOT)}:{line} (survey answers)")
    assert copies == []
