"""The Erlang C calculator against textbook values and an exact, independent computation."""

import dataclasses
import math
from fractions import Fraction
from itertools import pairwise
from math import factorial

import pytest

from routing.staffing import (
    StaffingPlan,
    agents_needed,
    average_speed_of_answer,
    daily_profile,
    erlang_b,
    erlang_c,
    occupancy,
    plan_day,
    scheduled_agents,
    service_level,
    traffic_erlangs,
)

# The classic worked example: 360 calls per half hour, 4-minute handle time.
CALLS, AHT, HALF_HOUR = 360, 240, 1800


def exact_erlang_c(agents: int, traffic) -> Fraction:
    """Erlang C straight from the textbook formula, in exact rational arithmetic.

    C = (A^N / N! · N / (N - A)) / (sum_{k<N} A^k / k! + A^N / N! · N / (N - A)).
    """
    a = Fraction(traffic)
    top = a**agents / factorial(agents) * Fraction(agents) / (agents - a)
    return top / (sum(a**k / factorial(k) for k in range(agents)) + top)


def exact_erlang_c_integer_traffic(agents: int, traffic: int) -> Fraction:
    """The same formula multiplied through by N!, so that large N stays in integers."""
    terms = [traffic**k * (factorial(agents) // factorial(k)) for k in range(agents)]
    top = Fraction(traffic**agents * agents, agents - traffic)
    return top / (sum(terms) + top)


# Textbook values.


def test_the_classic_example_offers_48_erlangs():
    assert traffic_erlangs(CALLS, AHT, HALF_HOUR) == 48


def test_erlang_c_of_the_classic_example_with_55_agents():
    # Published worked example: 24% of callers wait; the exact value is 0.23870.
    assert erlang_c(55, 48) == pytest.approx(0.2387, abs=5e-4)
    assert erlang_c(55, 48) == pytest.approx(float(exact_erlang_c(55, 48)), rel=1e-12)


def test_service_level_asa_and_occupancy_of_the_classic_example():
    assert service_level(55, CALLS, AHT, HALF_HOUR, 20) == pytest.approx(0.8668, abs=5e-4)
    # The published example's 15-second target.
    assert service_level(55, CALLS, AHT, HALF_HOUR, 15) == pytest.approx(0.8459, abs=5e-4)
    assert average_speed_of_answer(55, CALLS, AHT, HALF_HOUR) == pytest.approx(8.18, abs=0.01)
    assert occupancy(55, CALLS, AHT, HALF_HOUR) == pytest.approx(48 / 55)


def test_ten_erlangs_example_100_calls_per_half_hour_at_180_seconds():
    # 10 Erlangs: 11 agents leave 68% waiting; 14 agents answer 88.8% within 20 s.
    assert erlang_c(11, 10) == pytest.approx(0.6821, abs=5e-5)
    assert erlang_c(14, 10) == pytest.approx(0.1741, abs=5e-5)
    assert service_level(14, 100, 180, HALF_HOUR, 20) == pytest.approx(0.8884, abs=5e-4)
    assert average_speed_of_answer(14, 100, 180, HALF_HOUR) == pytest.approx(7.84, abs=0.01)


@pytest.mark.parametrize(
    ("agents", "traffic", "blocking"),
    [(5, 2, 0.0367), (10, 5, 0.0184), (14, 10, 0.0568), (1, 1, 0.5)],
)
def test_erlang_b_matches_the_loss_tables(agents, traffic, blocking):
    assert erlang_b(agents, traffic) == pytest.approx(blocking, abs=5e-5)


@pytest.mark.parametrize(
    ("agents", "traffic"),
    [(n, 48) for n in range(49, 71)]
    + [(1, 0.25), (2, 1.5), (3, 2.9), (12, 10), (21, 17.3), (40, 33.75), (80, 75.5)],
)
def test_erlang_c_agrees_with_the_exact_factorial_formula(agents, traffic):
    assert erlang_c(agents, traffic) == pytest.approx(
        float(exact_erlang_c(agents, traffic)), rel=1e-10
    )


def test_service_level_with_a_zero_second_target_is_the_share_answered_at_once():
    assert service_level(55, CALLS, AHT, HALF_HOUR, 0) == pytest.approx(1 - erlang_c(55, 48))


# Overload, idle and large systems.


@pytest.mark.parametrize("agents", [0, 1, 47, 48])
def test_every_caller_waits_when_agents_do_not_exceed_the_traffic(agents):
    assert erlang_c(agents, 48) == 1.0
    assert service_level(agents, CALLS, AHT, HALF_HOUR, 20) == 0.0
    assert average_speed_of_answer(agents, CALLS, AHT, HALF_HOUR) == math.inf
    assert occupancy(agents, CALLS, AHT, HALF_HOUR) == 1.0


def test_nobody_waits_when_no_calls_come():
    assert erlang_c(3, 0) == 0.0
    assert service_level(3, 0, AHT, HALF_HOUR, 20) == 1.0
    assert average_speed_of_answer(3, 0, AHT, HALF_HOUR) == 0.0
    assert occupancy(3, 0, AHT, HALF_HOUR) == 0.0


@pytest.mark.parametrize("agents", [505, 520, 560])
def test_500_erlangs_match_the_exact_formula_where_floats_would_overflow(agents):
    assert erlang_c(agents, 500) == pytest.approx(
        float(exact_erlang_c_integer_traffic(agents, 500)), rel=1e-9
    )


def test_500_erlangs_improve_with_every_agent_added():
    calls = 500 * HALF_HOUR / AHT
    waiting = [erlang_c(n, 500) for n in range(501, 601)]
    levels = [service_level(n, calls, AHT, HALF_HOUR, 20) for n in range(501, 601)]
    speeds = [average_speed_of_answer(n, calls, AHT, HALF_HOUR) for n in range(501, 601)]
    assert all(0 < c <= 1 and math.isfinite(c) for c in waiting)
    assert all(later < earlier for earlier, later in pairwise(waiting))
    assert all(later > earlier for earlier, later in pairwise(levels))
    assert all(later < earlier for earlier, later in pairwise(speeds))
    assert levels[-1] > 0.999


def test_thousands_of_agents_stay_finite():
    assert 0 < erlang_c(5000, 4950) < 1
    assert 0 <= erlang_c(2000, 10) < 1e-300


# Agents needed.


def test_the_classic_example_needs_54_agents_for_80_percent_in_20_seconds():
    plan = agents_needed(CALLS, AHT, HALF_HOUR, max_occupancy=1.0)
    assert plan.agents == 54
    assert plan.service_level == pytest.approx(0.8172, abs=5e-4)
    assert service_level(53, CALLS, AHT, HALF_HOUR, 20) < 0.8


def test_the_occupancy_cap_adds_agents_the_service_level_would_not_need():
    plan = agents_needed(CALLS, AHT, HALF_HOUR, max_occupancy=0.85)
    # 54 agents would meet 80/20 at 89% occupancy; 48 / 0.85 = 56.5 rounds up to 57.
    assert plan.agents == 57
    assert plan.occupancy <= 0.85
    assert occupancy(56, CALLS, AHT, HALF_HOUR) > 0.85
    assert plan.service_level > 0.9


def test_an_occupancy_cap_hit_exactly_is_allowed():
    assert agents_needed(CALLS, AHT, HALF_HOUR, max_occupancy=0.75).agents == 64
    # 33 calls of 420 s in 15 minutes are 15.4 Erlangs; 15.4 / 22 is 0.7000000000000001 in
    # floats, yet 22 agents are exactly 70% busy.
    assert agents_needed(33, 420, 900, max_occupancy=0.7).agents == 22


def test_the_service_level_binds_when_the_cap_would_allow_fewer_agents():
    plan = agents_needed(100, 180, HALF_HOUR, max_occupancy=0.85)
    # 12 agents would be 83% occupied, under the cap, but answer only 64% within 20 s.
    assert plan.agents == 14
    assert service_level(13, 100, 180, HALF_HOUR, 20) < 0.8


def test_a_stricter_target_needs_more_agents():
    relaxed = agents_needed(CALLS, AHT, HALF_HOUR, target_service_level=0.8, max_occupancy=1)
    strict = agents_needed(CALLS, AHT, HALF_HOUR, target_service_level=0.95, max_occupancy=1)
    quick = agents_needed(CALLS, AHT, HALF_HOUR, target_seconds=5, max_occupancy=1)
    assert strict.agents > relaxed.agents
    assert quick.agents > relaxed.agents


@pytest.mark.parametrize("calls", [0.5, 1, 3, 17.5, 60, 133, 360, 1000, 3750])
@pytest.mark.parametrize("max_occupancy", [0.7, 0.85, 1.0])
def test_agents_needed_is_the_fewest_that_meet_both_targets(calls, max_occupancy):
    plan = agents_needed(calls, AHT, HALF_HOUR, max_occupancy=max_occupancy)
    fewer = plan.agents - 1
    assert plan.service_level >= 0.8
    assert plan.occupancy <= max_occupancy
    assert (
        service_level(fewer, calls, AHT, HALF_HOUR, 20) < 0.8
        or occupancy(fewer, calls, AHT, HALF_HOUR) > max_occupancy
    )


def test_the_plan_reports_the_figures_for_its_agents():
    plan = agents_needed(CALLS, AHT, HALF_HOUR, shrinkage=0.3)
    assert plan == StaffingPlan(
        interval=0,
        calls=CALLS,
        aht_seconds=AHT,
        traffic_erlangs=48.0,
        agents=57,
        scheduled=82,
        service_level=service_level(57, CALLS, AHT, HALF_HOUR, 20),
        asa_seconds=average_speed_of_answer(57, CALLS, AHT, HALF_HOUR),
        occupancy=48 / 57,
    )


def test_a_plan_cannot_be_changed():
    plan = agents_needed(CALLS, AHT, HALF_HOUR)
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.agents = 1


# Shrinkage.


@pytest.mark.parametrize(
    ("agents", "shrinkage", "scheduled"),
    [
        (21, 0.3, 30),  # 21 / 0.7 is 30.000000000000004 in floats: still 30 agents
        (14, 0.3, 20),
        (57, 0.3, 82),  # 81.4 rounds up
        (9, 0.1, 10),
        (10, 0.0, 10),
        (3, 0.5, 6),
        (1, 0.35, 2),
        (0, 0.3, 0),
    ],
)
def test_scheduled_agents_cover_shrinkage_rounded_up(agents, shrinkage, scheduled):
    assert scheduled_agents(agents, shrinkage) == scheduled


def test_agents_needed_adds_shrinkage_to_the_roster():
    assert agents_needed(100, 180, HALF_HOUR, shrinkage=0.3).scheduled == 20
    assert agents_needed(100, 180, HALF_HOUR, shrinkage=0.0).scheduled == 14


# Zero volume.


def test_no_calls_need_no_agents():
    assert agents_needed(0, AHT, 900) == StaffingPlan(
        interval=0,
        calls=0,
        aht_seconds=AHT,
        traffic_erlangs=0.0,
        agents=0,
        scheduled=0,
        service_level=1.0,
        asa_seconds=0.0,
        occupancy=0.0,
    )


def test_a_trickle_of_calls_still_needs_one_agent():
    plan = agents_needed(0.1, AHT, 900)
    assert plan.agents == 1
    assert plan.scheduled == 2


# Argument validation.


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"calls": -1}, "call volume must be 0 or more"),
        ({"calls": math.nan}, "call volume must be 0 or more"),
        ({"calls": math.inf}, "call volume must be 0 or more"),
        ({"aht_seconds": 0}, "average handle time must be above 0"),
        ({"aht_seconds": -240}, "average handle time must be above 0"),
        ({"interval_seconds": 0}, "interval must be above 0"),
        ({"target_service_level": 0}, "service level target must be between 0 and 1"),
        ({"target_service_level": 1}, "service level target must be between 0 and 1"),
        ({"target_service_level": 1.5}, "service level target must be between 0 and 1"),
        ({"target_service_level": 80}, "service level target must be between 0 and 1"),
        ({"target_seconds": -1}, "answer target must be 0 seconds or more"),
        ({"shrinkage": 1}, "shrinkage must be from 0 up to"),
        ({"shrinkage": -0.1}, "shrinkage must be from 0 up to"),
        ({"max_occupancy": 0}, "occupancy cap must be above 0 and at most 1"),
        ({"max_occupancy": 1.1}, "occupancy cap must be above 0 and at most 1"),
    ],
)
def test_agents_needed_rejects_bad_arguments_with_a_clear_message(arguments, message):
    call = {"calls": CALLS, "aht_seconds": AHT, "interval_seconds": HALF_HOUR} | arguments
    with pytest.raises(ValueError, match=message):
        agents_needed(**call)


