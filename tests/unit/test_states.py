import pytest

from workorders.errors import IllegalTransition
from workorders.labels import status_label
from workorders.states import STATUSES, TRANSITIONS, allowed_actions, next_status

HAPPY_PATH = [
    ("new", "dispatch", "dispatched"),
    ("dispatched", "sign", "signed"),
    ("signed", "start", "in_progress"),
    ("in_progress", "reply", "replied"),
    ("replied", "start_callback", "callback"),
    ("callback", "close", "closed"),
]


@pytest.mark.parametrize(("status", "action", "expected"), HAPPY_PATH)
def test_the_happy_path_is_allowed(status, action, expected):
    assert next_status(status, action) == expected


def test_every_pair_outside_the_table_is_refused():
    actions = {action for (_, action) in TRANSITIONS}
    for status in STATUSES:
        for action in actions:
            if (status, action) in TRANSITIONS:
                assert next_status(status, action) in STATUSES
            else:
                with pytest.raises(IllegalTransition) as error:
                    next_status(status, action)
                assert error.value.values == {"status": status, "action": action}
                assert status_label(status) in str(error.value)


def test_a_closed_order_allows_nothing():
    assert allowed_actions("closed") == []


def test_refusal_reads_as_a_sentence():
    with pytest.raises(IllegalTransition) as error:
        next_status("dispatched", "reply")
    assert str(error.value) == "工单当前状态为“已派发”，不能答复"


def test_every_status_is_reachable_from_new():
    seen, frontier = {"new"}, ["new"]
    while frontier:
        status = frontier.pop()
        for action in allowed_actions(status):
            target = next_status(status, action)
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(STATUSES)
