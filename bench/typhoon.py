"""The typhoon preset of `hotline simulate` against both production set-ups.

    .venv/bin/python -m bench.typhoon [--setups embedded,gunicorn] [--hours H] [--scale S]
                                      [--speed X] [--seed N] [--rq-workers N] [--json]

For each set-up it prepares a fresh database with `hotline db upgrade` and `hotline seed
--demo`, starts the hotline on a free loopback port with the simulator as its Twilio
(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_API_BASE_URL) and the hotline's timers
compressed like the simulation, runs `hotline simulate --preset typhoon --json`, and stops
everything (the PostgreSQL database is dropped, the Redis database flushed):

* embedded: `hotline serve` (waitress, 8 threads) on SQLite, jobs in-process;
* gunicorn: `gunicorn --workers 4` on PostgreSQL, with Redis and `hotline worker`s (rq).

The table shows the webhooks per second the simulated citizens sustained during the
arrivals and their p50/p99 latency (every webhook, signed, as Twilio posts it), the agents'
and departments' API requests, the simulated answer rate and service level against what the
Erlang C plan the agents were staffed from predicts (Erlang A with the callers' patience for
the answer rate), and the accounting (lost must be 0; the reports must agree).

Targets: lost = 0 and the reports agree; the answer rate within 5 points of the prediction.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.voice_webhooks import (
    ACCOUNT_SID,
    ROOT,
    TWILIO_TOKEN,
    VENV_BIN,
    BenchError,
    Database,
    Server,
    background_busy_percent,
    base_env,
    free_port,
    run_cli,
    serve_embedded,
    stop_group,
)

REDIS_URL = "redis://127.0.0.1:6379/11"
AGREEMENT_POINTS = 5.0


def _timers(speed: float) -> dict[str, str]:
    """The hotline's timers divided by the speed, as whole seconds (at least 1)."""
    return {
        "HOTLINE_SERVICE_LEVEL_SECONDS": str(max(1, round(20 / speed))),
        "HOTLINE_SHORT_ABANDON_SECONDS": str(max(1, round(5 / speed))),
        "HOTLINE_CALLBACK_OFFER_SECONDS": str(max(1, round(60 / speed))),
    }


def _flush_redis() -> None:
    from redis import Redis

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.flushdb()
    finally:
        connection.close()


