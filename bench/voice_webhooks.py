"""Load test of the first voice webhook, POST /twilio/voice, served by gunicorn.

    .venv/bin/python -m bench.voice_webhooks [--database sqlite|postgresql] [--duration S]
                                             [--rate R] [--threads N] [--workers N] [--json]

It prepares a fresh database (SQLite in a temporary directory, or a PostgreSQL database
``bench_hotline_<pid>`` on 127.0.0.1:5432 that is dropped at the end) with the product's own
``hotline db upgrade`` and ``hotline seed``, then starts on free loopback ports

* the product: ``gunicorn --workers 4 'hotline.app:create_app()'``, and
* the baseline: the same gunicorn serving ``bench.bare_app``, a bare Flask app that answers
  with the product's TwiML (captured from one real request) as a constant string.

Each server gets (a) a closed-loop test: N client threads send signed Twilio posts for a
new call to 12345 (a new CallSid each, a random mobile number as From) back to back for
``--duration`` seconds; and (b) an open-loop test at ``--rate`` requests/s for
``--open-duration`` seconds, each request sent at its scheduled time by a small pool of
threads, its latency measured from that scheduled time (no coordinated omission).

Any response that is not a 200 with the expected TwiML counts as an error; a valid run has
none. Targets: product throughput >= 0.5 x bare, product p99 < 50 ms at 200 requests/s.

The client runs on the same machine as the servers (loopback only) and takes CPU from
them: the table shows the CPU time of the servers and of the client per request.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = ROOT / ".venv" / "bin"
TWILIO_TOKEN = "5f3c2a9d8e7b6a5f4e3d2c1b0a998877"  # fixed, 32 hex characters
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PATH = "/twilio/voice"
MAIN_NUMBER = "12345"
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
MAX_REQUESTS_PER_THREAD = 1_000_000
REQUEST_TIMEOUT = 15.0  # Twilio's own webhook timeout
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    pass


# --- Signed Twilio requests ------------------------------------------------------------


class Signer:
    """Builds the form and the X-Twilio-Signature Twilio would send for a new call."""

    def __init__(self, port: int, seed: int):
        from twilio.request_validator import RequestValidator

        self.url = f"http://127.0.0.1:{port}{PATH}"
        self.validator = RequestValidator(TWILIO_TOKEN)
        self.rng = random.Random(seed)

    def new_call(self) -> tuple[bytes, dict[str, str]]:
        caller = f"+861{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"
        params = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "CallSid": "CA" + uuid.uuid4().hex,
            "CallStatus": "ringing",
            "Called": MAIN_NUMBER,
            "Caller": caller,
            "CallerCountry": "CN",
            "Direction": "inbound",
            "From": caller,
            "FromCountry": "CN",
            "To": MAIN_NUMBER,
            "ToCountry": "CN",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.url, params),
        }
        return urlencode(params).encode(), headers


def post(port: int, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """One request on a new connection (gunicorn's sync workers close it after each)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("POST", PATH, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Tally:
    """Latencies (ns) of the good responses and the errors, by kind, with one example each."""

    latencies: list[int] = field(default_factory=list)
    lags: list[int] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def record(self, outcome: str | None, latency_ns: int, detail: str = "") -> None:
        if outcome is None:
            self.latencies.append(latency_ns)
        else:
            self.errors[outcome] += 1
            self.examples.setdefault(outcome, detail[:300])

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.lags += other.lags
        self.errors.update(other.errors)
        for kind, example in other.examples.items():
            self.examples.setdefault(kind, example)


def send_and_check(port: int, signer: Signer, expected: bytes) -> tuple[str | None, str]:
    body, headers = signer.new_call()
    try:
        status, data = post(port, body, headers)
    except (OSError, http.client.HTTPException) as exc:
        return f"exception {type(exc).__name__}", str(exc)
    if status != 200:
        return f"HTTP {status}", data.decode("utf-8", "replace")
    if data != expected:
        # e.g. the apology TwiML the product answers (with a 200) when the database fails
        return "200 with other TwiML", data.decode("utf-8", "replace")
    return None, ""


# --- Load patterns ----------------------------------------------------------------------


@dataclass
class Measurement:
    mode: str
    seconds: float
    ok: int
    errors: dict[str, int]
    error_examples: dict[str, str]
    throughput: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    lag_p99_ms: float | None
    server_cpu_ms_per_request: float
    database_cpu_ms_per_request: float
    client_cpu_ms_per_request: float
    other_cpu_ms_per_request: float
    machine_busy_percent: float
    cpu_ceiling_rps: float
    target_rate: float | None = None


def percentile(sorted_values, q: float) -> float:
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.4999)))
    return sorted_values[rank - 1]


