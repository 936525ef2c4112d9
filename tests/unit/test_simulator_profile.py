"""The simulator's arrival profile: the seed volume, the typhoon surge, determinism."""

import random

import pytest

from hotline.settings import Settings, SettingsError
from hotline.simulator.profile import CALLS_PER_YEAR, PRESETS, ArrivalProfile, volumes
from hotline.simulator.queueing import erlang_a
from routing.staffing import erlang_c

DAY = 86_400


def test_the_rate_integrates_to_the_seed_volume():
    profile = ArrivalProfile()
    assert profile.expected(0, DAY) == pytest.approx(CALLS_PER_YEAR / 365)
    assert profile.expected(0, 365 * DAY) == pytest.approx(CALLS_PER_YEAR)
    assert ArrivalProfile(scale=0.05).expected(0, DAY) == pytest.approx(CALLS_PER_YEAR / 365 * 0.05)


def test_the_day_has_its_shape_quiet_night_busy_morning():
    profile = ArrivalProfile()
    assert profile.rate(10 * 3600) > 5 * profile.rate(3 * 3600)
    assert profile.rate(10 * 3600 + DAY) == profile.rate(10 * 3600)


def test_intervals_add_up_to_the_period():
    profile = ArrivalProfile(scale=0.3)
    parts = volumes(profile, 9 * 3600, 11.5 * 3600, 900)
    assert len(parts) == 10
    assert sum(parts) == pytest.approx(profile.expected(9 * 3600, 11.5 * 3600))


def test_the_typhoon_is_ten_times_the_calls_in_its_window_only():
    normal = ArrivalProfile()
    typhoon = ArrivalProfile(surge=PRESETS["typhoon"].surge)
    for hour in (13.0, 14.25, 15.99):
        assert typhoon.rate(hour * 3600) == pytest.approx(10 * normal.rate(hour * 3600))
    for hour in (9.0, 12.99, 16.0, 20.0):
        assert typhoon.rate(hour * 3600) == pytest.approx(normal.rate(hour * 3600))
    window = (13 * 3600, 16 * 3600)
    assert typhoon.expected(*window) == pytest.approx(10 * normal.expected(*window))
    assert typhoon.expected(12.5 * 3600, 13.5 * 3600) == pytest.approx(
        normal.expected(12.5 * 3600, 13 * 3600) + 10 * normal.expected(13 * 3600, 13.5 * 3600)
    )


def test_the_same_seed_makes_the_same_arrivals():
    profile = ArrivalProfile(scale=0.1)
    first = profile.arrivals(9 * 3600, 10 * 3600, random.Random(7))
    again = profile.arrivals(9 * 3600, 10 * 3600, random.Random(7))
    other = profile.arrivals(9 * 3600, 10 * 3600, random.Random(8))
    assert first == again
    assert first != other
    assert all(9 * 3600 <= t < 10 * 3600 for t in first)
    assert first == sorted(first)


def test_arrivals_are_poisson_around_the_expectation():
    profile = ArrivalProfile(scale=0.5, surge=PRESETS["typhoon"].surge)
    rng = random.Random(12345)
    counts = [len(profile.arrivals(12 * 3600, 14 * 3600, rng)) for _ in range(40)]
    expected = profile.expected(12 * 3600, 14 * 3600)
    mean = sum(counts) / len(counts)
    variance = sum((c - mean) ** 2 for c in counts) / (len(counts) - 1)
    assert mean == pytest.approx(expected, rel=0.03)
    assert variance == pytest.approx(expected, rel=0.5)  # Poisson: variance = mean


def test_a_scale_must_be_positive():
    with pytest.raises(ValueError, match="scale"):
        ArrivalProfile(scale=0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("http://127.0.0.1:8099", "http://127.0.0.1:8099"),
        ("https://sim.example/", "https://sim.example"),
    ],
)
def test_the_twilio_api_base_url_is_read(raw, expected, tmp_path):
    env = {"TWILIO_API_BASE_URL": raw, "HOTLINE_INSTANCE_PATH": str(tmp_path)}
    settings = Settings.from_env(env)
    assert settings.twilio_api_base_url == expected


@pytest.mark.parametrize("raw", ["127.0.0.1:8099", "ftp://x", "http://h/?a=1", "http://h:99999"])
def test_a_bad_twilio_api_base_url_names_the_variable(raw, tmp_path):
    with pytest.raises(SettingsError, match="TWILIO_API_BASE_URL"):
        Settings.from_env({"TWILIO_API_BASE_URL": raw, "HOTLINE_INSTANCE_PATH": str(tmp_path)})


def test_erlang_a_without_hang_ups_is_erlang_c():
    waiting, abandoning = erlang_a(9, 8 / 240, 240, 1e9)
    assert waiting == pytest.approx(erlang_c(9, 8.0), rel=1e-5)
    assert abandoning == pytest.approx(0, abs=1e-5)


def test_erlang_a_overloaded_answers_about_the_agents_capacity():
    _, abandoning = erlang_a(3, 30 / 240, 240, 10)
    assert 1 - abandoning == pytest.approx(3 / 30, abs=0.02)


def test_the_progress_line_shows_clock_share_and_what_is_in_flight(capsys):
    from types import SimpleNamespace as NS

    from hotline.simulator.run import Progress

    counts = {"calls": 7, "texts": 2, "work_orders": 3, "work_orders_closed": 1}
    sim = NS(
        ledger=NS(summary_counts=lambda: counts),
        seats=[NS(state="on_call"), NS(state="wrap_up"), NS(state="available")],
        roster=NS(wanted=lambda: 3),
        telephony=NS(latencies=NS(seconds=[0.01] * 40)),
    )
    progress = Progress(sim, total=10, enabled=True)
    progress.tty = False
    progress.arrived = 5
    progress.show(13 * 3600 + 30 * 60)
    line = capsys.readouterr().err
    assert line.startswith("[" + "#" * 12 + " " * 12 + "]  50% 13:30 calls 7 texts 2")
    assert "orders 3 (1 closed) agents 2/3 busy  webhooks 40" in line
    progress.show(14 * 3600)  # within 10 s of the last line: nothing more
    assert capsys.readouterr().err == ""
    Progress(sim, total=10, enabled=False).show(0)
    assert capsys.readouterr().err == ""
