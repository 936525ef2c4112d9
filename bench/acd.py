"""Benchmark of the pure call-distribution decisions in ``routing.acd``.

    .venv/bin/python -m bench.acd [--seed N] [--reps N] [--agents N] [--calls N] [--json]

A synthetic contact centre, built deterministically from ``--seed``: 1,000 agents with random
skills (the 11 skill codes of hotline/data/reference.json, levels 1-3), languages (mostly
zh, some yue/en), 30-60 % of them available, idle for varied times; and 10,000 waiting calls
with varied skills, waits, priorities, languages and a few declined agent ids. The skill
rules (overflow times and secondary skills) are the reference data's.

Timed with ``time.perf_counter_ns``, one decision per sample:

* ``pick_agent``: a new call against the 1,000 agents (fresh, secondary-overflow and fully
  overflowed calls);
* ``pick_call``: a freed agent against the 10,000 waiting calls in serving order, the order
  the database's index keeps the queue in (a mixed queue, one where every call has
  overflowed to the general pool, one where none has). The product decides with
  ``first_eligible``: the first call in that order the agent may take. Each row is checked to
  pick exactly what the full scan ``pick_call`` over the unordered queue picks (shown for
  information), and a worst case reads the whole queue for an agent no call may go to.

Target: median < 2 ms per decision. ``--profile`` prints a cProfile of ``pick_call``.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import hashlib
import io
import json
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.voice_webhooks import background_busy_percent
from routing.acd import (
    AgentView,
    CallView,
    SkillRule,
    first_eligible,
    pick_agent,
    pick_call,
    queue_key,
)

REFERENCE = Path(__file__).resolve().parents[1] / "hotline" / "data" / "reference.json"
NOW = datetime(2026, 3, 2, 2, 30, tzinfo=UTC)  # a Monday, 10:30 in Shanghai
TARGET_MEDIAN_MS = 2.0
STATES_BUSY = ("on_call", "wrap_up", "break", "reserved", "offline")
# (languages, weight): mostly Mandarin only, some Cantonese and English speakers.
AGENT_LANGUAGES = (
    (frozenset({"zh"}), 80),
    (frozenset({"zh", "yue"}), 10),
    (frozenset({"zh", "en"}), 7),
    (frozenset({"zh", "yue", "en"}), 2),
    (frozenset({"en"}), 1),
)
CALL_LANGUAGES = (("zh", 90), ("yue", 6), ("en", 4))
PRIORITIES = ((0, 90), (1, 8), (2, 2))
MAX_SECONDS_PER_SCENARIO = 45.0


@dataclasses.dataclass
class Result:
    name: str
    population: int
    reps: int
    median_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    found: int
    passed: bool
    info_only: bool = False


def load_rules(path: Path = REFERENCE) -> dict[str, SkillRule]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        s["code"]: SkillRule(
            s["code"], int(s.get("overflow_after_seconds", 60)), tuple(s.get("overflow_skills", ()))
        )
        for s in data["skills"]
    }


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _skill_weights(skills: Sequence[str]) -> list[tuple[str, int]]:
    # Calls are not spread evenly: general, social security and housing dominate.
    heavy = {"general": 30, "social_security": 15, "housing": 12, "urban_management": 10}
    return [(s, heavy.get(s, 5)) for s in skills]


def make_agents(
    rng: random.Random, count: int, skills: Sequence[str], available_fraction: float
) -> list[AgentView]:
    agents = []
    for agent_id in range(1, count + 1):
        owned = rng.sample(list(skills), rng.randint(1, 4))
        if rng.random() < 0.6 and "general" not in owned:
            owned.append("general")
        state = "available" if rng.random() < available_fraction else rng.choice(STATES_BUSY)
        agents.append(
            AgentView(
                id=agent_id,
                state=state,
                state_since=NOW - timedelta(seconds=rng.randint(0, 3 * 3600)),
                skills={s: rng.randint(1, 3) for s in owned},
                languages=_weighted(rng, AGENT_LANGUAGES),
            )
        )
    return agents


def make_call(
    rng: random.Random,
    call_id: int,
    skills: Sequence[str],
    waited: tuple[int, int],
    agent_count: int,
) -> CallView:
    declined = frozenset()
    if rng.random() < 0.03:
        declined = frozenset(rng.randint(1, agent_count) for _ in range(rng.randint(1, 3)))
    return CallView(
        id=call_id,
        skill_code=_weighted(rng, _skill_weights(skills)),
        enqueued_at=NOW - timedelta(milliseconds=rng.randint(waited[0] * 1000, waited[1] * 1000)),
        priority=_weighted(rng, PRIORITIES),
        language=_weighted(rng, CALL_LANGUAGES),
        declined_by=declined,
    )


def make_calls(
    rng: random.Random,
    count: int,
    skills: Sequence[str],
    waited: tuple[int, int],
    agent_count: int,
    first_id: int = 1,
) -> list[CallView]:
    return [make_call(rng, first_id + i, skills, waited, agent_count) for i in range(count)]


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending sequence."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.4999)))
    return sorted_values[rank - 1]


def time_decisions(
    name: str,
    population: int,
    decide: Callable[[int], object],
    reps: int,
    warmup: int = 5,
    info_only: bool = False,
) -> tuple[Result, list[object]]:
    """Run ``decide(i)`` for i in range(reps), timing each call; bounded by reps and time."""
    for i in range(warmup):
        decide(i)
    samples: list[int] = []
    picks: list[object] = []
    budget_end = time.perf_counter() + MAX_SECONDS_PER_SCENARIO
    for i in range(reps):
        start = time.perf_counter_ns()
        picked = decide(i)
        samples.append(time.perf_counter_ns() - start)
        picks.append(getattr(picked, "id", None))
        if time.perf_counter() > budget_end:
            break
    ms = sorted(s / 1e6 for s in samples)
    median = statistics.median(ms)
    result = Result(
        name=name,
        population=population,
        reps=len(samples),
        median_ms=median,
        p95_ms=percentile(ms, 95),
        p99_ms=percentile(ms, 99),
        max_ms=ms[-1],
        found=sum(p is not None for p in picks),
        passed=median < TARGET_MEDIAN_MS,
        info_only=info_only,
    )
    return result, picks


def build(seed: int, n_agents: int, n_calls: int, reps: int):
    rng = random.Random(seed)
    rules = load_rules()
    skills = sorted(rules)
    available_fraction = rng.uniform(0.30, 0.60)
    agents = make_agents(rng, n_agents, skills, available_fraction)
    overflow = max(r.overflow_after_seconds for r in rules.values())
    # The main queue: waits from 0 to 3x the overflow time, so calls sit in all three reach
    # stages (own skill, secondary skills, general pool).
    mixed_queue = make_calls(rng, n_calls, skills, (0, 3 * overflow), n_agents)
    # Everyone waited past twice the overflow time: any available agent may take any call.
    overflowed_queue = make_calls(
        rng, n_calls, skills, (2 * overflow, 15 * 60), n_agents, first_id=n_calls + 1
    )
    # Nobody has reached the general pool yet: own skill and language (or secondary skills).
    young_queue = make_calls(
        rng, n_calls, skills, (0, 2 * overflow - 1), n_agents, first_id=2 * n_calls + 1
    )
    new_calls = {
        "fresh": make_calls(rng, reps, skills, (0, 0), n_agents, first_id=10 * n_calls),
        "secondary": make_calls(
            rng, reps, skills, (overflow, 2 * overflow - 1), n_agents, first_id=11 * n_calls
        ),
        "overflowed": make_calls(
            rng, reps, skills, (2 * overflow, 10 * 60), n_agents, first_id=12 * n_calls
        ),
    }
    # Freed agents: random agents of the pool, just back to "available".
    freed = [
        dataclasses.replace(rng.choice(agents), state="available", state_since=NOW)
        for _ in range(reps)
    ]
    return (
        rules,
        agents,
        available_fraction,
        mixed_queue,
        overflowed_queue,
        young_queue,
        new_calls,
        freed,
    )


def run(seed: int, n_agents: int, n_calls: int, reps: int) -> dict:
    background = background_busy_percent(1.0)
    rules, agents, available_fraction, mixed, overflowed, young, new_calls, freed = build(
        seed, n_agents, n_calls, reps
    )
    young_sorted = sorted(young, key=queue_key)
    mixed_sorted = sorted(mixed, key=queue_key)
    overflowed_sorted = sorted(overflowed, key=queue_key)
    # An agent no waiting call may go to yet (a skill and language nobody asks for): the
    # decision reads the whole queue, the worst case.
    nobody = AgentView(10**9, "available", NOW, {"no-such-skill": 1}, frozenset({"xx"}))
    # (name, population, kind, new calls or queue, info only, same picks as row)
    scenarios = [
        ("pick_agent  new call, fresh (own skill+language)", n_agents, "agent", new_calls["fresh"]),
        (
            "pick_agent  new call, secondary-skill overflow",
            n_agents,
            "agent",
            new_calls["secondary"],
        ),
        ("pick_agent  new call, overflowed (anyone)", n_agents, "agent", new_calls["overflowed"]),
        ("full scan   pick_call, mixed queue (any order)", n_calls, "scan", mixed, True),
        ("full scan   pick_call, all overflowed", n_calls, "scan", overflowed, True),
        ("full scan   pick_call, none overflowed to all", n_calls, "scan", young, True),
        ("pick_call   freed agent, mixed queue", n_calls, "first", mixed_sorted, False, 3),
        ("pick_call   freed agent, all overflowed", n_calls, "first", overflowed_sorted, False, 4),
        (
            "pick_call   freed agent, none overflowed to all",
            n_calls,
            "first",
            young_sorted,
            False,
            5,
        ),
        ("worst case: no call eligible (whole queue read)", n_calls, "nobody", young_sorted, True),
    ]
    results: list[Result] = []
    all_picks: list[list[object]] = []
    digest = hashlib.sha256()
    for name, population, kind, data, *extra in scenarios:
        info_only = bool(extra and extra[0])
        if kind == "agent":

            def decide(i, calls=data):
                return pick_agent(calls[i % len(calls)], agents, NOW, rules)
        elif kind == "scan":

            def decide(i, queue=data):
                return pick_call(freed[i % len(freed)], queue, NOW, rules)
        elif kind == "first":

            def decide(i, queue=data):
                return first_eligible(freed[i % len(freed)], queue, NOW, rules)
        else:

            def decide(i, queue=data):
                found = first_eligible(nobody, queue, NOW, rules)
                assert found is None
                return found

        result, picks = time_decisions(name, population, decide, reps, info_only=info_only)
        if len(extra) > 1 and extra[1] is not None:
            same_as = all_picks[extra[1]]
            n = min(len(picks), len(same_as))
            if picks[:n] != same_as[:n]:
                raise AssertionError(f"{name}: picks differ from {scenarios[extra[1]][0]}")
            result.name += " =same picks"
        else:
            digest.update(repr((name, picks)).encode())
        all_picks.append(picks)
        results.append(result)
    core = [r for r in results if not r.info_only]
    return {
        "seed": seed,
        "agents": n_agents,
        "available_agents": sum(a.state == "available" for a in agents),
        "available_fraction": round(available_fraction, 3),
        "calls": n_calls,
        "reps": reps,
        "python": sys.version.split()[0],
        "target": f"median < {TARGET_MEDIAN_MS:g} ms",
        "picks_digest": digest.hexdigest()[:16],
        "background_busy_percent": round(background, 1),
        "results": [dataclasses.asdict(r) for r in results],
        "passed": all(r.passed for r in core),
    }


def print_table(report: dict) -> None:
    print(
        f"ACD decisions  seed={report['seed']}  agents={report['agents']} "
        f"({report['available_agents']} available, {report['available_fraction']:.0%})  "
        f"calls={report['calls']}  reps={report['reps']}  python {report['python']}"
    )
    busy = report["background_busy_percent"]
    print(
        f"machine busy with other work before the run: {busy:.0f}% of the cores"
        + ("  (WARNING: a busy machine; timings are inflated)" if busy > 20 else "")
    )
    header = (
        f"{'scenario':<60} {'n':>6} {'reps':>5} {'median ms':>10} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'max ms':>8} {'found':>6}  target {report['target']}"
    )
    print(header)
    print("-" * len(header))
    for r in report["results"]:
        verdict = "PASS" if r["passed"] else "FAIL"
        if r["info_only"]:
            verdict += " (info)"
        print(
            f"{r['name']:<60} {r['population']:>6} {r['reps']:>5} {r['median_ms']:>10.3f} "
            f"{r['p95_ms']:>8.3f} {r['p99_ms']:>8.3f} {r['max_ms']:>8.3f} {r['found']:>6}  "
            f"{verdict}"
        )
    print("-" * len(header))
    print(
        f"overall (rows not marked info): {'PASS' if report['passed'] else 'FAIL'}   "
        f"picks digest {report['picks_digest']} (identical for the same --seed)"
    )


def profile_pick_call(seed: int, n_agents: int, n_calls: int, reps: int) -> None:
    rules, _agents, _, mixed, _, _, _, freed = build(seed, n_agents, n_calls, reps)
    profiler = cProfile.Profile()
    profiler.enable()
    for agent in freed[:20]:
        pick_call(agent, mixed, NOW, rules)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    print(f"cProfile of 20 pick_call decisions over {n_calls} calls, by own time:")
    print(out.getvalue())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.acd", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=200, help="decisions timed per scenario")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--profile", action="store_true", help="also cProfile pick_call")
    args = parser.parse_args(argv)
    if not (1 <= args.reps <= 100_000 and 1 <= args.agents <= 100_000):
        parser.error("--reps and --agents must be between 1 and 100000")
    if not 1 <= args.calls <= 1_000_000:
        parser.error("--calls must be between 1 and 1000000")
    report = run(args.seed, args.agents, args.calls, args.reps)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    if args.profile:
        profile_pick_call(args.seed, args.agents, args.calls, args.reps)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