def _summary(
    mode: str,
    tally: Tally,
    seconds: float,
    cpu: dict[str, float],
    target_rate: float | None = None,
) -> Measurement:
    ms = sorted(v / 1e6 for v in tally.latencies)
    lags = sorted(v / 1e6 for v in tally.lags)
    done = max(1, len(ms) + sum(tally.errors.values()))
    return Measurement(
        mode=mode,
        seconds=seconds,
        ok=len(ms),
        errors=dict(tally.errors),
        error_examples=dict(tally.examples),
        throughput=len(ms) / seconds if seconds > 0 else 0.0,
        p50_ms=statistics.median(ms) if ms else float("nan"),
        p90_ms=percentile(ms, 90),
        p99_ms=percentile(ms, 99),
        max_ms=ms[-1] if ms else float("nan"),
        lag_p99_ms=percentile(lags, 99) if lags else None,
        server_cpu_ms_per_request=cpu["server"] * 1000 / done,
        database_cpu_ms_per_request=cpu["database"] * 1000 / done,
        client_cpu_ms_per_request=cpu["client"] * 1000 / done,
        other_cpu_ms_per_request=cpu["other"] * 1000 / done,
        machine_busy_percent=100 * cpu["machine"] / max(1e-9, cpu["wall"] * (os.cpu_count() or 1)),
        # What the machine could serve if nothing else ran: cores / CPU per request of
        # server, database backends and client together.
        cpu_ceiling_rps=(os.cpu_count() or 1)
        * done
        / max(1e-9, cpu["server"] + cpu["database"] + cpu["client"]),
        target_rate=target_rate,
    )


def closed_loop(
    server: Server, expected: bytes, threads: int, duration: float, seed: int, record=True
) -> Measurement | None:
    tallies = [Tally() for _ in range(threads)]
    start_gate = threading.Barrier(threads + 1)
    deadline = [0.0]

    def client(index: int) -> None:
        signer = Signer(server.port, seed * 1000 + index)
        tally = tallies[index]
        start_gate.wait()
        for _ in range(MAX_REQUESTS_PER_THREAD):
            if time.perf_counter() >= deadline[0]:
                break
            begin = time.perf_counter_ns()
            outcome, detail = send_and_check(server.port, signer, expected)
            tally.record(outcome, time.perf_counter_ns() - begin, detail)

    workers = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    meter = CpuMeter(server)
    begin = time.perf_counter()
    deadline[0] = begin + duration
    start_gate.wait()
    for worker in workers:
        worker.join(duration + REQUEST_TIMEOUT + 5)
    seconds = time.perf_counter() - begin
    if not record:
        return None
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return _summary("closed", total, seconds, meter.used())


def open_loop(
    server: Server, expected: bytes, rate: float, duration: float, senders: int, seed: int
) -> Measurement:
    total_requests = max(1, int(rate * duration))
    interval = 1.0 / rate
    lock = threading.Lock()
    next_index = [0]
    tallies = [Tally() for _ in range(senders)]
    first_send = time.perf_counter() + 0.5
    give_up = first_send + duration + 30.0  # a bound even if the server stalls
    last_end = [first_send]

    def sender(index: int) -> None:
        signer = Signer(server.port, seed * 1000 + 500 + index)
        tally = tallies[index]
        while True:
            with lock:
                i = next_index[0]
                next_index[0] += 1
            if i >= total_requests:
                return
            scheduled = first_send + i * interval
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if time.perf_counter() > give_up:
                tally.record("not sent before the time limit", 0)
                continue
            sent_ns = time.perf_counter_ns()
            outcome, detail = send_and_check(server.port, signer, expected)
            end = time.perf_counter()
            scheduled_ns = int(scheduled * 1e9)
            tally.record(outcome, time.perf_counter_ns() - scheduled_ns, detail)
            tally.lags.append(sent_ns - scheduled_ns)
            with lock:
                last_end[0] = max(last_end[0], end)

    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(senders)]
    meter = CpuMeter(server)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.1, give_up + REQUEST_TIMEOUT + 5 - time.perf_counter()))
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    return _summary("open", total, last_end[0] - first_send, meter.used(), target_rate=rate)


# --- Servers and databases --------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent not idle since boot (from /proc/stat)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / CLK_TCK


def background_busy_percent(seconds: float = 2.0) -> float:
    """How busy the machine is with other work, over ``seconds`` before the test."""
    busy0, wall0 = machine_busy_seconds(), time.perf_counter()
    time.sleep(seconds)
    wall = time.perf_counter() - wall0
    return 100 * (machine_busy_seconds() - busy0) / (wall * (os.cpu_count() or 1))


