"""One simulation run: plan, staff, generate the traffic, drain, account, report.

Time: the hotline stamps everything with its own wall clock, so the simulation runs in real
time, compressed by ``speed``: every simulated duration (the gaps between arrivals, talk and
wrap-up, patience, the departments' delays) is divided by it, and the arrival rate is the
profile's rate times ``scale`` times ``speed``. At speed 60 a simulated hour takes a wall
minute, an average handle time of 240 s takes 4 s. The figures are therefore those of the
compressed system, in wall seconds, exactly as the hotline measures them; the Erlang C plan
the agents are staffed from is computed for the same compressed system (volumes per
interval of 900/speed wall seconds, handle time 240/speed s), and so is its prediction.
"""

from __future__ import annotations

import secrets
import sys
import threading
import time
import zlib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import requests

from hotline.simulator.accounting import Accounting, Ledger, check_database, check_orders
from hotline.simulator.agents import AgentSeat, HandleTimes, Roster
from hotline.simulator.citizens import Behaviour, CallbackFlow, CallFlow, Inbox, TextFlow
from hotline.simulator.departments import Departments, OfficeTimes
from hotline.simulator.profile import PRESETS, ArrivalProfile
from hotline.simulator.profile import volumes as interval_volumes
from hotline.simulator.queueing import erlang_a
from hotline.simulator.twilio_api import (
    AnswerOutcomes,
    FakeTwilioApi,
    Latencies,
    Scheduler,
    Telephony,
)
from routing.staffing import agents_needed, service_level

INTERVAL = 900  # simulated seconds per staffing interval
LOCAL_OFFSET = timedelta(hours=8)  # Asia/Shanghai has no daylight saving time


@dataclass(frozen=True)
class Options:
    url: str
    account_sid: str
    auth_token: str
    main_number: str
    listen_host: str
    listen_port: int
    public_url: str | None = None
    hours: float = 0.25
    scale: float = 0.05
    preset: str = "normal"
    seed: int = 12345
    speed: float = 60.0
    start_hour: float | None = None
    agents: int | None = None  # a fixed roster; None: the Erlang C plan
    texts_per_call: float = 0.1
    drain_seconds: float = 120.0
    progress: bool = True
    target_service_level: float = 0.8
    max_occupancy: float = 0.85
    strict: bool = False  # play Twilio's unhappy outcomes too (see STRICT)


@dataclass(frozen=True)
class Strictness:
    """What a strict run plays besides the happy path, as Twilio can: agents' phones that
    ring out, are busy or fail; citizens who do not answer a callback; delivery reports
    before the REST answer; status callbacks repeated and out of order more often."""

    agent_answers: tuple[float, float, float] = (0.06, 0.03, 0.01)  # no-answer, busy, failed
    citizen_answers: tuple[float, float, float] = (0.25, 0.1, 0.05)
    early_reports: float = 0.3
    unusual_callbacks_share: float = 0.3


STRICT = Strictness()


def plan_staffing(
    options: Options,
    handle_times: HandleTimes,
    behaviour: Behaviour,
    profile: ArrivalProfile,
    start: float,
    end: float,
    sl_seconds: int,
) -> dict:
    """Agents per interval (the Erlang C plan for the compressed system, or the fixed
    roster); the service level Erlang C predicts for them, and the answer rate Erlang A
    predicts when callers hang up after their (exponential) patience."""

    def wall(simulated: float) -> float:
        return simulated / options.speed

    volumes = interval_volumes(profile, start, end, INTERVAL)
    aht_wall = wall(handle_times.mean)
    patience_wall = wall(behaviour.patience_seconds)
    agents, predicted_lost, predicted_sl = [], 0.0, 0.0
    for index, calls in enumerate(volumes):
        length = min(INTERVAL, end - (start + index * INTERVAL))
        interval_wall = wall(length)
        if options.agents is not None:
            count = options.agents
        else:
            count = agents_needed(
                calls,
                aht_wall,
                interval_wall,
                options.target_service_level,
                sl_seconds,
                options.max_occupancy,
            ).agents
        agents.append(count)
        if calls == 0:
            continue
        # What Erlang C promised (its service level), and what the same agents give callers
        # who hang up after their patience (Erlang A: the answer rate).
        predicted_sl += calls * (
            service_level(count, calls, aht_wall, interval_wall, sl_seconds) if count else 0.0
        )
        _, abandoning = erlang_a(count, calls / interval_wall, aht_wall, patience_wall)
        predicted_lost += calls * abandoning
    total = sum(volumes)
    return {
        "intervals": len(volumes),
        "interval_wall_seconds": wall(INTERVAL),
        "expected_calls": total,
        "aht_wall": round(aht_wall, 2),
        "agents": agents,
        "peak_agents": max(agents) if agents else 0,
        "predicted_answer_rate": 1 - predicted_lost / total if total else None,
        "predicted_service_level": predicted_sl / total if total else None,
    }


