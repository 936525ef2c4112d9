"""Run every benchmark with its default settings, one after the other.

    .venv/bin/python -m bench.run_all [--skip-postgresql]

Runs ``bench.acd`` and ``bench.sms_triage``, then ``bench.voice_webhooks`` on SQLite and on
PostgreSQL, then ``bench.typhoon`` on the embedded default and on gunicorn + PostgreSQL + rq,
then ``bench.page_speed`` (every page of the agent, the dispatcher and a department on a
month of history, on SQLite and on PostgreSQL), each in its own process (bounded by a
timeout), prints their tables and a one-line verdict per run. Exit status 0 only when every
target passed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_SECONDS = 300
# typhoon: two set-ups, each a simulated hour plus the drain; page_speed: a month of history
# built on each set-up, then every page loaded eleven times.
TIMEOUTS = {"bench.typhoon": 900, "bench.page_speed": 1500}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all")
    parser.add_argument("--skip-postgresql", action="store_true")
    args = parser.parse_args(argv)
    runs = [
        ["bench.acd"],
        ["bench.sms_triage"],
        ["bench.voice_webhooks", "--database", "sqlite"],
    ]
    if not args.skip_postgresql:
        runs.append(["bench.voice_webhooks", "--database", "postgresql"])
    runs.append(
        ["bench.typhoon", "--setups", "embedded" if args.skip_postgresql else "embedded,gunicorn"]
    )
    runs.append(
        [
            "bench.page_speed",
            "--setups",
            "embedded" if args.skip_postgresql else "embedded,postgresql",
        ]
    )
    verdicts = []
    for run in runs:
        label = " ".join(run)
        print(f"\n=== python -m {label}", flush=True)
        began = time.monotonic()
        try:
            code = subprocess.run(
                [sys.executable, "-m", *run],
                cwd=ROOT,
                timeout=TIMEOUTS.get(run[0], TIMEOUT_SECONDS),
            ).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        verdict = {0: "all targets PASS", 1: "some target FAILED"}.get(code, f"error ({code})")
        verdicts.append((label, verdict, time.monotonic() - began))
    print("\n=== summary")
    for label, verdict, seconds in verdicts:
        print(f"  {label:<45} {verdict:<20} {seconds:6.0f} s")
    return 0 if all(v == "all targets PASS" for _, v, _ in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
