"""`hotline simulate` against the served product, the simulator standing in for Twilio.

The server is started as an operator would, with TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
TWILIO_API_BASE_URL pointing at the port the simulator listens on; a short, compressed
simulation then runs and must account for everything it did: nothing lost, and the
server's own call and work-order reports equal to the simulator's counts.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, make_database
from tests.served import free_port, hotline, hotline_env, serving

pytestmark = pytest.mark.slow

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
SPEED = 60


@contextmanager
def served_with_simulated_twilio(backend: str, directory: Path):
    database_url, drop = make_database(backend, "simulate", directory)
    env = hotline_env(directory / "instance", database_url)
    env.update(
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_API_BASE_URL=f"http://127.0.0.1:{free_port()}",
        # The hotline's timers, compressed like the simulation (60 simulated s = 1 s).
        HOTLINE_SERVICE_LEVEL_SECONDS="1",
        HOTLINE_SHORT_ABANDON_SECONDS="1",
        HOTLINE_CALLBACK_OFFER_SECONDS="1",
        # A callback not answered is tried once more, 6 s (6 simulated minutes) later.
        HOTLINE_CALLBACK_ATTEMPTS="2",
        HOTLINE_CALLBACK_RETRY_MINUTES="0.1",
    )
    try:
        for args in (("db", "upgrade"), ("seed", "--demo")):
            result = hotline(*args, env=env)
            assert result.returncode == 0, result.stderr
        with serving(env, directory) as url:
            yield url, env
    finally:
        drop()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_strict_simulated_morning_is_fully_accounted_for(backend, tmp_path):
    """Strict: agents' phones ring out, are busy or fail; citizens do not answer callbacks;
    delivery reports come before the REST answer; callbacks are repeated and reordered."""
    with served_with_simulated_twilio(backend, tmp_path) as (url, env):
        result = hotline(
            "simulate",
            "--url", url,
            "--hours", "0.3",
            "--scale", "0.2",
            "--speed", str(SPEED),
            "--seed", "7",
            "--agents", "5",  # fewer than the plan: callers wait, and some ask for a callback
            "--drain", "40",
            "--strict",
            "--json",
            "--no-progress",
            env=env,
            timeout=150,
        )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    summary = json.loads(result.stdout)
    accounting = summary["accounting"]
    assert accounting["lost"] == 0, accounting["details"]
    assert accounting["wrong_state"] == 0, accounting["details"]
    assert accounting["open_at_end"] == 0, accounting
    # Nothing went wrong on the simulated side either (a slow machine may only delay).
    assert not [p for p in summary["problems"] if "never bridged" not in p], summary["problems"]

    simulated, server = summary["calls"]["simulated"], summary["calls"]["server"]
    assert simulated["offered"] > 10
    assert simulated["answered"] > 0
    figures = ("offered", "answered", "abandoned", "short_abandoned", "callbacks_requested")
    for figure in (*figures, "callbacks_unreached"):
        assert server[figure] == simulated[figure], figure
    # The unhappy outcomes were played, and the hotline still agrees with every figure.
    unanswered = summary["counts"]["unanswered_legs"]
    assert sum(n for leg, n in unanswered.items() if leg.startswith("agent ")) > 0, unanswered
    assert summary["strict"] is True
    assert server["answer_rate"] == pytest.approx(simulated["answer_rate"])
    assert server["first_contact_resolution"] == pytest.approx(
        simulated["first_contact_resolution"]
    )
    orders = summary["work_orders"]
    assert orders["simulated"]["filed"] > 0
    assert orders["server"]["dispatched"] == orders["simulated"]["dispatched"]
    assert orders["server"]["closed"] == orders["simulated"]["closed"]
    assert summary["counts"]["texts"] > 0
    assert summary["webhooks"]["errors"] == {}
    assert all(int(status) < 500 for status in summary["webhooks"]["by_status"])
    assert summary["ok"] is True
    assert result.returncode == 0, result.stderr
