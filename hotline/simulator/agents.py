"""Agents: log in, go available, accept reservations, answer from the knowledge base or file
a work order, wrap up, all through the /api/v1 agent endpoints, as the console does. How
many are on the phones follows the roster (the Erlang C plan per interval, or a fixed number).
"""

from __future__ import annotations

import logging
import math
import random
import re
import threading
import time
from dataclasses import dataclass

import requests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HandleTimes:
    """Talk and wrap-up times in simulated seconds: log-normal talk, exponential wrap-up."""

    talk_seconds: float = 200.0
    talk_sigma: float = 0.5
    wrap_up_seconds: float = 40.0
    kb_share: float = 0.6
    on_call_share: float = 0.15  # the others file a work order

    @property
    def mean(self) -> float:
        return self.talk_seconds + self.wrap_up_seconds

    def talk(self, rng: random.Random) -> float:
        mu = math.log(self.talk_seconds) - self.talk_sigma**2 / 2
        return rng.lognormvariate(mu, self.talk_sigma)

    def wrap_up(self, rng: random.Random) -> float:
        return rng.expovariate(1 / self.wrap_up_seconds) if self.wrap_up_seconds else 0.0


class Roster:
    """Agents wanted on the phones at each moment: one number per interval of the run."""

    def __init__(self, plan: list[int], interval_wall: float, started: float):
        self.plan = plan or [1]
        self.interval_wall = interval_wall
        self.started = started
        self.draining = False

    def wanted(self, now: float | None = None) -> int:
        now = time.monotonic() if now is None else now
        index = int((now - self.started) // self.interval_wall)
        wanted = self.plan[min(max(index, 0), len(self.plan) - 1)]
        return max(wanted, 1) if self.draining else wanted

    @property
    def seats(self) -> int:
        return max(max(self.plan), 1)


class AgentSeat(threading.Thread):
    """One agent at a console, driven through the JSON API."""

    def __init__(self, sim, index: int, username: str, password: str):
        super().__init__(name=f"sim-{username}", daemon=True)
        self.sim, self.index = sim, index
        self.username, self.password = username, password
        self.rng = sim.rng_for(f"agent/{index}")
        self.http = requests.Session()
        self.client_name = username
        self.state = "offline"
        self.calls = 0
        self.stop = threading.Event()
        self.logged_in = threading.Event()  # set once logged in (or failed to)

    def api(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        began = time.perf_counter()
        response = self.http.request(
            method, self.sim.url + "/api/v1" + path, json=body, timeout=self.sim.http_timeout
        )
        label = re.sub(r"/\d+", "/<id>", f"{method} /api/v1{path}")
        self.sim.api_latencies.add(label, response.status_code, time.perf_counter() - began)
        return response

    def run(self) -> None:
        try:
            self._run()
        except Exception:
            log.exception("agent %s stopped", self.username)
            self.sim.ledger.problem(f"agent {self.username} stopped with an error")

    def _run(self) -> None:
        try:
            response = self.api(
                "POST", "/session", {"username": self.username, "password": self.password}
            )
            if response.status_code != 200:
                self.sim.ledger.problem(
                    f"agent {self.username} could not log in: {response.status_code}"
                )
                return
            status = self.api("GET", "/agent/status").json()
            self.client_name = status["agent"]["client"]
            self.state = status["state"]
        finally:
            self.logged_in.set()
        self.sim.clock_started.wait()
        roster, poll = self.sim.roster, self.sim.agent_poll
        while not self.stop.is_set():
            on_duty = self.index < roster.wanted()
            if not on_duty:
                if self.state != "offline" and not self.set_state("offline"):
                    data = self.api("GET", "/agent/status").json()
                    if data.get("reservation"):
                        self.take(data["reservation"])
                        continue
                self.stop.wait(0.5)
                continue
            status = self.api("GET", "/agent/status")
            if status.status_code != 200:
                self.stop.wait(poll)
                continue
            data = status.json()
            self.state = data["state"]
            if data.get("reservation"):
                self.take(data["reservation"])
            elif self.state in ("offline", "break"):
                self.set_state("available")
            elif self.state in ("on_call", "wrap_up"):
                # A call left over (its caller or the bridge failed): finish it.
                self.api("POST", "/agent/finish", {})
                self.set_state("available")
            else:
                self.stop.wait(poll)
        if self.state not in ("reserved", "on_call"):
            self.set_state("offline")

    def set_state(self, state: str) -> bool:
        response = self.api("POST", "/agent/state", {"state": state})
        if response.status_code == 200:
            self.state = response.json()["state"]
            return True
        return False

    def take(self, reservation: dict) -> None:
        sim, rng = self.sim, self.rng
        accepted = self.api("POST", f"/agent/reservations/{reservation['id']}/accept", {})
        if accepted.status_code != 200:
            return  # the caller hung up, or the reservation expired: the next one
        self.calls += 1
        live = self.wait_for_bridge()
        if live is None:
            refused = sim.telephony.take_refusal(self.client_name) is not None
            if not refused and self.state == "on_call":
                sim.ledger.problem(f"call {reservation['id']} was accepted but never bridged")
            if not refused:
                # A phone that rang out is the hotline's to report (the <Dial> action sets
                # the agent not ready); finishing then would end the caller's call.
                self.api("POST", "/agent/finish", {})
            self.set_state("available")
            return
        talk = sim.wall(sim.handle_times.talk(rng))
        time.sleep(talk * 0.6)
        self.resolve(reservation)
        time.sleep(talk * 0.4)
        sim.telephony.hang_up_agent(self.client_name)
        live.after_dial.wait(sim.bridge_timeout)
        time.sleep(sim.wall(sim.handle_times.wrap_up(rng)))
        response = self.api("POST", "/agent/state", {"state": "available"})
        if response.status_code == 409:
            self.api("POST", "/agent/finish", {})
            response = self.api("POST", "/agent/state", {"state": "available"})
        if response.status_code == 200:
            self.state = response.json()["state"]

    def wait_for_bridge(self):
        """The call ringing this agent's client, once the bridge dials it; None when it
        will not: the dial was refused, or the hotline freed the agent (the citizen called
        back did not answer), or the bridge timed out."""
        sim = self.sim
        deadline = time.monotonic() + sim.bridge_timeout
        while (remaining := deadline - time.monotonic()) > 0:
            live = sim.telephony.wait_for_client(self.client_name, min(1.0, remaining))
            if live is not None or sim.telephony.refused_recently(self.client_name):
                return live
            status = self.api("GET", "/agent/status")
            if status.status_code == 200:
                self.state = status.json()["state"]
                if self.state != "on_call":
                    return None
        return None

    def resolve(self, reservation: dict) -> None:
        """Answer from the knowledge base, on the call, or file a work order."""
        sim, rng, times = self.sim, self.rng, self.sim.handle_times
        call_id, phone = reservation["id"], reservation["from"]
        draw = rng.random()
        if draw < times.kb_share + times.on_call_share:
            article = None
            if draw < times.kb_share and sim.reference.articles:
                article = rng.choice(sim.reference.articles)
            response = self.api(
                "POST",
                f"/agent/calls/{call_id}/resolve",
                {"article_id": article} if article else {},
            )
            if response.status_code == 200:
                sim.ledger.resolved(phone, reservation["kind"], "kb" if article else "on_call")
            return
        category, district, street = sim.reference.place_for(reservation, rng)
        response = self.api(
            "POST",
            f"/agent/calls/{call_id}/work-orders",
            {
                "category": category,
                "description": "市民来电反映：" + rng.choice(sim.reference.complaints),
                "citizen_phone": phone,
                "district": district,
                "street": street,
                "address": f"{rng.randint(1, 400)}号",
            },
        )
        if response.status_code == 201:
            order = response.json()
            sim.ledger.resolved(phone, reservation["kind"], "work_order")
            sim.departments.track(order["number"], "phone", phone)
        else:
            sim.ledger.problem(f"work order refused: {response.status_code} {response.text[:200]}")