def test_the_validation_also_applies_to_zero_calls():
    with pytest.raises(ValueError, match="shrinkage"):
        agents_needed(0, AHT, 900, shrinkage=1.2)


@pytest.mark.parametrize("agents", [-1, 2.5, True])
def test_agents_must_be_a_whole_number(agents):
    with pytest.raises(ValueError, match="agents must be a whole number"):
        erlang_c(agents, 10)
    with pytest.raises(ValueError, match="agents must be a whole number"):
        service_level(agents, CALLS, AHT, HALF_HOUR, 20)


def test_traffic_must_not_be_negative():
    with pytest.raises(ValueError, match="traffic must be 0 Erlangs or more"):
        erlang_c(10, -1)


def test_the_other_measures_validate_their_volume():
    with pytest.raises(ValueError, match="average handle time"):
        average_speed_of_answer(10, CALLS, 0, HALF_HOUR)
    with pytest.raises(ValueError, match="call volume"):
        occupancy(10, -5, AHT, HALF_HOUR)
    with pytest.raises(ValueError, match="answer target"):
        service_level(55, CALLS, AHT, HALF_HOUR, -20)


# A day of intervals.


def test_plan_day_gives_one_plan_per_interval_in_order():
    volumes = [0, 12.5, 133, 60]
    plans = plan_day(volumes, AHT, 900, shrinkage=0.25)
    assert [plan.interval for plan in plans] == [0, 1, 2, 3]
    assert [plan.calls for plan in plans] == volumes
    for plan, calls in zip(plans, volumes, strict=True):
        expected = agents_needed(calls, AHT, 900, shrinkage=0.25)
        assert dataclasses.replace(plan, interval=0) == expected


