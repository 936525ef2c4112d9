"""Erlang C staffing: agents needed per interval for a service-level target.

The model is M/M/N: calls arrive at random (Poisson), handle times are exponential, nobody
hangs up while waiting. It overstaffs a little where callers do abandon, which is the safe
side for a public hotline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

SECONDS_PER_DAY = 86_400

# The assumed shape of a city hotline's day, as (hour, relative call rate) points joined by
# straight lines. Citizens call mostly in office hours: a morning peak about 9:00-11:30, a
# dip over the lunch break, an afternoon peak about 14:00-17:30, a long evening tail and a
# quiet night. Only the shape matters; daily_profile scales it to the day's volume.
# Replace it with observed per-interval volumes (plan_day) as soon as they exist.
_CALL_RATE_BY_HOUR = (
    (0.0, 1.0),
    (2.0, 0.5),
    (5.0, 0.5),
    (7.0, 2.0),
    (8.5, 6.0),
    (9.0, 8.0),
    (10.0, 9.0),
    (11.5, 8.0),
    (12.0, 5.5),
    (12.5, 4.5),
    (13.5, 4.5),
    (14.0, 7.5),
    (15.0, 8.5),
    (17.5, 7.0),
    (18.0, 5.0),
    (19.0, 4.0),
    (21.0, 3.0),
    (22.5, 2.0),
    (24.0, 1.0),
)


@dataclass(frozen=True)
class StaffingPlan:
    interval: int  # position in the day's list of intervals; 0 is the first
    calls: float
    aht_seconds: float
    traffic_erlangs: float
    agents: int  # on the phones
    scheduled: int  # on the roster, so that `agents` remain after shrinkage
    service_level: float
    asa_seconds: float
    occupancy: float


def traffic_erlangs(calls: float, aht_seconds: float, interval_seconds: float) -> float:
    """Offered load in Erlangs: the number of agents the calls would keep busy non-stop."""
    _check_volume(calls, aht_seconds, interval_seconds)
    return calls * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic: float) -> float:
    """Probability that a call finds all agents busy when blocked calls are lost (Erlang B)."""
    _check_load(agents, traffic)
    # The recursion B(n) = A·B(n-1) / (n + A·B(n-1)) stays within [0, 1]; the textbook
    # A^N / N! overflows a float from about 170 agents on.
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = traffic * blocking / (n + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic_erlangs: float) -> float:
    """Probability that a call has to wait (Erlang C); 1.0 when agents <= traffic."""
    _check_load(agents, traffic_erlangs)
    if agents <= traffic_erlangs:
        # The queue grows without bound: every caller waits.
        return 1.0
    blocking = erlang_b(agents, traffic_erlangs)
    return agents * blocking / (agents - traffic_erlangs * (1 - blocking))


def service_level(
    agents: int,
    calls: float,
    aht_seconds: float,
    interval_seconds: float,
    target_seconds: float,
) -> float:
    """Share of calls answered within target_seconds: 1 - C·exp(-(N - A)·T / AHT)."""
    traffic = traffic_erlangs(calls, aht_seconds, interval_seconds)
    _check_agents(agents)
    _check_answer_target(target_seconds)
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    waiting = erlang_c(agents, traffic)
    return 1 - waiting * math.exp(-(agents - traffic) * target_seconds / aht_seconds)


def average_speed_of_answer(
    agents: int, calls: float, aht_seconds: float, interval_seconds: float
) -> float:
    """Mean wait in seconds over all calls (ASA); inf when agents <= traffic."""
    traffic = traffic_erlangs(calls, aht_seconds, interval_seconds)
    _check_agents(agents)
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return erlang_c(agents, traffic) * aht_seconds / (agents - traffic)


def occupancy(agents: int, calls: float, aht_seconds: float, interval_seconds: float) -> float:
    """Share of on-phone time spent handling calls: traffic / agents, at most 1."""
    traffic = traffic_erlangs(calls, aht_seconds, interval_seconds)
    _check_agents(agents)
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        # Overloaded agents are busy all the time; the excess piles up in the queue.
        return 1.0
    return traffic / agents


def scheduled_agents(agents: int, shrinkage: float) -> int:
    """Agents to roster so that `agents` are on the phones after shrinkage, rounded up."""
    _check_agents(agents)
    _check_shrinkage(shrinkage)
    # Round off float noise first: 21 / (1 - 0.3) is 30.000000000000004, which is 30 agents.
    return math.ceil(round(agents / (1 - shrinkage), 9))


def agents_needed(
    calls: float,
    aht_seconds: float,
    interval_seconds: float = 900,
    target_service_level: float = 0.8,
    target_seconds: float = 20,
    max_occupancy: float = 0.85,
    shrinkage: float = 0.3,
) -> StaffingPlan:
    """The fewest agents that answer target_service_level of calls within target_seconds
    without pushing occupancy above max_occupancy; scheduled adds shrinkage."""
    traffic = traffic_erlangs(calls, aht_seconds, interval_seconds)
    if not 0 < target_service_level < 1:
        raise ValueError(
            f"the service level target must be between 0 and 1 (0.8 = 80%), "
            f"not {target_service_level}"
        )
    _check_answer_target(target_seconds)
    if not 0 < max_occupancy <= 1:
        raise ValueError(
            f"the occupancy cap must be above 0 and at most 1 (0.85 = 85%), not {max_occupancy}"
        )
    _check_shrinkage(shrinkage)
    if traffic == 0:
        return StaffingPlan(0, calls, aht_seconds, 0.0, 0, 0, 1.0, 0.0, 0.0)

    # Start at the first count that is both stable (N > A) and under the occupancy cap, then
    # add agents until the service level is met: it rises with every agent from there on.
    agents = max(math.floor(traffic) + 1, math.floor(traffic / max_occupancy))
    # The relative slack keeps an exact hit such as 48 / 64 = 0.75 under a 0.75 cap.
    while traffic / agents > max_occupancy * (1 + 1e-12):
        agents += 1
    while (
        service_level(agents, calls, aht_seconds, interval_seconds, target_seconds)
        < target_service_level
    ):
        agents += 1
    return StaffingPlan(
        interval=0,
        calls=calls,
        aht_seconds=aht_seconds,
        traffic_erlangs=traffic,
        agents=agents,
        scheduled=scheduled_agents(agents, shrinkage),
        service_level=service_level(agents, calls, aht_seconds, interval_seconds, target_seconds),
        asa_seconds=average_speed_of_answer(agents, calls, aht_seconds, interval_seconds),
        occupancy=occupancy(agents, calls, aht_seconds, interval_seconds),
    )


def plan_day(
    volumes: Sequence[float], aht_seconds: float, interval_seconds: float = 900, **targets
) -> list[StaffingPlan]:
    """One StaffingPlan per interval volume; targets are agents_needed's keyword arguments."""
    return [
        replace(agents_needed(calls, aht_seconds, interval_seconds, **targets), interval=index)
        for index, calls in enumerate(volumes)
    ]


