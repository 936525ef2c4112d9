"""`hotline user create`: the same rules and seats as the admin's user page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.models import User
from routing.models import Agent

pytestmark = pytest.mark.db


def test_an_agent_made_on_the_command_line_gets_a_seat_with_its_queues(runner, observer):
    done = runner.invoke(
        args=[
            "user",
            "create",
            "--username",
            "agent77",
            "--role",
            "agent",
            "--name",
            "话务员 周",
            "--skill",
            "general",
            "--skill",
            "housing",
            "--password",
            "long enough pass",
        ],
    )
    assert done.exit_code == 0, done.output
    user = observer.scalar(sa.select(User).where(User.username == "agent77"))
    agent = observer.scalar(sa.select(Agent).where(Agent.user_id == user.id))
    assert user.display_name == "话务员 周"
    assert sorted(skill.skill_code for skill in agent.skills) == ["general", "housing"]


def test_a_refused_login_says_why_and_makes_nothing(runner, observer):
    done = runner.invoke(
        args=[
            "user",
            "create",
            "--username",
            "dept9",
            "--role",
            "department",
            "--unit",
            "NO-SUCH",
            "--password",
            "long enough pass",
        ],
    )
    assert done.exit_code != 0
    assert "Error" in done.output
    assert observer.scalar(sa.select(User).where(User.username == "dept9")) is None