def citizen_phone(kind: str, run_prefix: int, index: int) -> str:
    """The mobile number of the run's ``index``-th caller or texter, in E.164.

    In ranges (13x for calls, 18x for texts) where every number is allocated: a 154 or 179
    number is not, and Twilio and the hotline refuse to text or call it.
    """
    operator = "13" if kind == "call" else "18"
    return f"+86{operator}{run_prefix:03d}{index:06d}"


class Simulation:
    def __init__(self, options: Options, provisioned, behaviour: Behaviour | None = None):
        self.options = options
        self.provisioned = provisioned
        self.seed = options.seed
        self.speed = options.speed
        self.url = options.url.rstrip("/")
        self.behaviour = behaviour or Behaviour()
        if options.strict and behaviour is None:
            self.behaviour = replace(
                self.behaviour, unusual_callbacks_share=STRICT.unusual_callbacks_share
            )
        self.handle_times = HandleTimes()
        self.office_times = OfficeTimes()
        self.reference = provisioned.reference
        self.ledger = Ledger()
        self.scheduler = Scheduler(workers=24)
        self.telephony = Telephony(
            self.url,
            options.account_sid,
            options.auth_token,
            options.main_number,
            options.public_url,
            self.scheduler,
        )
        self.api_latencies = Latencies()
        self.http_timeout = 30.0
        self.agent_poll = 0.5
        self.min_wait_poll = 1.0
        self.bridge_timeout = 15.0
        self.max_talk_wall = 120.0
        self.stopping_orders = threading.Event()
        self.clock_started = threading.Event()
        self.inbox = Inbox(self)
        self.departments = Departments(self, provisioned.dispatcher, provisioned.department_tokens)
        self.telephony.on_text = self.inbox.receive
        self.telephony.on_callback = self._callback
        self.telephony.on_unanswered = lambda call, outcome: self.ledger.callback_missed(
            call.citizen, outcome
        )
        if options.strict:
            self.telephony.agent_answers = AnswerOutcomes(*STRICT.agent_answers, seed=self.seed)
            self.telephony.citizen_answers = AnswerOutcomes(
                *STRICT.citizen_answers, seed=self.seed + 1
            )
            self.telephony.early_reports = STRICT.early_reports
        self.threads: list[threading.Thread] = []
        self.threads_lock = threading.Lock()
        self.run_prefix = secrets.randbelow(1000)
        self.roster: Roster | None = None
        self.seats: list[AgentSeat] = []

    # --- helpers --------------------------------------------------------------------

    def rng_for(self, key: str):
        import random

        return random.Random(zlib.crc32(f"{self.seed}/{key}".encode()))

    def wall(self, simulated: float) -> float:
        return simulated / self.speed

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        with self.threads_lock:
            self.threads.append(thread)
        thread.start()

    def _callback(self, call, url: str) -> None:
        self._spawn(CallbackFlow(self, call, url).run, f"callback-{call.sid[-6:]}")

    def _live_threads(self) -> int:
        with self.threads_lock:
            self.threads = [t for t in self.threads if t.is_alive()]
            return len(self.threads)

    def monitor(self, path: str, params: dict | None = None) -> requests.Response:
        return requests.get(
            self.url + path,
            params=params,
            headers={"Authorization": f"Bearer {self.provisioned.monitor_token}"},
            timeout=self.http_timeout,
        )

    # --- the plan -------------------------------------------------------------------

    def plan(self, profile: ArrivalProfile, start: float, end: float, sl_seconds: int) -> dict:
        return plan_staffing(
            self.options, self.handle_times, self.behaviour, profile, start, end, sl_seconds
        )

    # --- the run --------------------------------------------------------------------

    def run(self, on_progress=None) -> dict:
        options = self.options
        preset = PRESETS[options.preset]
        start_hour = preset.start_hour if options.start_hour is None else options.start_hour
        profile = ArrivalProfile(scale=options.scale, surge=preset.surge)
        text_profile = ArrivalProfile(
            calls_per_year=profile.calls_per_year * options.texts_per_call,
            scale=options.scale,
            surge=preset.surge,
        )
        start, end = start_hour * 3600, start_hour * 3600 + options.hours * 3600
        timers = self.monitor("/api/v1/reports/calls").json()
        sl_seconds = timers["service_level_seconds"]
        short_seconds = timers["short_abandon_seconds"]
        self.ledger.callback_attempts = timers["callback_attempts"]
        plan = self.plan(profile, start, end, sl_seconds)
        calls = profile.arrivals(start, end, self.rng_for("calls"))
        texts = text_profile.arrivals(start, end, self.rng_for("texts"))
        events = sorted(
            [(t, "call", i) for i, t in enumerate(calls)]
            + [(t, "text", i) for i, t in enumerate(texts)]
        )
        if not self.departments.log_in():
            raise RuntimeError("the simulated dispatcher could not log in")
        orders_before = self._order_totals()

        with FakeTwilioApi(self.telephony, options.listen_host, options.listen_port):
            # The agents log in before the clock starts, as a shift does before its first call.
            self.seats = [
                AgentSeat(self, index, username, password)
                for index, (username, password) in enumerate(self.provisioned.agents)
            ]
            for seat in self.seats:
                seat.start()
            for seat in self.seats:
                seat.logged_in.wait(self.http_timeout)
            began_at = datetime.now(UTC)
            began = time.monotonic()
            self.roster = Roster(plan["agents"], self.wall(INTERVAL), began)
            self.clock_started.set()
            progress = Progress(self, len(events), options.progress, on_progress)
            for moment, kind, index in events:
                due = began + self.wall(moment - start)
                while (delay := due - time.monotonic()) > 0:
                    time.sleep(min(delay, 0.5))
                    progress.show(moment)
                rng = self.rng_for(f"{kind}/{index}")
                phone = citizen_phone(kind, self.run_prefix, index)
                if kind == "call":
                    to = options.main_number
                    if self.reference.legacy_numbers and rng.random() < self.behaviour.legacy_share:
                        to = rng.choice(self.reference.legacy_numbers)
                    flow = CallFlow.dial_in(self, rng, phone, to)
                    self._spawn(flow.run, f"call-{index}")
                else:
                    self._spawn(TextFlow(self, index, rng, phone).run, f"text-{index}")
                progress.arrived += 1
                progress.show(moment)
            while time.monotonic() < began + self.wall(end - start):
                time.sleep(0.2)
                progress.show(end)
            arrivals_wall = time.monotonic() - began
            webhooks_in_arrivals = len(self.telephony.latencies.seconds)

            # Drain: no more arrivals; the calls in the system finish, orders close.
            self.roster.draining = True
            deadline = time.monotonic() + options.drain_seconds
            while time.monotonic() < deadline:
                if (
                    self._live_threads() == 0
                    and not self.departments.open_orders()
                    and not self.ledger.pending_callbacks()
                ):
                    break
                time.sleep(0.25)
                progress.show(end, draining=True)
            progress.done()
            self.stopping_orders.set()
            for seat in self.seats:
                seat.stop.set()
            for seat in self.seats:
                seat.join(timeout=10)
            ended_at = datetime.now(UTC) + timedelta(seconds=1)
            time.sleep(0.5)  # the last delivery reports
        self.scheduler.stop()
        wall = time.monotonic() - began
        return {
            "plan": plan,
            "started_at": began_at,
            "ended_at": ended_at,
            "wall_seconds": wall,
            "arrivals_wall_seconds": arrivals_wall,
            "webhooks_in_arrivals": webhooks_in_arrivals,
            "timers": {"service_level_seconds": sl_seconds, "short_abandon_seconds": short_seconds},
            "orders_before": orders_before,
            "start_hour": start_hour,
        }

    # --- reports --------------------------------------------------------------------

    def _order_totals(self) -> dict:
        today = (datetime.now(UTC) + LOCAL_OFFSET).date()
        response = self.monitor(
            f"/api/v1/reports/work-orders?start={today}&end={today + timedelta(days=1)}"
        )
        response.raise_for_status()
        rows = response.json()["rows"]
        row = rows[0] if rows else {}
        return {key: row.get(key, 0) or 0 for key in ("dispatched", "closed")}

    def server_calls(self, began_at: datetime, ended_at: datetime) -> dict:
        response = self.monitor(
            "/api/v1/reports/calls",
            {
                "from": began_at.isoformat(timespec="seconds"),
                "to": ended_at.isoformat(timespec="seconds"),
            },
        )
        response.raise_for_status()
        rows = response.json()["rows"]
        return rows[0] if rows else {}

    def account(self, outcome: dict, session_factory) -> dict:
        ledger, timers = self.ledger, outcome["timers"]
        accounting = Accounting()
        with session_factory() as session:
            check_database(session, ledger, accounting)
        check_orders(self.departments, ledger, accounting)
        simulated = ledger.call_figures(
            timers["short_abandon_seconds"], timers["service_level_seconds"]
        )
        server = self.server_calls(outcome["started_at"], outcome["ended_at"])
        if (
            server.get("answered") is not None
            and server.get("first_contact_resolution") is not None
        ):
            server["resolved_first_contact"] = round(
                server["first_contact_resolution"] * server["answered"]
            )
        compared = (
            "offered",
            "answered",
            "abandoned",
            "short_abandoned",
            "callbacks_requested",
            "callbacks_unreached",
            "resolved_first_contact",
        )
        calls_agree = all((server.get(k) or 0) == (simulated.get(k) or 0) for k in compared)
        with ledger.lock:
            orders = list(ledger.orders.values())
        sim_orders = {
            "dispatched": sum(1 for o in orders if o.status not in (None, "new", "cancelled")),
            "closed": sum(1 for o in orders if o.status == "closed"),
        }
        before = outcome["orders_before"]
        server_orders: dict = {}

        def orders_agree() -> bool:
            nonlocal server_orders
            after = self._order_totals()
            server_orders = {k: after[k] - before[k] for k in before}
            return server_orders == sim_orders

        deadline = time.monotonic() + 30
        agreed = orders_agree()
        while not agreed and time.monotonic() < deadline:
            time.sleep(2)  # the roll-ups are refreshed by a job
            agreed = orders_agree()
        latencies = self.telephony.latencies
        return {
            "preset": self.options.preset,
            "hours": self.options.hours,
            "scale": self.options.scale,
            "speed": self.speed,
            "seed": self.seed,
            "strict": self.options.strict,
            "start": _clock(outcome["start_hour"]),
            "wall_seconds": round(outcome["wall_seconds"], 1),
            "timers": timers,
            "plan": outcome["plan"],
            "counts": ledger.summary_counts(self.telephony.main_number),
            "calls": {"simulated": simulated, "server": server, "agree": calls_agree},
            "work_orders": {
                "simulated": {
                    **sim_orders,
                    "filed": len(orders),
                    "closure_rate": _ratio(sim_orders["closed"], sim_orders["dispatched"]),
                },
                "server": {
                    **server_orders,
                    "closure_rate": _ratio(
                        server_orders.get("closed", 0), server_orders.get("dispatched", 0)
                    ),
                },
                "agree": agreed,
            },
            "webhooks": {
                "count": len(latencies.seconds),
                "per_second": round(
                    outcome["webhooks_in_arrivals"] / outcome["arrivals_wall_seconds"], 1
                )
                if outcome["arrivals_wall_seconds"]
                else None,
                "p50_ms": _ms(latencies.percentile(0.5)),
                "p99_ms": _ms(latencies.percentile(0.99)),
                "by_status": {str(k): v for k, v in sorted(latencies.by_status.items())},
                "errors": dict(ledger.webhook_errors),
                "paths": latencies.paths(),
            },
            "api": {
                "count": len(self.api_latencies.seconds),
                "p50_ms": _ms(self.api_latencies.percentile(0.5)),
                "p99_ms": _ms(self.api_latencies.percentile(0.99)),
                "by_status": {str(k): v for k, v in sorted(self.api_latencies.by_status.items())},
                "paths": self.api_latencies.paths(),
            },
            "rest_requests": dict(self.telephony.rest_requests),
            "accounting": accounting.as_dict(),
            "problems": ledger.problems[:20],
            "ok": accounting.lost == 0 and accounting.wrong_state == 0 and calls_agree and agreed,
        }


