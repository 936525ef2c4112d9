"""The router's housekeeping runs at most once per HOTLINE_ROUTER_TICK_MS in a process."""

from __future__ import annotations

import pytest

from hotline.services import calls
from tests.conftest import override

pytestmark = pytest.mark.db


def test_ticks_closer_than_the_setting_run_once(app, monkeypatch):
    ran = []
    monkeypatch.setattr(calls.routing, "tick", lambda session, settings: ran.append(1))
    override(app, router_tick_seconds=60)
    clock = iter([1000.0, 1000.5, 1059.0, 1061.0])
    monkeypatch.setattr(calls.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(calls, "_last_ticks", {})
    with app.app_context():
        from hotline.infra.database import get_session

        for _ in range(4):
            calls.keep_queues_moving(get_session())
    assert len(ran) == 2  # at 1000 and at 1061; not at 1000.5 or 1059


def test_with_no_interval_every_request_ticks(app, monkeypatch):
    ran = []
    monkeypatch.setattr(calls.routing, "tick", lambda session, settings: ran.append(1))
    with app.app_context():
        from hotline.infra.database import get_session

        for _ in range(3):
            calls.keep_queues_moving(get_session())
    assert len(ran) == 3