def run_setup(setup: str, args, directory: Path) -> dict:
    backend = "sqlite" if setup == "embedded" else "postgresql"
    database = Database(backend, directory)
    processes: list[subprocess.Popen] = []
    server = None
    try:
        env = base_env(
            {
                "HOTLINE_DATABASE_URL": database.url,
                "HOTLINE_INSTANCE_PATH": str(directory / "instance"),
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
                "TWILIO_API_BASE_URL": f"http://127.0.0.1:{free_port()}",
                **_timers(args.speed),
            }
        )
        if setup == "gunicorn":
            _flush_redis()
            env["HOTLINE_REDIS_URL"] = REDIS_URL
        run_cli(["db", "upgrade"], env)
        run_cli(["seed", "--demo"], env)
        if setup == "embedded":
            process, url = serve_embedded(env, directory)
            processes.append(process)
        else:
            server = Server("typhoon", "hotline.app:create_app()", 4, env, directory)
            server.wait_ready(4)
            url = f"http://127.0.0.1:{server.port}"
            for index in range(args.rq_workers):
                with (directory / f"worker-{index}.log").open("wb") as output:
                    processes.append(
                        subprocess.Popen(
                            [str(VENV_BIN / "hotline"), "worker"],
                            cwd=ROOT,
                            env=env,
                            stdout=output,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
        command = [
            str(VENV_BIN / "hotline"),
            "simulate",
            "--url",
            url,
            "--preset",
            "typhoon",
            "--hours",
            str(args.hours),
            "--scale",
            str(args.scale),
            "--speed",
            str(args.speed),
            "--seed",
            str(args.seed),
            "--drain",
            str(args.drain),
            "--json",
            "--no-progress",
        ]
        began = time.monotonic()
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
        )
        if not done.stdout.strip().startswith("{"):
            raise BenchError(
                f"hotline simulate failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
            )
        summary = json.loads(done.stdout)
        summary["bench_wall_seconds"] = round(time.monotonic() - began, 1)
        summary["setup"] = setup
        return summary
    finally:
        for process in processes:
            stop_group(process)
        if server is not None:
            server.stop()
        database.drop()
        if setup == "gunicorn":
            with contextlib.suppress(Exception):
                _flush_redis()


def row(summary: dict) -> dict:
    simulated = summary["calls"]["simulated"]
    plan = summary["plan"]
    answer, predicted = simulated["answer_rate"], plan["predicted_answer_rate"]
    return {
        "setup": summary["setup"],
        "calls": summary["counts"]["calls"],
        "webhooks": summary["webhooks"]["count"],
        "webhooks_per_second": summary["webhooks"]["per_second"],
        "p50_ms": summary["webhooks"]["p50_ms"],
        "p99_ms": summary["webhooks"]["p99_ms"],
        "api_requests": summary["api"]["count"],
        "api_p99_ms": summary["api"]["p99_ms"],
        "peak_agents": plan["peak_agents"],
        "answer_rate": answer,
        "predicted_answer_rate": predicted,
        "service_level": simulated["service_level"],
        "predicted_service_level": plan["predicted_service_level"],
        "work_orders": summary["work_orders"]["simulated"]["filed"],
        "closure_rate": summary["work_orders"]["simulated"]["closure_rate"],
        "lost": summary["accounting"]["lost"] + summary["accounting"]["wrong_state"],
        "open_at_end": summary["accounting"]["open_at_end"],
        "reports_agree": summary["calls"]["agree"] and summary["work_orders"]["agree"],
        "answer_rate_agrees": answer is not None
        and predicted is not None
        and abs(answer - predicted) * 100 <= AGREEMENT_POINTS,
        "wall_seconds": summary["bench_wall_seconds"],
    }


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def print_table(report: dict) -> None:
    print(
        f"typhoon preset: {report['hours']} simulated h from 13:00 (10x calls), scale "
        f"{report['scale']}, speed {report['speed']}x, seed {report['seed']}; machine busy "
        f"with other work before the run: {report['background_busy_percent']:.0f}%"
    )
    rows = report["rows"]
    lines = [
        ("calls simulated", lambda r: str(r["calls"])),
        ("webhooks (signed, as Twilio)", lambda r: str(r["webhooks"])),
        ("webhooks/s sustained", lambda r: f"{r['webhooks_per_second']:.1f}"),
        ("webhook latency p50", lambda r: f"{r['p50_ms']:.1f} ms"),
        ("webhook latency p99", lambda r: f"{r['p99_ms']:.1f} ms"),
        ("agent/department API requests", lambda r: str(r["api_requests"])),
        ("API latency p99", lambda r: f"{r['api_p99_ms']:.1f} ms"),
        ("agents at the peak (Erlang C)", lambda r: str(r["peak_agents"])),
        ("answer rate simulated", lambda r: _pct(r["answer_rate"])),
        ("answer rate predicted (Erlang A)", lambda r: _pct(r["predicted_answer_rate"])),
        ("service level simulated", lambda r: _pct(r["service_level"])),
        ("service level planned (Erlang C)", lambda r: _pct(r["predicted_service_level"])),
        ("work orders / closure rate", lambda r: f"{r['work_orders']} / {_pct(r['closure_rate'])}"),
        ("lost", lambda r: str(r["lost"])),
        ("reports agree", lambda r: "yes" if r["reports_agree"] else "NO"),
        ("wall time", lambda r: f"{r['wall_seconds']:.0f} s"),
    ]
    width = max(len(name) for name, _ in lines)
    print(f"  {'':<{width}}  " + "  ".join(f"{r['setup']:>14}" for r in rows))
    for name, cell in lines:
        print(f"  {name:<{width}}  " + "  ".join(f"{cell(r):>14}" for r in rows))
    verdict = {True: "PASS", False: "FAIL"}
    for r in rows:
        accounted = r["lost"] == 0 and r["reports_agree"]
        print(
            f"  {r['setup']}: lost = 0 and reports agree {verdict[accounted]}"
            f"; answer rate within {AGREEMENT_POINTS:g} points of Erlang "
            f"{verdict[r['answer_rate_agrees']]}"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.typhoon", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--setups", default="embedded,gunicorn")
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--speed", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--drain", type=float, default=90.0)
    parser.add_argument("--rq-workers", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    setups = [s for s in args.setups.split(",") if s]
    if not setups or any(s not in ("embedded", "gunicorn") for s in setups):
        parser.error("--setups is a list of embedded and gunicorn")

    def terminated(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    report = {
        "hours": args.hours,
        "scale": args.scale,
        "speed": args.speed,
        "seed": args.seed,
        "background_busy_percent": background_busy_percent(),
        "rows": [],
        "summaries": [],
    }
    try:
        for setup in setups:
            with tempfile.TemporaryDirectory(prefix=f"bench-typhoon-{setup}-") as directory:
                summary = run_setup(setup, args, Path(directory))
            report["summaries"].append(summary)
            report["rows"].append(row(summary))
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    else:
        print_table(report)
    passed = all(
        r["lost"] == 0 and r["reports_agree"] and r["answer_rate_agrees"] for r in report["rows"]
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