def _clock(hour: float) -> str:
    return f"{int(hour):02d}:{round(hour % 1 * 60):02d}"


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


class Progress:
    """A progress line on stderr: simulated clock, arrivals, calls in the system."""

    def __init__(self, sim: Simulation, total: int, enabled: bool, callback=None):
        self.sim, self.total, self.enabled, self.callback = sim, total, enabled, callback
        self.arrived = 0
        self.last = 0.0
        self.tty = sys.stderr.isatty()

    def show(self, moment: float, draining: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < (0.5 if self.tty else 10):
            return
        self.last = now
        done = self.arrived / self.total if self.total else 1.0
        bar = "#" * round(done * 24)
        clock = f"{int(moment // 3600) % 24:02d}:{int(moment % 3600 // 60):02d}"
        counts = self.sim.ledger.summary_counts()
        busy = sum(1 for s in self.sim.seats if s.state in ("on_call", "reserved", "wrap_up"))
        on = self.sim.roster.wanted() if self.sim.roster else 0
        line = (
            f"[{bar:<24}] {done:4.0%} {clock} {'draining ' if draining else ''}"
            f"calls {counts['calls']} texts {counts['texts']} "
            f"orders {counts['work_orders']} ({counts['work_orders_closed']} closed) "
            f"agents {busy}/{on} busy  webhooks {len(self.sim.telephony.latencies.seconds)}"
        )
        if self.tty:
            sys.stderr.write("\r" + line[:150].ljust(150))
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


def today_local() -> date:
    return (datetime.now(UTC) + LOCAL_OFFSET).date()
