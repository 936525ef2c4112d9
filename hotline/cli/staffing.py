"""`hotline staffing`: agents needed per interval for a service-level target (Erlang C).

No database: the volume comes from a daily figure spread over an assumed intraday curve, or
from a CSV of observed or forecast calls per interval.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import click

from routing.staffing import SECONDS_PER_DAY, StaffingPlan, daily_profile, plan_day

# Calls offered to Guangzhou 12345 in 2014 (DESIGN.md); the default is its average day.
SEED_CALLS_PER_YEAR = 2_121_383
DEFAULT_CALLS_PER_DAY = SEED_CALLS_PER_YEAR / 365


class _Number(click.FloatRange):
    """A FloatRange that also refuses nan and inf, which FloatRange lets through."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def _read_volumes(ctx, param, path: Path | None) -> list[tuple[str | None, float]] | None:
    """Parse the --volumes CSV into (interval label or None, calls) rows."""
    if path is None:
        return None
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            lines = [
                (number, [cell.strip() for cell in row])
                for number, row in enumerate(csv.reader(file), start=1)
                if any(cell.strip() for cell in row)
            ]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}") from None
    if not lines:
        raise click.BadParameter(f"{path} holds no volumes")
    interval_column, calls_column = _columns(lines[0][1])
    if calls_column is not None:
        lines = lines[1:]
    rows = []
    for number, cells in lines:
        if calls_column is None:
            if len(cells) > 2:
                raise click.BadParameter(
                    f"line {number}: expected `calls` or `interval,calls`, got {len(cells)} columns"
                )
            label = cells[0] if len(cells) == 2 else None
            calls = cells[-1]
        else:
            if calls_column >= len(cells):
                raise click.BadParameter(f"line {number}: no value in the `calls` column")
            label = (
                cells[interval_column]
                if interval_column is not None and interval_column < len(cells)
                else None
            )
            calls = cells[calls_column]
        rows.append((label or None, _calls(number, calls)))
    if not rows:
        raise click.BadParameter(f"{path} holds a header but no volumes")
    return rows


def _columns(first: list[str]) -> tuple[int | None, int | None]:
    """(interval, calls) column positions from a header line; (None, None) without one."""
    try:
        float(first[-1])
    except ValueError:
        names = [cell.lower() for cell in first]
        if "calls" not in names:
            raise click.BadParameter(
                f"the header {','.join(first)!r} has no `calls` column"
            ) from None
        interval = names.index("interval") if "interval" in names else None
        return interval, names.index("calls")
    return None, None


def _calls(number: int, text: str) -> float:
    try:
        calls = float(text)
    except ValueError:
        calls = math.nan
    if not (math.isfinite(calls) and calls >= 0):
        raise click.BadParameter(f"line {number}: calls must be a number, 0 or more, not {text!r}")
    return calls


