"""When citizens call: a Poisson arrival process on the day's profile, scaled from the seed
volume, with an optional surge (the typhoon preset). Pure: no I/O, deterministic per seed.

Time here is *simulated* seconds from local midnight of the simulated day; the simulator
maps it to wall time with its speed factor.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from routing.staffing import daily_profile

CALLS_PER_YEAR = 2_121_383
SECONDS_PER_DAY = 86_400
MINUTE = 60


@dataclass(frozen=True)
class Surge:
    """Calls arrive ``factor`` times faster between two local hours (may pass midnight: no)."""

    start_hour: float
    end_hour: float
    factor: float

    def covers(self, hour_of_day: float) -> bool:
        return self.start_hour <= hour_of_day < self.end_hour


@dataclass(frozen=True)
class Preset:
    name: str
    start_hour: float
    surge: Surge | None = None


PRESETS = {
    # A weekday morning, from 09:00: the profile's morning peak.
    "normal": Preset("normal", 9.0),
    # A typhoon warning: from 13:00 calls come in at ten times the usual rate for three hours.
    "typhoon": Preset("typhoon", 13.0, Surge(13.0, 16.0, 10.0)),
}


@dataclass(frozen=True)
class ArrivalProfile:
    """Arrival rates per simulated second: the seed year's volume, spread over each day on the
    staffing model's curve (routing.staffing.daily_profile), times ``scale``."""

    calls_per_year: float = CALLS_PER_YEAR
    scale: float = 1.0
    surge: Surge | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"the scale must be above 0, not {self.scale}")
        if not (math.isfinite(self.calls_per_year) and self.calls_per_year >= 0):
            raise ValueError(f"calls per year must be 0 or more, not {self.calls_per_year}")

    @property
    def calls_per_day(self) -> float:
        return self.calls_per_year / 365 * self.scale

    def _per_minute(self) -> list[float]:
        cached = self.__dict__.get("_minutes")
        if cached is None:
            cached = daily_profile(self.calls_per_day, MINUTE)
            object.__setattr__(self, "_minutes", cached)
        return cached

    def rate(self, second: float) -> float:
        """Calls per simulated second at ``second`` (seconds since midnight; days repeat)."""
        of_day = second % SECONDS_PER_DAY
        rate = self._per_minute()[int(of_day // MINUTE)] / MINUTE
        if self.surge is not None and self.surge.covers(of_day / 3600):
            rate *= self.surge.factor
        return rate

    def expected(self, start: float, end: float) -> float:
        """Expected calls in [start, end) simulated seconds: the rate's integral."""
        total, moment = 0.0, start
        while moment < end:
            boundary = min(end, (math.floor(moment / MINUTE) + 1) * MINUTE)
            if self.surge is not None:
                for edge in (self.surge.start_hour * 3600, self.surge.end_hour * 3600):
                    edge += math.floor(moment / SECONDS_PER_DAY) * SECONDS_PER_DAY
                    if moment < edge < boundary:
                        boundary = edge
            total += self.rate(moment) * (boundary - moment)
            moment = boundary
        return total

    def arrivals(self, start: float, end: float, rng: random.Random) -> list[float]:
        """Arrival moments in [start, end): a non-homogeneous Poisson process whose rate is
        constant within each minute (memoryless gaps, restarted at each rate change)."""
        moments, moment = [], start
        while moment < end:
            boundary = min(end, (math.floor(moment / MINUTE) + 1) * MINUTE)
            if self.surge is not None:
                for edge in (self.surge.start_hour * 3600, self.surge.end_hour * 3600):
                    edge += math.floor(moment / SECONDS_PER_DAY) * SECONDS_PER_DAY
                    if moment < edge < boundary:
                        boundary = edge
            rate = self.rate(moment)
            if rate <= 0:
                moment = boundary
                continue
            step = rng.expovariate(rate)
            if moment + step >= boundary:
                moment = boundary
                continue
            moment += step
            moments.append(moment)
        return moments


def volumes(profile: ArrivalProfile, start: float, end: float, interval: float) -> list[float]:
    """Expected calls per interval from ``start`` (the last one may be shorter)."""
    edges = []
    moment = start
    while moment < end:
        edges.append((moment, min(end, moment + interval)))
        moment += interval
    return [profile.expected(a, b) for a, b in edges]
