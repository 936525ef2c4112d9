"""Every refusal the domain gives is written in Chinese, with its English: each construction
of a domain error (a :class:`hotline.refusal.Refusal`) in routing, workorders,
knowledge_base, hotline/services and hotline/seed passes a Chinese string literal as its
template, the template has its English in ``ENGLISH``, and the keywords given are the
template's fields."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import hotline.services.admin
import hotline.services.users
import knowledge_base.errors
import routing.errors
import workorders.errors
from hotline.refusal import Refusal
from hotline.views.render.i18n import ENGLISH
from workorders.errors import Conflict, IllegalTransition

ROOT = Path(__file__).parents[2]
PACKAGES = ("routing", "workorders", "knowledge_base", "hotline/services", "hotline/seed")
# Loaded above so that every class is known: the domain's errors and the admin's.
MODULES = (routing.errors, workorders.errors, knowledge_base.errors, hotline.services.admin)
assert hotline.services.users.UnknownUser


def refusal_classes() -> set[str]:
    found, todo = set(), [Refusal]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] in (
                "routing",
                "workorders",
                "knowledge_base",
                "hotline",
            ):
                found.add(sub.__name__)
                todo.append(sub)
    return found


REFUSALS = refusal_classes()


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _called(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def faults(source: str, where: str, refusals: set[str] = REFUSALS) -> list[str]:
    """What is wrong with the refusals ``source`` makes: one line each."""
    found = []
    for node in ast.walk(ast.parse(source)):
        # A class raised bare: no sentence at all.
        if isinstance(node, ast.Raise) and node.exc is not None and _called(node.exc) in refusals:
            found.append(f"{where}:{node.lineno}: {_called(node.exc)} raised without a sentence")
        if not isinstance(node, ast.Call) or _called(node.func) not in refusals:
            continue
        at = f"{where}:{node.lineno}"
        template = node.args[0] if len(node.args) == 1 else None
        if not (isinstance(template, ast.Constant) and isinstance(template.value, str)):
            found.append(f"{at}: the template is not one string literal")
            continue
        text = template.value
        if not is_chinese(text):
            found.append(f"{at}: {text!r} is not Chinese")
        elif text not in ENGLISH:
            found.append(f"{at}: {text!r} has no English in ENGLISH")
        elif fields(ENGLISH[text]) != fields(text):
            found.append(f"{at}: the English of {text!r} has other fields")
        given = {keyword.arg for keyword in node.keywords}
        if None in given or given != fields(text):
            found.append(f"{at}: {text!r} is given {sorted(map(str, given))}, not its fields")
    return found


def modules() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_the_domain_error_classes_are_all_refusals():
    assert {"RoutingError", "WorkOrderError", "KnowledgeBaseError", "AdminError"} <= REFUSALS
    assert {"CallUnavailable", "IllegalTransition", "InvalidArticle", "UnknownUser"} <= REFUSALS


def test_every_refusal_is_a_chinese_template_with_its_english():
    found = [
        fault
        for path in modules()
        for fault in faults(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert not found, "\n".join(found)


def test_the_refusals_are_found_where_they_are_made():
    # Enough of them that the walk does read the modules (more than 130 today).
    made = sum(
        isinstance(node, ast.Call) and _called(node.func) in REFUSALS
        for path in modules()
        for node in ast.walk(ast.parse(path.read_text()))
    )
    assert made > 120


@pytest.mark.parametrize(
    "source, fault",
    [
        ('raise CallUnavailable("this call is not on your line any more")', "is not Chinese"),
        ('raise CallUnavailable(f"call {call_id} is gone")', "not one string literal"),
        ('raise NotFound("没有这张工单了")', "has no English"),
        ('raise NotFound("没有工单 {number}")', "not its fields"),
        ('raise NotFound("没有工单 {number}", number=n, unit=u)', "not its fields"),
        ("raise AgentNotReady", "raised without a sentence"),
        ("error = errors.InvalidRule(message)", "not one string literal"),
    ],
)
def test_a_refusal_in_english_or_without_its_english_is_found(source, fault):
    [found] = faults(source, "probe.py")
    assert fault in found


def test_a_refusal_says_its_chinese_sentence_and_shows_codes_by_their_names():
    error = IllegalTransition(
        "工单当前状态为“{status}”，不能{action}", status="closed", action="sign"
    )
    assert str(error) == "工单当前状态为“已办结”，不能签收"
    assert error.template in ENGLISH and error.values == {"status": "closed", "action": "sign"}
    english = error.sentence(ENGLISH.__getitem__, lambda field, value: f"<{value}>")
    assert english == "a work order with the status “<closed>” cannot be <sign>"
    conflict = Conflict("工单 {number} 已被他人修改，请刷新后重试", number="20260101-000001")
    assert str(conflict) == "工单 20260101-000001 已被他人修改，请刷新后重试"
    assert conflict.kind == "conflict"
