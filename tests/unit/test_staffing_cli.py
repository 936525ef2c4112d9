"""`hotline staffing` as a planner runs it: a table or JSON, no database needed."""

import json

import pytest
from click.testing import CliRunner

from hotline.cli.staffing import DEFAULT_CALLS_PER_DAY, staffing
from routing.staffing import agents_needed


def run(*arguments):
    return CliRunner().invoke(staffing, list(arguments))


def table_rows(output):
    """{start: [calls, Erlangs, agents, scheduled, SL %, ASA s, occ %]} from the table."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("start"))
    rows = {}
    for line in lines[header + 1 :]:
        if line.startswith(("peak:", "total:")):
            break
        start, *numbers = line.split()
        rows[start] = [float(number) for number in numbers]
    return rows


def test_the_default_table_plans_an_average_seed_day_in_quarter_hours():
    result = run()
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if line.startswith("start"))
    assert header.split() == [
        "start", "calls", "Erlangs", "agents", "scheduled", "SL", "%", "ASA", "s", "occ", "%"
    ]  # fmt: skip
    rows = table_rows(result.output)
    assert len(rows) == 96
    assert list(rows)[:2] == ["00:00", "00:15"]
    assert sum(row[0] for row in rows.values()) == pytest.approx(DEFAULT_CALLS_PER_DAY, abs=5)
    assert round(DEFAULT_CALLS_PER_DAY) == 5812


def test_the_peak_needs_more_agents_than_three_in_the_morning():
    rows = table_rows(run().output)
    agents = {start: row[2] for start, row in rows.items()}
    assert agents["10:00"] > 3 * agents["03:00"]
    assert max(agents.values()) == max(agents[start] for start in agents if "09:" <= start < "11:")


def test_every_row_meets_the_targets_it_was_given():
    rows = table_rows(run("--service-level", "0.9", "--max-occupancy", "0.8").output)
    for _, _, agents, scheduled, level, _, busy in rows.values():
        assert level >= 90.0
        assert busy <= 80.0
        assert scheduled * 0.7 >= agents - 1e-9


def test_the_total_line_counts_scheduled_agent_hours():
    result = run("--interval", "3600")
    rows = table_rows(result.output)
    scheduled_hours = sum(row[3] for row in rows.values())
    phone_hours = sum(row[2] for row in rows.values())
    assert (
        f"{scheduled_hours:.1f} agent-hours scheduled ({phone_hours:.1f} on the phones)"
        in result.output
    )
    peak = max(rows, key=lambda start: rows[start][2])
    assert f"peak: {peak}, {rows[peak][2]:.0f} agents on the phones" in result.output


def test_the_table_states_its_assumptions():
    result = run("--service-level", "0.9", "--answer-within", "15", "--shrinkage", "0.25")
    first = result.output.splitlines()[0]
    assert "90% of calls answered within 15 s" in first
    assert "shrinkage 25%" in first
    assert "15-minute intervals" in first


def test_json_has_one_row_per_interval():
    result = run("--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert len(plan["intervals"]) == 96
    assert plan["intervals"][0]["start"] == "00:00"
    assert plan["intervals"][-1]["start"] == "23:45"
    assert plan["total"]["calls"] == pytest.approx(DEFAULT_CALLS_PER_DAY, abs=0.01)
    assert plan["targets"] == {
        "aht_seconds": 240,
        "interval_seconds": 900,
        "service_level": 0.8,
        "answer_within_seconds": 20,
        "max_occupancy": 0.85,
        "shrinkage": 0.3,
    }
    scheduled = sum(row["scheduled"] for row in plan["intervals"])
    assert plan["total"]["agent_hours_scheduled"] == pytest.approx(scheduled / 4)


def test_json_rows_carry_the_calculators_figures():
    plan = json.loads(run("--json", "--calls-per-day", "10000", "--interval", "1800").output)
    assert len(plan["intervals"]) == 48
    row = plan["intervals"][20]
    expected = agents_needed(row["calls"], 240, 1800)
    assert row["start"] == "10:00"
    assert row["agents"] == expected.agents
    assert row["scheduled"] == expected.scheduled
    assert row["service_level"] == pytest.approx(expected.service_level, abs=1e-3)


def test_a_volumes_file_with_one_number_a_line(tmp_path):
    volumes = tmp_path / "volumes.csv"
    volumes.write_text("0\n360\n\n36\n", encoding="utf-8")
    result = run("--volumes", str(volumes), "--interval", "1800", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["intervals"]
    assert [row["start"] for row in rows] == ["00:00", "00:30", "01:00"]
    assert [row["calls"] for row in rows] == [0, 360, 36]
    # 360 calls in half an hour are the textbook 48 Erlangs: 57 agents under an 85% cap.
    assert [row["agents"] for row in rows] == [0, 57, agents_needed(36, 240, 1800).agents]
    assert rows[1]["traffic_erlangs"] == 48


def test_a_volumes_file_with_interval_and_calls_columns(tmp_path):
    volumes = tmp_path / "forecast.csv"
    volumes.write_text("\ufeffinterval,calls\n09:00,120\n09:15,135.5\n", encoding="utf-8")
    result = run("--volumes", str(volumes))
    assert result.exit_code == 0, result.output
    rows = table_rows(result.output)
    assert list(rows) == ["09:00", "09:15"]
    assert rows["09:15"][2] == agents_needed(135.5, 240, 900).agents
    assert rows["09:15"][2] > rows["09:00"][2]


def test_a_volumes_file_finds_its_columns_by_the_header(tmp_path):
    volumes = tmp_path / "export.csv"
    volumes.write_text("date,Calls,interval\n2026-11-26,80,14:00\n2026-11-26,90\n", "utf-8")
    result = run("--volumes", str(volumes), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["intervals"]
    assert [(row["start"], row["calls"]) for row in rows] == [("14:00", 80), ("00:15", 90)]


def test_interval_numbers_in_a_volumes_file_become_clock_times(tmp_path):
    volumes = tmp_path / "volumes.csv"
    volumes.write_text("36,120\n37,80\n", encoding="utf-8")
    rows = table_rows(run("--volumes", str(volumes)).output)
    assert list(rows) == ["09:00", "09:15"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--service-level", "1.5"],
            "Invalid value for '--service-level': 1.5 is not in the range",
        ),
        (["--service-level", "nan"], "Invalid value for '--service-level': 'nan' is not a finite"),
        (["--aht", "0"], "Invalid value for '--aht'"),
        (["--max-occupancy", "0"], "Invalid value for '--max-occupancy'"),
        (["--shrinkage", "1"], "Invalid value for '--shrinkage'"),
        (["--calls-per-day", "-5"], "Invalid value for '--calls-per-day'"),
        (["--calls-per-day", "inf"], "Invalid value for '--calls-per-day'"),
        (["--answer-within", "-1"], "Invalid value for '--answer-within'"),
        (["--interval", "7"], "Invalid value for '--interval': 7 does not divide a day"),
    ],
)
def test_a_bad_option_stops_with_one_clear_line(arguments, message):
    result = run(*arguments)
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1
    assert message in errors[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("10\nabc\n", "line 2: calls must be a number, 0 or more, not 'abc'"),
        ("10\n-3\n", "line 2: calls must be a number, 0 or more, not '-3'"),
        ("interval,count\n09:00,3\n", "has no `calls` column"),
        ("1,2,3\n", "line 1: expected `calls` or `interval,calls`, got 3 columns"),
        ("interval,calls\n", "holds a header but no volumes"),
        ("\n\n", "holds no volumes"),
    ],
)
def test_a_bad_volumes_file_is_named_with_its_line(tmp_path, content, message):
    volumes = tmp_path / "volumes.csv"
    volumes.write_text(content, encoding="utf-8")
    result = run("--volumes", str(volumes))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Invalid value for '--volumes'" in result.output
    assert message in result.output


def test_a_volumes_file_and_a_daily_figure_do_not_mix(tmp_path):
    volumes = tmp_path / "volumes.csv"
    volumes.write_text("10\n", encoding="utf-8")
    result = run("--volumes", str(volumes), "--calls-per-day", "100")
    assert result.exit_code == 2
    assert "give either --calls-per-day or --volumes, not both" in result.output