def daily_profile(calls_per_day: float, interval_seconds: int = 900) -> list[float]:
    """Calls per interval from midnight for a day of calls_per_day, on an assumed city-hotline
    curve: quiet at night, peaks about 9:00-11:30 and 14:00-17:30 (see _CALL_RATE_BY_HOUR)."""
    if not (math.isfinite(calls_per_day) and calls_per_day >= 0):
        raise ValueError(f"calls per day must be 0 or more, not {calls_per_day}")
    if not (0 < interval_seconds <= SECONDS_PER_DAY and SECONDS_PER_DAY % interval_seconds == 0):
        raise ValueError(
            f"the interval must divide a day of 86400 seconds (900 = 15 minutes), "
            f"not {interval_seconds}"
        )
    hours = interval_seconds / 3600
    count = round(SECONDS_PER_DAY / interval_seconds)
    # Each interval gets the area under the rate curve over its span, so any interval length
    # gives the same day and the weights sum to 1.
    day = _rate_area_until(24.0)
    return [
        calls_per_day
        * (_rate_area_until((index + 1) * hours) - _rate_area_until(index * hours))
        / day
        for index in range(count)
    ]


def _rate_area_until(hour: float) -> float:
    area = 0.0
    for (start, start_rate), (end, end_rate) in pairwise(_CALL_RATE_BY_HOUR):
        if hour <= start:
            break
        until = min(hour, end)
        rate = start_rate + (end_rate - start_rate) * (until - start) / (end - start)
        area += (until - start) * (start_rate + rate) / 2
    return area


def _check_volume(calls: float, aht_seconds: float, interval_seconds: float) -> None:
    if not (math.isfinite(calls) and calls >= 0):
        raise ValueError(f"the call volume must be 0 or more, not {calls}")
    if not (math.isfinite(aht_seconds) and aht_seconds > 0):
        raise ValueError(f"the average handle time must be above 0 seconds, not {aht_seconds}")
    if not (math.isfinite(interval_seconds) and interval_seconds > 0):
        raise ValueError(f"the interval must be above 0 seconds, not {interval_seconds}")


def _check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError(f"agents must be a whole number, 0 or more, not {agents!r}")


def _check_load(agents: int, traffic: float) -> None:
    _check_agents(agents)
    if not traffic >= 0:
        raise ValueError(f"traffic must be 0 Erlangs or more, not {traffic}")


def _check_answer_target(target_seconds: float) -> None:
    if not (math.isfinite(target_seconds) and target_seconds >= 0):
        raise ValueError(f"the answer target must be 0 seconds or more, not {target_seconds}")


def _check_shrinkage(shrinkage: float) -> None:
    if not 0 <= shrinkage < 1:
        raise ValueError(f"shrinkage must be from 0 up to (not including) 1, not {shrinkage}")
