"""The console's text threads: an agent takes a thread over and hands it back."""

from __future__ import annotations

import pytest

from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_agent

pytestmark = pytest.mark.db


@pytest.mark.parametrize("action", ["take-over", "release"])
def test_an_unknown_thread_is_not_found(client, session, action):
    user, _ = make_agent(session)
    session.commit()
    login(client, user.username, PASSWORD)
    response = post_form(
        client, f"/console/conversations/424242/{action}", {}, "/console/conversations/"
    )
    assert response.status_code == 404
