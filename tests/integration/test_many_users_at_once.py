"""Many callers, agents and department users at once, against gunicorn on PostgreSQL.

A real multi-process server (``gunicorn --workers 4``) serves the product; client threads
drive it only over HTTP, as Twilio, the agents' consoles and the departments' systems do:

* callers place calls through the menu into the queue with signed Twilio webhooks, wait,
  are bridged (the redirect Twilio would get is read from the local gateway's outbox), talk
  and rate, or lose patience and hang up in the queue;
* agents log in at /api/v1/session, go available, poll for their reservation, accept it,
  resolve the call or file a work order, finish, and go available again;
* department users (department tokens and portal logins) act on the same work orders at
  the same moment with the version they read; supervisors decide extensions and disputes
  and reopen replied orders, so that the orders keep coming back to the unit.

While they run, a watcher checks the routing invariants in single-statement snapshots.
Afterwards the history tables must tell one consistent story: no agent reserved for two
calls, no call answered by two agents, every call ended once, every work order's trail a
valid walk through the transition table with exactly one event per successful answer.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from hotline import db
from hotline.infra import context
from hotline.infra.tokens import create_token
from routing.models import Agent, AgentStateChange, Call, CallEvent
from tests.conftest import TWILIO_TOKEN
from tests.factories import PASSWORD, make_agent, make_user
from tests.served import free_port, hotline_env, wait_until_healthy
from workorders import services as workorders
from workorders.deadlines import DEFAULT_POLICY
from workorders.models import WorkOrder, WorkOrderEvent
from workorders.states import TRANSITIONS, replay

pytestmark = [pytest.mark.slow, pytest.mark.db]

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
WORKERS = 4
AGENTS = 20
CALLERS = 60
ARRIVAL_SPREAD = 0.12  # seconds between two callers dialling
TOKEN_USERS = 4
PORTAL_USERS = 4
SUPERVISORS = 2
ORDERS = 6
ROUNDS = 24  # rounds in which every department user acts on one order at the same moment
UNIT = "GZ-RSJ"
CATEGORY = "SOCINS.PENSION"  # its rule dispatches to UNIT
WAIT_POLL = 0.5
PATIENCE = 40.0
REQUEST_TIMEOUT = 30.0
START_TIMEOUT = 45.0
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2

# One PostgreSQL statement sees one snapshot: these hold at every instant.
INVARIANTS = sa.text(
    """
    SELECT
      (SELECT count(*) FROM (SELECT reserved_agent_id FROM calls
         WHERE reserved_agent_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1) AS d)
        AS agent_reserved_twice,
      (SELECT count(*) FROM calls c JOIN agents a ON a.id = c.reserved_agent_id
         WHERE a.state <> 'reserved' OR c.status <> 'queued')
        AS reservation_without_reserved_agent,
      (SELECT count(*) FROM agents a WHERE a.state = 'reserved'
         AND NOT EXISTS (SELECT 1 FROM calls c WHERE c.reserved_agent_id = a.id))
        AS reserved_agent_without_call,
      (SELECT count(*) FROM (SELECT agent_id FROM calls WHERE status = 'connected'
         GROUP BY 1 HAVING count(*) > 1) AS d)
        AS agent_on_two_calls,
      (SELECT count(*) FROM calls c JOIN agents a ON a.id = c.agent_id
         WHERE c.status = 'connected' AND a.state <> 'on_call')
        AS connected_call_without_agent_on_call
    """
)


@dataclass
class Link:
    """What passes between a caller and the agent who took the call, outside the hotline:
    the telephone line itself."""

    bridged: threading.Event = field(default_factory=threading.Event)
    agent_hung_up: threading.Event = field(default_factory=threading.Event)


class World:
    """The shared record of what every client sent and was answered."""

    def __init__(self, url: str, outbox: Path):
        self.url = url
        self.outbox = outbox
        self.lock = threading.Lock()
        self.answers: Counter = Counter()  # (client kind, status code)
        self.server_errors: list[str] = []
        self.problems: list[str] = []
        self.accepted: dict[int, list[int]] = defaultdict(list)  # call id -> agent ids
        self.reservations_seen = 0
        self.filed: list[str] = []  # work orders the agents filed from their calls
        self.order_answers: list[tuple[str, str, int | None, int, int | None]] = []
        self.links: dict[str, Link] = defaultdict(Link)  # by the caller's number
        self.callers_done = threading.Event()
        self.departments_done = threading.Event()
        self.validator = RequestValidator(TWILIO_TOKEN)

    def link(self, number: str) -> Link:
        with self.lock:
            return self.links[number[-6:]]

    def request(self, kind: str, http: requests.Session, method: str, target: str, **kw):
        url = target if target.startswith("http") else self.url + target
        response = http.request(method, url, timeout=REQUEST_TIMEOUT, **kw)
        with self.lock:
            self.answers[kind, response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(
                    f"{method} {target} -> {response.status_code}: {response.text[:300]}"
                )
        return response

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def redirect_for(self, call_sid: str, timeout: float = 10.0) -> str | None:
        """The bridge URL the hotline sent Twilio for this call (the local gateway's outbox)."""
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if self.outbox.exists():
                for line in self.outbox.read_text(encoding="utf-8").splitlines():
                    if f'"call_sid": "{call_sid}"' in line and '"kind": "redirect"' in line:
                        return line.split('"url": "', 1)[1].split('"', 1)[0]
            time.sleep(0.1)
        return None


def run_threads(kind: str, targets, errors: list[str]) -> list[threading.Thread]:
    def guarded(target):
        def run():
            try:
                target()
            except Exception as exc:  # surfaced by the test: a thread must not hide a failure
                errors.append(f"{threading.current_thread().name}: {type(exc).__name__}: {exc}")

        return run

    threads = [
        threading.Thread(target=guarded(t), name=f"{kind}-{i}", daemon=True)
        for i, t in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    return threads


# --- Callers --------------------------------------------------------------------------


class CallerPhone:
    def __init__(self, world: World, index: int):
        self.world = world
        self.index = index
        self.sid = "CA" + uuid.uuid4().hex
        self.number = f"+86139{index:08d}"
        self.http = requests.Session()

    def post(self, target: str, expect: str | None = None, **params) -> str:
        world = self.world
        url = target if target.startswith("http") else world.url + target
        form = {"CallSid": self.sid, "AccountSid": ACCOUNT_SID, **params}
        headers = {"X-Twilio-Signature": world.validator.compute_signature(url, form)}
        response = world.request("caller", self.http, "POST", url, data=form, headers=headers)
        assert response.status_code == 200, (target, response.status_code, response.text[:300])
        assert "X-Hotline-Spooled" not in response.headers, (target, response.text[:300])
        if expect is not None:
            assert expect in response.text, (target, expect, response.text[:300])
        return response.text

    def run(self) -> None:
        time.sleep(self.index * ARRIVAL_SPREAD)
        self.post("/twilio/voice", "<Gather", From=self.number, To="12345", Direction="inbound")
        self.post("/twilio/voice/language", "<Gather", Digits="1")
        self.post("/twilio/voice/menu", "<Enqueue", Digits=str(1 + self.index % 2))
        patience = 1.0 + self.index % 3 if self.index % 7 == 3 else PATIENCE
        enqueued = time.monotonic()
        while True:
            waited = str(round(time.monotonic() - enqueued))
            body = self.post("/twilio/voice/wait", QueuePosition="1", QueueTime=waited)
            if "<Say" not in body:  # no longer queued: an agent took the call
                break
            if time.monotonic() - enqueued > patience:
                self.hang_up_in_queue(waited)
                return
            time.sleep(WAIT_POLL)
        self.talk(str(round(time.monotonic() - enqueued)))

    def hang_up_in_queue(self, waited: str) -> None:
        self.post("/twilio/voice/queue-result", QueueResult="hangup", QueueTime=waited)
        self.post("/twilio/voice/status", CallStatus="completed")
        self.world.link(self.number).bridged.set()  # an agent who took it meanwhile moves on

    def talk(self, waited: str) -> None:
        link = self.world.link(self.number)
        bridge = self.world.redirect_for(self.sid)
        assert bridge is not None, f"call {self.sid} left the queue without a redirect"
        self.post("/twilio/voice/queue-result", QueueResult="redirected", QueueTime=waited)
        dial = self.post(bridge, "<Dial")
        assert "<Client" in dial, dial
        after_dial = dial.split('action="', 1)[1].split('"', 1)[0]
        link.bridged.set()
        if self.index % 3 == 0:  # the citizen hangs up first, while the agent is still busy
            time.sleep(0.2)
            self.post(after_dial, CallStatus="completed", DialCallStatus="completed")
        else:  # the agent hangs up; the citizen stays on to rate
            if not link.agent_hung_up.wait(30):
                self.world.problem(f"the agent never hung up on {self.sid}")
            rate = self.post(
                after_dial, "<Gather", CallStatus="in-progress", DialCallStatus="completed"
            )
            assert "rating" in rate, rate
            self.post("/twilio/voice/rating", Digits=str(1 + self.index % 3))
        self.post("/twilio/voice/status", CallStatus="completed")


# --- Agents ---------------------------------------------------------------------------


class AgentConsole:
    def __init__(self, world: World, index: int, username: str, agent_id: int):
        self.world = world
        self.index = index
        self.username = username
        self.agent_id = agent_id
        self.http = requests.Session()
        self.rng = random.Random(index)

    def api(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        return self.world.request("agent", self.http, method, "/api/v1" + path, json=body)

    def set_state(self, state: str) -> requests.Response:
        return self.api("POST", "/agent/state", {"state": state})

    def run(self) -> None:
        logged_in = self.api("POST", "/session", {"username": self.username, "password": PASSWORD})
        assert logged_in.status_code == 200, logged_in.text
        assert self.set_state("available").status_code == 200
        while True:
            status = self.api("GET", "/agent/status")
            assert status.status_code == 200, status.text
            data = status.json()
            reservation, state = data["reservation"], data["state"]
            if reservation:
                self.take(reservation)
            elif state in ("on_call", "wrap_up"):
                assert self.api("POST", "/agent/finish", {}).status_code == 200
            elif self.world.callers_done.is_set():
                break
            elif state in ("break", "offline"):  # a reservation missed on a slow machine
                self.set_state("available")
            else:
                time.sleep(0.2 + 0.2 * self.rng.random())
        for _ in range(10):
            if self.set_state("offline").status_code == 200:
                return
            data = self.api("GET", "/agent/status").json()
            if data["reservation"]:
                self.take(data["reservation"])
            elif data["state"] in ("on_call", "wrap_up"):
                self.api("POST", "/agent/finish", {})
        raise AssertionError(f"{self.username} could not log off")

    def take(self, reservation: dict) -> None:
        world, call_id = self.world, reservation["id"]
        with world.lock:
            world.reservations_seen += 1
        accepted = self.api("POST", f"/agent/reservations/{call_id}/accept", {})
        if accepted.status_code == 409:  # the caller hung up, or the reservation expired
            return
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["state"] == "on_call", accepted.text
        with world.lock:
            world.accepted[call_id].append(self.agent_id)
        link = world.link(reservation["from"])
        if not link.bridged.wait(30):
            world.problem(f"call {call_id} was accepted but never bridged")
        time.sleep(0.1 + 0.3 * self.rng.random())
        if call_id % 4 == 0:  # one call in four needs a work order
            filed = self.api(
                "POST",
                f"/agent/calls/{call_id}/work-orders",
                {"category": CATEGORY, "description": "市民来电反映养老金没有到账"},
            )
            assert filed.status_code == 201, filed.text
            with world.lock:
                world.filed.append(filed.json()["number"])
        else:
            resolved = self.api("POST", f"/agent/calls/{call_id}/resolve", {})
            assert resolved.status_code == 200, resolved.text
        # The agent hangs up in the browser and ends the call on the console at once: Twilio
        # posts the dial's end while the console posts /finish.
        link.agent_hung_up.set()
        finished = self.api("POST", "/agent/finish", {})
        assert finished.status_code == 200, finished.text
        time.sleep(0.1 * self.rng.random())
        ready = self.set_state("available")
        assert ready.status_code == 200, ready.text


# --- Department users and supervisors --------------------------------------------------


class OrderDesk:
    """A department's system (token) or a portal login acting on the unit's orders."""

    def __init__(self, world: World, index: int, login=None, token=None):
        self.world = world
        self.index = index
        self.http = requests.Session()
        self.login = login
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.rng = random.Random(1000 + index)

    def api(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        return self.world.request(
            "department", self.http, method, "/api/v1" + path, json=body, headers=self.headers
        )

    def start(self) -> None:
        if self.login:
            body = {"username": self.login, "password": PASSWORD}
            assert self.api("POST", "/session", body).status_code == 200

    def read(self, number: str) -> dict:
        response = self.api("GET", f"/workorders/{number}")
        assert response.status_code == 200, response.text
        return response.json()

    def act(self, number: str, action: str, version: int | None, **extra) -> None:
        body = {"action": action, **extra}
        if version is not None:
            body["version"] = version
        response = self.api("POST", f"/workorders/{number}/actions", body)
        assert response.status_code in (200, 409), (action, response.status_code, response.text)
        answered = response.json().get("version") if response.status_code == 200 else None
        with self.world.lock:
            self.world.order_answers.append(
                (number, action, version, response.status_code, answered)
            )


UNIT_ACTIONS = {
    "sign": {},
    "start": {},
    "reply": {"note": "已核实并补发养老金"},
    "return": {"note": "不属于本单位职责"},
    "request_extension": {"working_days": 2, "note": "需要协调社保经办机构"},
}


def department_user(desk: OrderDesk, numbers: list[str], barrier: threading.Barrier) -> None:
    desk.start()
    # Every fourth user sends no version: the database's own version check still refuses
    # to write over a change it has not seen.
    send_version = desk.index % 4 != 3
    for round_ in range(ROUNDS):
        number = numbers[round_ % len(numbers)]
        order = desk.read(number)
        barrier.wait(timeout=60)  # everyone has the order open: now all act at once
        choices = [a for a in order["actions"] if a in UNIT_ACTIONS] or ["sign"]
        action = choices[(desk.index + round_) % len(choices)]
        desk.act(number, action, order["version"] if send_version else None, **UNIT_ACTIONS[action])


def supervisor(desk: OrderDesk, numbers: list[str]) -> None:
    desk.start()
    while not desk.world.departments_done.is_set():
        for number in desk.rng.sample(numbers, len(numbers)):
            order = desk.read(number)
            status, version = order["status"], order["version"]
            if status == "extension_requested":
                decision = ("approve_extension", "deny_extension")[desk.index % 2]
                desk.act(
                    number, decision, version, note="同意" if desk.index % 2 == 0 else "不同意"
                )
            elif status == "disputed":
                desk.act(number, "determine", version, unit=UNIT, note="经审定由人社局办理")
            elif status == "replied":
                desk.act(number, "reopen", version, note="市民不满意")
            elif status in ("dispatched", "signed", "in_progress") and desk.rng.random() < 0.2:
                desk.act(number, "urge", version, note="请抓紧办理")
        time.sleep(0.1)


# --- The server ------------------------------------------------------------------------


@contextmanager
def gunicorn(database_url: str, directory: Path):
    """The product under gunicorn with several workers; stopped on leaving, also on failure."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = hotline_env(directory / "instance", database_url)
    log = directory / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [
                GUNICORN,
                "--workers",
                str(WORKERS),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "hotline.app:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_healthy(url, server, log, "gunicorn", START_TIMEOUT)
        yield url, directory / "instance" / "outbox.jsonl", log
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def watch(database_url: str, stop: threading.Event, seen: Counter, errors: list[str]) -> None:
    engine = db.create_engine(database_url)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            while not stop.is_set():
                row = connection.execute(INVARIANTS).mappings().one()
                seen["snapshots"] += 1
                for name, count in row.items():
                    if count:
                        errors.append(f"{name}: {count}")
                stop.wait(0.05)
    finally:
        engine.dispose()


# --- The test --------------------------------------------------------------------------


def test_many_agents_callers_and_departments_at_once(app, backend, database_url, tmp_path):
    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time: there is nothing to race")
    began = time.monotonic()
    phases: dict[str, float] = {}
    factory = context.sessions(app)
    with app.app_context(), factory() as session:
        seats = []
        for _ in range(AGENTS):
            user, agent = make_agent(
                session, skills={"general": 1, "social_security": 1, "housing": 1}
            )
            seats.append((user.username, agent.id))
        portal = [make_user(session, "department", UNIT).username for _ in range(PORTAL_USERS)]
        chiefs = [make_user(session, "supervisor").username for _ in range(SUPERVISORS)]
        tokens = [
            create_token(session, "department", f"rsj system {i}", UNIT)[1]
            for i in range(TOKEN_USERS)
        ]
        dispatcher = workorders.Actor("dispatcher", None, None)
        numbers = [
            workorders.open_work_order(
                session,
                channel="console",
                category_code=CATEGORY,
                description=f"养老金没有到账 {i}",
                actor=dispatcher,
                policy=DEFAULT_POLICY,
            ).number
            for i in range(ORDERS)
        ]
        session.commit()
        first_new_event = (session.scalar(sa.select(sa.func.max(WorkOrderEvent.id))) or 0) + 1

    thread_errors: list[str] = []
    watcher_errors: list[str] = []
    snapshots: Counter = Counter()
    phases["setup"] = time.monotonic() - began
    with gunicorn(database_url, tmp_path) as (url, outbox, log):
        phases["server up"] = time.monotonic() - began
        world = World(url, outbox)
        stop_watching = threading.Event()
        watcher = threading.Thread(
            target=watch, args=(database_url, stop_watching, snapshots, watcher_errors)
        )
        watcher.start()
        try:
            barrier = threading.Barrier(TOKEN_USERS + PORTAL_USERS)
            desks = [OrderDesk(world, i, token=t) for i, t in enumerate(tokens)] + [
                OrderDesk(world, TOKEN_USERS + i, login=name) for i, name in enumerate(portal)
            ]
            chief_desks = [OrderDesk(world, 100 + i, login=name) for i, name in enumerate(chiefs)]
            callers = [CallerPhone(world, i) for i in range(CALLERS)]
            consoles = [AgentConsole(world, i, name, aid) for i, (name, aid) in enumerate(seats)]

            def department(desk=None):
                try:
                    department_user(desk, numbers, barrier)
                except Exception:
                    barrier.abort()  # the others must not wait for this one for ever
                    raise

            agent_threads = run_threads("agent", [c.run for c in consoles], thread_errors)
            caller_threads = run_threads("caller", [c.run for c in callers], thread_errors)
            desk_threads = run_threads(
                "department", [lambda d=d: department(d) for d in desks], thread_errors
            )
            chief_threads = run_threads(
                "supervisor",
                [lambda d=d: supervisor(d, numbers) for d in chief_desks],
                thread_errors,
            )
            for thread in desk_threads:
                thread.join(timeout=90)
            world.departments_done.set()
            phases["departments"] = time.monotonic() - began
            for thread in caller_threads + chief_threads:
                thread.join(timeout=90)
            world.callers_done.set()
            phases["callers"] = time.monotonic() - began
            for thread in agent_threads:
                thread.join(timeout=60)
            phases["agents"] = time.monotonic() - began
            alive = [
                t.name for t in (*agent_threads, *caller_threads, *desk_threads) if t.is_alive()
            ]
            assert not alive, f"clients still running: {alive}"
        finally:
            stop_watching.set()
            watcher.join(timeout=10)
    server_log = log.read_text()

    assert not thread_errors, "\n".join(thread_errors[:20])
    assert not world.server_errors, "\n".join(world.server_errors[:20])
    assert "Traceback" not in server_log, server_log[-5000:]
    assert not world.problems, world.problems
    assert not watcher_errors, watcher_errors[:20]

    with factory() as session:
        calls = session.scalars(sa.select(Call).where(Call.kind == "inbound")).all()
        spells = session.scalars(
            sa.select(AgentStateChange).order_by(AgentStateChange.agent_id, AgentStateChange.id)
        ).all()
        agents = {a.id: a for a in session.scalars(sa.select(Agent))}
        status_events = Counter(
            session.execute(
                sa.select(CallEvent.call_id, CallEvent.key).where(CallEvent.kind == "status")
            ).all()
        )
        reservations = check_calls_and_agents(world, calls, spells, agents, status_events)
        check_work_orders(session, world, numbers, first_new_event)

    answers = sum(world.answers.values())
    conflicts = sum(n for (_, code), n in world.answers.items() if code == 409)
    print(
        f"\n{answers} requests ({dict(sorted(world.answers.items()))}), {conflicts} conflicts "
        f"answered (409), {reservations} reservations made ({world.reservations_seen} seen by "
        f"agents, {sum(map(len, world.accepted.values()))} accepted), "
        f"{sum(c.status == 'abandoned' for c in calls)} calls abandoned in the queue, "
        f"{len(world.filed)} work orders filed from calls, "
        f"{sum(code == 200 for *_, code, _v in world.order_answers)} work-order actions done, "
        f"{snapshots['snapshots']} invariant snapshots; done after "
        + ", ".join(f"{name} {at:.1f} s" for name, at in phases.items())
        + f", checked after {time.monotonic() - began:.1f} s"
    )


def check_calls_and_agents(world, calls, spells, agents, status_events) -> int:
    assert len(calls) == CALLERS
    # No call was accepted by two agents, and the call records the one that did.
    for call_id, takers in world.accepted.items():
        assert len(takers) == 1, (call_id, takers)
    by_id = {c.id: c for c in calls}
    for call_id, (agent_id,) in world.accepted.items():
        assert by_id[call_id].agent_id == agent_id, call_id
    # Every call ended once, in one consistent state.
    for call in calls:
        assert call.ended_at is not None, call.id
        assert call.reserved_agent_id is None and call.reservation_expires_at is None, call.id
        assert status_events[call.id, "completed"] == 1, call.id
        if call.answered_at is not None:
            assert call.status == "completed" and call.agent_id is not None, call.id
            assert call.resolution in ("on_call", "work_order"), call.id
            assert call.id in world.accepted, call.id
        elif call.id in world.accepted:
            # Accepted as the caller hung up in the queue: the agent's leg never connected,
            # so the call was never answered (answered_at comes from the <Dial> action): it
            # was abandoned, whichever of the caller's end and the agent's news came first.
            assert call.status == "abandoned", call.id
        else:
            assert call.status == "abandoned" and call.agent_id is None, call.id
    # Each agent's history is one unbroken line of spells, ending offline.
    by_agent = defaultdict(list)
    for spell in spells:
        by_agent[spell.agent_id].append(spell)
    following = {
        "reserved": {"available"},
        "on_call": {"reserved"},
        "wrap_up": {"on_call"},
    }
    on_calls = []
    for agent_id, line in by_agent.items():
        assert agents[agent_id].state == "offline", agent_id
        assert [s.ended_at is None for s in line] == [False] * (len(line) - 1) + [True]
        assert line[-1].state == "offline"
        for before, after in pairwise(line):
            assert before.ended_at == after.started_at, (agent_id, before.id, after.id)
            allowed = following.get(after.state)
            assert allowed is None or before.state in allowed, (agent_id, before.state, after.state)
        on_calls += [(s.agent_id, s.started_at) for s in line if s.state == "on_call"]
    # Every accepted call is exactly one spell on a call; an answered call (answered from
    # when the agent's leg connected, the <Dial> action) falls within a spell of its agent.
    assert len(on_calls) == len(world.accepted)
    answered = [(c.agent_id, c.answered_at) for c in calls if c.answered_at is not None]
    assert len(answered) <= len(world.accepted)
    for agent_id, answered_at in answered:
        assert any(a == agent_id and start <= answered_at for a, start in on_calls), agent_id
    return sum(s.state == "reserved" for s in spells)


def check_work_orders(session, world, numbers, first_new_event) -> None:
    done = Counter((n, a) for n, a, _sent, code, _v in world.order_answers if code == 200)
    assert done, "no department or supervisor action succeeded"
    orders = {
        o.number: o
        for o in session.scalars(sa.select(WorkOrder).where(WorkOrder.number.in_(numbers)))
    }
    recorded = Counter()
    for number, order in orders.items():
        trail = session.scalars(
            sa.select(WorkOrderEvent)
            .where(WorkOrderEvent.work_order_id == order.id)
            .order_by(WorkOrderEvent.id)
        ).all()
        # The trail is a walk through the transition table that ends where the order is.
        assert replay(e.action for e in trail) == order.status, number
        for before, event in pairwise(trail):
            assert event.from_status == before.to_status, (number, event.id)
            assert TRANSITIONS[event.from_status, event.action] == event.to_status, event.id
        recorded.update((number, e.action) for e in trail if e.id >= first_new_event)
        # Of the answers that read the same version, at most one changed the order.
        wins = Counter(
            sent
            for n, _a, sent, code, _v in world.order_answers
            if n == number and code == 200 and sent is not None
        )
        assert all(count == 1 for count in wins.values()), (number, wins)
        versions = [v for n, *_, code, v in world.order_answers if n == number and code == 200]
        assert order.version >= max(versions, default=0), number
    # Nothing lost, nothing doubled: one event for every successful answer, and no other.
    assert recorded == done
    # The work orders agents filed from their calls exist, each with its call.
    filed = session.scalars(sa.select(WorkOrder).where(WorkOrder.number.in_(world.filed))).all()
    assert len(filed) == len(world.filed) == len(set(world.filed))
    assert all(order.call_id is not None for order in filed)
