import pytest

from workorders.errors import IllegalTransition
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
                assert status in str(error.value)


def test_a_closed_order_allows_nothing():
    assert allowed_actions("closed") == []


def test_refusal_reads_as_a_sentence():
    with pytest.raises(IllegalTransition, match="a work order that is dispatched cannot be"):
        next_status("dispatched", "reply")


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
