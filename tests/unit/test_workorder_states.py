"""The state machine's table: who does what, replaying the trail, and random walks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workorders.errors import IllegalTransition
from workorders.states import (
    FINAL_STATUSES,
    PERFORMERS,
    STATUSES,
    TRANSITIONS,
    allowed_actions,
    next_status,
    replay,
    return_is_barred,
)

ACTIONS = sorted({action for (_, action) in TRANSITIONS})


def test_every_action_in_the_table_has_a_performer_and_every_status_is_known():
    assert set(ACTIONS) == set(PERFORMERS)
    assert {s for s, _ in TRANSITIONS} | set(TRANSITIONS.values()) <= set(STATUSES)


def test_final_statuses_allow_nothing_and_merged_orders_only_follow_their_parent():
    for status in FINAL_STATUSES:
        assert allowed_actions(status) == []
    assert allowed_actions("merged") == ["follow_parent"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # A dispute settled by joint determination, then the normal course.
        (["create", "dispatch", "return", "determine", "sign", "reply", "close"], "closed"),
        # An extension asked for and approved; the unit goes on working.
        (["create", "dispatch", "sign", "request_extension", "approve_extension"], "in_progress"),
        # The citizen is unsatisfied: the order goes back to the unit.
        (["create", "dispatch", "sign", "reply", "start_callback", "reopen"], "dispatched"),
        (["create", "merge", "follow_parent"], "closed"),
        (["create", "dispatch", "cancel"], "cancelled"),
    ],
)
def test_replaying_a_trail_gives_its_status(path, expected):
    assert replay(path) == expected


def test_a_trail_that_breaks_the_table_does_not_replay():
    with pytest.raises(IllegalTransition, match="不能答复"):
        replay(["create", "dispatch", "reply"])
    with pytest.raises(IllegalTransition):
        replay(["create", "create"])
    with pytest.raises(IllegalTransition):
        replay(["sign"])


def test_an_extension_is_decided_only_while_one_is_pending():
    with pytest.raises(IllegalTransition, match="“办理中”，不能批准延期"):
        next_status("in_progress", "approve_extension")


def test_a_determination_binds_the_unit_it_names_until_new_facts():
    history = [("create", None), ("dispatch", "A"), ("return", "A")]
    assert not return_is_barred(history, "A")
    history.append(("determine", "A"))
    assert return_is_barred(history, "A")
    assert not return_is_barred(history, "B")
    assert return_is_barred([*history, ("urge", "A"), ("sign", "A")], "A")
    assert not return_is_barred([*history, ("add_facts", None)], "A")
    # Another determination naming the unit binds it again.
    assert return_is_barred([*history, ("add_facts", None), ("determine", "A")], "A")


@given(st.lists(st.sampled_from(ACTIONS), max_size=40))
def test_random_actions_never_leave_the_table_and_the_trail_replays(actions):
    status, trail = "new", ["create"]
    for action in actions:
        if (status, action) in TRANSITIONS:
            status = next_status(status, action)
            trail.append(action)
        else:
            with pytest.raises(IllegalTransition):
                next_status(status, action)
        assert status in STATUSES
    assert replay(trail) == status