def database_backends(database_name: str | None) -> list[int]:
    """The PostgreSQL backend processes serving ``database_name`` (none for SQLite)."""
    if not database_name:
        return []
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if text.startswith("postgres: ") and f" {database_name} " in text:
                pids.append(int(cmdline.parent.name))
    return pids


class CpuMeter:
    """CPU seconds used by the server, its database backends, this client and the machine."""

    def __init__(self, server: Server):
        self.server = server
        self.start = self.read()

    def read(self) -> dict[str, float]:
        backends = database_backends(self.server.database_name)
        return {
            "server": self.server.cpu_seconds(),
            "database": sum(_process_cpu(pid) for pid in backends),
            "client": time.process_time(),
            "machine": machine_busy_seconds(),
            "wall": time.perf_counter(),
            "backends": {pid: _process_cpu(pid) for pid in backends},
        }

    def used(self) -> dict[str, float]:
        end = self.read()
        # Backends opened during the test count from zero; closed ones are lost (rare).
        database = sum(
            cpu - self.start["backends"].get(pid, 0.0) for pid, cpu in end["backends"].items()
        )
        used = {k: end[k] - self.start[k] for k in ("server", "client", "machine", "wall")}
        used["database"] = database
        used["other"] = max(0.0, used["machine"] - used["server"] - used["client"] - database)
        return used


class Server:
    """A gunicorn master and its workers, started in a process group of their own."""

    def __init__(
        self,
        name: str,
        app: str,
        workers: int,
        env: dict[str, str],
        logs: Path,
        options: tuple[str, ...] = (),
    ):
        self.name = name
        self.port = free_port()
        self.log_path = logs / f"gunicorn-{name}.log"
        self.log = self.log_path.open("wb")
        command = [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            *options,
            app,
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker_pids: list[int] = []
        self.database_name: str | None = None

    def wait_ready(self, workers: int, timeout: float = 60.0) -> None:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} server exited; see {self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    connection.request("GET", "/healthz")
                    if connection.getresponse().status == 200:
                        self.worker_pids = _children(self.process.pid)
                        if len(self.worker_pids) >= workers:
                            return
                finally:
                    connection.close()
            time.sleep(0.2)
        raise BenchError(f"{self.name} server not ready after {timeout:.0f} s; {self.log_tail()}")

    def cpu_seconds(self) -> float:
        return sum(_process_cpu(pid) for pid in [self.process.pid, *self.worker_pids])

    def log_tail(self) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-2000:]
        return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Until ``url``'s /healthz answers 200; BenchError if the server exits or never does."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"the server exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"the server did not answer /healthz within {timeout:.0f} s")