@click.command(help="Agents needed per interval for a service-level target (Erlang C).")
@click.option(
    "--calls-per-day",
    type=_Number(min=0),
    help=(
        "Calls offered in a day, spread over an assumed city-hotline day (quiet night, peaks "
        f"9:00-11:30 and 14:00-17:30).  [default: {DEFAULT_CALLS_PER_DAY:.0f}, the seed's "
        f"{SEED_CALLS_PER_YEAR:,} calls a year / 365]"
    ),
)
@click.option(
    "--volumes",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=_read_volumes,
    help="A CSV of calls per interval, in order: one number a line, or columns interval,calls.",
)
@click.option(
    "--aht",
    type=_Number(min=0, min_open=True),
    default=240,
    show_default=True,
    help="Average handle time in seconds (talk, hold and wrap-up).",
)
@click.option(
    "--interval",
    type=click.IntRange(min=1),
    default=900,
    show_default=True,
    help="Interval length in seconds.",
)
@click.option(
    "--service-level",
    type=_Number(0, 1, min_open=True, max_open=True),
    default=0.8,
    show_default=True,
    help="Share of calls to answer within --answer-within (0.8 = 80%).",
)
@click.option(
    "--answer-within",
    type=_Number(min=0),
    default=20,
    show_default=True,
    help="The service-level target, in seconds.",
)
@click.option(
    "--max-occupancy",
    type=_Number(0, 1, min_open=True),
    default=0.85,
    show_default=True,
    help="Most of their on-phone time agents may spend on calls (0.85 = 85%).",
)
@click.option(
    "--shrinkage",
    type=_Number(0, 1, max_open=True),
    default=0.3,
    show_default=True,
    help="Share of paid time off the phones: breaks, training, meetings, absence.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def staffing(
    calls_per_day: float | None,
    volumes: list[tuple[str | None, float]] | None,
    aht: float,
    interval: int,
    service_level: float,
    answer_within: float,
    max_occupancy: float,
    shrinkage: float,
    as_json: bool,
) -> None:
    if volumes is not None and calls_per_day is not None:
        raise click.UsageError("give either --calls-per-day or --volumes, not both")
    if volumes is None:
        if SECONDS_PER_DAY % interval:
            raise click.BadParameter(
                f"{interval} does not divide a day of {SECONDS_PER_DAY} seconds "
                "(900, 1800 and 3600 do)",
                param_hint="'--interval'",
            )
        if calls_per_day is None:
            calls_per_day = DEFAULT_CALLS_PER_DAY
        volumes = [(None, calls) for calls in daily_profile(calls_per_day, interval)]
    plans = plan_day(
        [calls for _, calls in volumes],
        aht,
        interval,
        target_service_level=service_level,
        target_seconds=answer_within,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    starts = [_start_label(label, index, interval) for index, (label, _) in enumerate(volumes)]
    targets = {
        "aht_seconds": aht,
        "interval_seconds": interval,
        "service_level": service_level,
        "answer_within_seconds": answer_within,
        "max_occupancy": max_occupancy,
        "shrinkage": shrinkage,
    }
    if as_json:
        click.echo(json.dumps(_as_json(plans, starts, interval, targets), indent=2))
    else:
        click.echo(_as_table(plans, starts, interval, targets))


def _start_label(label: str | None, index: int, interval: int) -> str:
    """The CSV's own label, or HH:MM from midnight (a whole-number label is an index)."""
    if label and not label.isdigit():
        return label
    day, seconds = divmod((int(label) if label else index) * interval, SECONDS_PER_DAY)
    clock = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    return f"+{day}d {clock}" if day else clock


def _duration(seconds: int) -> str:
    return f"{seconds // 60}-minute" if seconds % 60 == 0 else f"{seconds}-second"


def _agent_hours(plans: list[StaffingPlan], interval: int, field: str) -> float:
    return sum(getattr(plan, field) for plan in plans) * interval / 3600


def _as_table(plans: list[StaffingPlan], starts: list[str], interval: int, targets) -> str:
    width = max(5, *(len(start) for start in starts))
    lines = [
        f"Erlang C: {targets['service_level']:.0%} of calls answered within "
        f"{targets['answer_within_seconds']:g} s, AHT {targets['aht_seconds']:g} s, "
        f"occupancy at most {targets['max_occupancy']:.0%}, shrinkage {targets['shrinkage']:.0%}, "
        f"{_duration(interval)} intervals",
        f"{'start':<{width}} {'calls':>8} {'Erlangs':>8} {'agents':>7} {'scheduled':>9} "
        f"{'SL %':>6} {'ASA s':>6} {'occ %':>6}",
    ]
    for start, plan in zip(starts, plans, strict=True):
        lines.append(
            f"{start:<{width}} {plan.calls:>8.1f} {plan.traffic_erlangs:>8.2f} {plan.agents:>7} "
            f"{plan.scheduled:>9} {plan.service_level * 100:>6.1f} {plan.asa_seconds:>6.1f} "
            f"{plan.occupancy * 100:>6.1f}"
        )
    peak = max(range(len(plans)), key=lambda index: plans[index].agents)
    lines.append(
        f"peak: {starts[peak]}, {plans[peak].agents} agents on the phones, "
        f"{plans[peak].scheduled} scheduled"
    )
    lines.append(
        f"total: {sum(plan.calls for plan in plans):.0f} calls, "
        f"{_agent_hours(plans, interval, 'scheduled'):.1f} agent-hours scheduled "
        f"({_agent_hours(plans, interval, 'agents'):.1f} on the phones)"
    )
    return "\n".join(lines)


def _as_json(plans: list[StaffingPlan], starts: list[str], interval: int, targets) -> dict:
    return {
        "targets": targets,
        "intervals": [
            {
                "start": start,
                "calls": round(plan.calls, 2),
                "traffic_erlangs": round(plan.traffic_erlangs, 3),
                "agents": plan.agents,
                "scheduled": plan.scheduled,
                "service_level": round(plan.service_level, 4),
                "asa_seconds": round(plan.asa_seconds, 2),
                "occupancy": round(plan.occupancy, 4),
            }
            for start, plan in zip(starts, plans, strict=True)
        ],
        "total": {
            "calls": round(sum(plan.calls for plan in plans), 2),
            "agent_hours_scheduled": round(_agent_hours(plans, interval, "scheduled"), 2),
            "agent_hours_on_the_phones": round(_agent_hours(plans, interval, "agents"), 2),
        },
    }