def test_plan_day_passes_the_targets_on():
    default = plan_day([360], AHT, HALF_HOUR)[0]
    uncapped = plan_day([360], AHT, HALF_HOUR, max_occupancy=1.0, shrinkage=0)[0]
    assert (default.agents, default.scheduled) == (57, 82)
    assert (uncapped.agents, uncapped.scheduled) == (54, 54)


def test_plan_day_rejects_an_unknown_target():
    with pytest.raises(TypeError, match="service_levle"):
        plan_day([10], AHT, 900, service_levle=0.9)


def test_plan_day_of_nothing_is_empty():
    assert plan_day([], AHT) == []


@pytest.mark.parametrize(("interval", "count"), [(300, 288), (900, 96), (1800, 48), (3600, 24)])
def test_daily_profile_spreads_the_whole_day_over_its_intervals(interval, count):
    volumes = daily_profile(5812, interval)
    assert len(volumes) == count
    assert sum(volumes) == pytest.approx(5812)
    assert min(volumes) > 0


def test_daily_profile_is_the_same_day_at_any_interval_length():
    quarters = daily_profile(1000, 900)
    hours = daily_profile(1000, 3600)
    assert [sum(quarters[i : i + 4]) for i in range(0, 96, 4)] == pytest.approx(hours)


def at(volumes, hour, minute=0, interval=900):
    return volumes[(hour * 3600 + minute * 60) // interval]


def test_daily_profile_is_quiet_at_night_and_peaks_in_office_hours():
    volumes = daily_profile(5812, 900)
    night = volumes[: 6 * 4]
    morning_peak = volumes[9 * 4 : 11 * 4 + 2]  # 09:00-11:30
    lunch = volumes[12 * 4 + 2 : 13 * 4 + 2]  # 12:30-13:30
    afternoon_peak = volumes[14 * 4 : 17 * 4 + 2]  # 14:00-17:30
    assert max(night) < min(morning_peak) / 5
    assert max(night) < min(afternoon_peak) / 5
    assert max(lunch) < min(morning_peak)
    assert max(lunch) < min(afternoon_peak)
    assert volumes.index(max(volumes)) in range(9 * 4, 11 * 4 + 2)
    assert at(volumes, 3) < at(volumes, 10) / 10


def test_daily_profile_of_no_calls_is_all_zeros():
    assert daily_profile(0, 3600) == [0.0] * 24


@pytest.mark.parametrize(
    ("calls_per_day", "interval", "message"),
    [
        (-1, 900, "calls per day must be 0 or more"),
        (math.nan, 900, "calls per day must be 0 or more"),
        (100, 0, "must divide a day"),
        (100, 7, "must divide a day"),
        (100, 2 * 86400, "must divide a day"),
    ],
)
def test_daily_profile_rejects_bad_arguments(calls_per_day, interval, message):
    with pytest.raises(ValueError, match=message):
        daily_profile(calls_per_day, interval)


def test_the_peak_of_the_seed_volume_needs_more_agents_than_the_night():
    # 2,121,383 calls offered a year (DESIGN.md) is about 5812 a day.
    plans = plan_day(daily_profile(2_121_383 / 365, 900), 240, 900)
    peak = max(plans, key=lambda plan: plan.agents)
    three_am = plans[3 * 4]
    assert peak.agents > 4 * three_am.agents
    assert peak.interval in range(9 * 4, 11 * 4 + 2)