def stop_group(process: subprocess.Popen) -> None:
    """Stop a process started in a session of its own, and its children (TERM, then KILL)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def serve_embedded(env: dict[str, str], directory: Path) -> tuple[subprocess.Popen, str]:
    """`hotline serve` (the embedded default) on a free port, healthy; its process and URL."""
    port = free_port()
    log = directory / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(VENV_BIN / "hotline"), "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process, log)
    except BenchError:
        stop_group(process)
        raise
    return process, url


def base_env(extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_", "FLASK_"))
    }
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [str(VENV_BIN / "hotline"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise BenchError(f"hotline {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


class Database:
    """A fresh database of the chosen backend, dropped (or deleted) by ``drop``."""

    def __init__(self, backend: str, directory: Path):
        self.backend = backend
        self.name = f"bench_hotline_{os.getpid()}"
        if backend == "sqlite":
            self.url = f"sqlite:///{directory / 'hotline.sqlite3'}"
        else:
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", "CREATE DATABASE {}")
            self.url = f"postgresql://postgres@127.0.0.1:5432/{self.name}"

    def _admin(self, *statements: str) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.exec_driver_sql(statement.format(f'"{self.name}"'))
        finally:
            engine.dispose()

    def count_calls(self) -> int | None:
        import sqlalchemy as sa

        url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                return connection.exec_driver_sql("SELECT count(*) FROM calls").scalar()
        except sa.exc.SQLAlchemyError:
            return None
        finally:
            engine.dispose()

    def drop(self) -> None:
        if self.backend == "postgresql":
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


# --- The run ----------------------------------------------------------------------------


def measure(server: Server, expected: bytes, args) -> dict[str, Measurement]:
    closed_loop(server, expected, args.threads, args.warmup, args.seed, record=False)
    closed = closed_loop(server, expected, args.threads, args.duration, args.seed)
    time.sleep(1.0)
    opened = open_loop(server, expected, args.rate, args.open_duration, args.senders, args.seed)
    return {"closed": closed, "open": opened}


def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="bench-hotline-"))
    servers: list[Server] = []
    database = None
    try:
        database = Database(args.database, workdir)
        env = base_env(
            {
                "HOTLINE_DATABASE_URL": database.url,
                "HOTLINE_INSTANCE_PATH": str(workdir / "instance"),
                "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            }
        )
        started = time.perf_counter()
        run_cli(["db", "upgrade"], env)
        run_cli(["seed"], env)
        prepared = time.perf_counter() - started

        background = background_busy_percent()
        product = Server("product", "hotline.app:create_app()", args.workers, env, workdir)
        servers.append(product)
        product.database_name = database.name if args.database == "postgresql" else None
        product.wait_ready(args.workers)
        status, answer = post(product.port, *Signer(product.port, args.seed).new_call())
        if status != 200 or b"<Gather" not in answer:
            raise BenchError(f"the product answered {status}: {answer[:500]!r}")
        twiml_file = workdir / "answer.xml"
        twiml_file.write_bytes(answer)

        bare = Server(
            "bare",
            "bench.bare_app:create_app()",
            args.workers,
            base_env({"BENCH_TWIML_FILE": str(twiml_file)}),
            workdir,
        )
        servers.append(bare)
        bare.wait_ready(args.workers)

        results = {}
        for server in (product, bare):
            results[server.name] = measure(server, answer, args)
        for server in servers:
            server.stop()
        calls_recorded = database.count_calls()
        return report(args, results, prepared, answer, calls_recorded, background)
    finally:
        for server in servers:
            with contextlib.suppress(Exception):
                server.stop()
        if database is not None:
            with contextlib.suppress(Exception):
                database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def report(
    args, results, prepared: float, answer: bytes, calls_recorded: int | None, background: float
) -> dict:
    product, bare = results["product"], results["bare"]
    ratio = product["closed"].throughput / bare["closed"].throughput
    errors = sum(sum(m.errors.values()) for r in results.values() for m in r.values())
    product_ok = product["closed"].ok + product["open"].ok
    return {
        "database": args.database,
        "workers": args.workers,
        "threads": args.threads,
        "duration": args.duration,
        "rate": args.rate,
        "open_duration": args.open_duration,
        "senders": args.senders,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "prepare_seconds": round(prepared, 2),
        "background_busy_percent": round(background, 1),
        "answer_bytes": len(answer),
        "calls_recorded": calls_recorded,
        "product_ok_requests": product_ok,
        "results": {name: {k: asdict(m) for k, m in r.items()} for name, r in results.items()},
        "throughput_ratio": ratio,
        "targets": {
            "throughput_ratio": {"target": f">= {TARGET_RATIO}", "passed": ratio >= TARGET_RATIO},
            "open_p99_ms": {
                "target": f"< {TARGET_P99_MS:g} ms at {args.rate:g} req/s",
                "value": product["open"].p99_ms,
                "passed": product["open"].p99_ms < TARGET_P99_MS,
            },
            "errors": {"target": "0", "value": errors, "passed": errors == 0},
        },
    }


def print_table(rep: dict) -> None:
    p, b = rep["results"]["product"], rep["results"]["bare"]
    print(
        f"POST /twilio/voice (new call to 12345 -> language <Gather>, {rep['answer_bytes']} bytes)"
        f"  database={rep['database']}  gunicorn --workers {rep['workers']} (sync)"
        f"  {rep['cores']} cores  python {rep['python']}"
    )
    quiet = rep["background_busy_percent"]
    print(
        f"machine busy with other work before the test: {quiet:.0f}% of {rep['cores']} cores"
        + ("  (WARNING: a busy machine; the numbers below are depressed)" if quiet > 20 else "")
    )
    print(f"{'':<44}{'product':>12}{'bare Flask':>12}{'product/bare':>14}")

    def row(label, key, section, fmt="{:.1f}", ratio=False):
        pv, bv = p[section][key], b[section][key]
        cells = [fmt.format(v) if v is not None else "-" for v in (pv, bv)]
        r = f"{pv / bv:.2f}" if ratio and bv else ""
        print(f"  {label:<42}{cells[0]:>12}{cells[1]:>12}{r:>14}")

    def cpu_rows(section):
        row("CPU/request: gunicorn (ms)", "server_cpu_ms_per_request", section, "{:.2f}", True)
        if rep["database"] == "postgresql":
            row(
                "CPU/request: PostgreSQL backends (ms)",
                "database_cpu_ms_per_request",
                section,
                "{:.2f}",
            )
        row("CPU/request: load client (ms)", "client_cpu_ms_per_request", section, "{:.2f}")
        row("CPU/request: rest of machine (ms)", "other_cpu_ms_per_request", section, "{:.2f}")
        row(f"machine busy (% of {rep['cores']} cores)", "machine_busy_percent", section, "{:.0f}")
        row("CPU ceiling, idle machine (req/s)", "cpu_ceiling_rps", section, "{:.0f}", True)

    def errors(section):
        return [sum(x[section]["errors"].values()) for x in (p, b)]

    print(f"closed loop: {rep['threads']} threads, {rep['duration']:g} s")
    row("requests answered", "ok", "closed", "{:d}")
    row("throughput (req/s)", "throughput", "closed", ratio=True)
    row("latency p50 (ms)", "p50_ms", "closed", "{:.2f}", ratio=True)
    row("latency p90 (ms)", "p90_ms", "closed", "{:.2f}", ratio=True)
    row("latency p99 (ms)", "p99_ms", "closed", "{:.2f}", ratio=True)
    cpu_rows("closed")
    e = errors("closed")
    print(f"  {'errors':<42}{e[0]:>12}{e[1]:>12}")
    print(
        f"open loop: {rep['rate']:g} req/s for {rep['open_duration']:g} s, {rep['senders']} "
        "senders, latency from the scheduled send time"
    )
    row("requests answered", "ok", "open", "{:d}")
    row("achieved rate (req/s)", "throughput", "open")
    row("latency p50 (ms)", "p50_ms", "open", "{:.2f}", ratio=True)
    row("latency p90 (ms)", "p90_ms", "open", "{:.2f}", ratio=True)
    row("latency p99 (ms)", "p99_ms", "open", "{:.2f}", ratio=True)
    row("latency max (ms)", "max_ms", "open", "{:.2f}")
    row("send lag p99 (ms, client health)", "lag_p99_ms", "open", "{:.2f}")
    cpu_rows("open")
    e = errors("open")
    print(f"  {'errors':<42}{e[0]:>12}{e[1]:>12}")
    for name, result in rep["results"].items():
        for section, m in result.items():
            for kind, count in m["errors"].items():
                example = m["error_examples"].get(kind, "").replace("\n", " ")[:160]
                print(f"  ! {name} {section}: {count} x {kind}: {example}")
    if rep["calls_recorded"] is not None:
        print(
            f"calls rows in the product's database: {rep['calls_recorded']} "
            f"(answered in the timed tests: {rep['product_ok_requests']}, plus warm-up)"
        )
    t = rep["targets"]
    verdict = {True: "PASS", False: "FAIL"}
    print("targets")
    print(
        f"  product throughput >= {TARGET_RATIO} x bare   "
        f"ratio {rep['throughput_ratio']:.2f}   {verdict[t['throughput_ratio']['passed']]}"
    )
    print(
        f"  product p99 < {TARGET_P99_MS:g} ms at {rep['rate']:g} req/s   "
        f"p99 {t['open_p99_ms']['value']:.2f} ms   {verdict[t['open_p99_ms']['passed']]}"
    )
    print(
        f"  no errors (a valid run)            errors {t['errors']['value']}   "
        f"{verdict[t['errors']['passed']]}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.voice_webhooks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--duration", type=float, default=15.0, help="closed-loop seconds")
    parser.add_argument("--rate", type=float, default=200.0, help="open-loop requests/s")
    parser.add_argument("--open-duration", type=float, default=15.0, help="open-loop seconds")
    parser.add_argument("--threads", type=int, default=16, help="closed-loop client threads")
    parser.add_argument("--senders", type=int, default=32, help="open-loop sender threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers per server")
    parser.add_argument("--warmup", type=float, default=3.0, help="closed-loop warm-up seconds")
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    if not 0.5 <= args.duration <= 120 or not 0.5 <= args.open_duration <= 120:
        parser.error("--duration and --open-duration must be between 0.5 and 120 seconds")
    if not 1 <= args.rate <= 5000:
        parser.error("--rate must be between 1 and 5000")
    if not (1 <= args.threads <= 256 and 1 <= args.senders <= 256 and 1 <= args.workers <= 32):
        parser.error("--threads/--senders must be 1..256, --workers 1..32")
    if not 0 <= args.warmup <= 30:
        parser.error("--warmup must be between 0 and 30 seconds")

    def terminated(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    try:
        rep = run(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(rep, indent=2))
    else:
        print_table(rep)
    return 0 if all(t["passed"] for t in rep["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
