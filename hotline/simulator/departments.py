"""Departments and the dispatcher, through the work-order API.

Each unit acts with its own department token: it signs for an order, sometimes returns it
(退回) or asks for more time (延期), and replies. The dispatcher (a supervisor login) dispatches
the orders nobody was assigned, settles returns by joint determination and decides
extensions. Real units take days; here they act within simulated minutes, so that the
orders of a run can close before it ends (the citizen's satisfaction text closes them).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import requests

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OfficeTimes:
    """Simulated seconds before each step, drawn uniformly from (low, high)."""

    sign: tuple[float, float] = (20.0, 120.0)
    reply: tuple[float, float] = (30.0, 240.0)
    dispatcher: tuple[float, float] = (10.0, 60.0)
    return_share: float = 0.05
    extension_share: float = 0.05
    start_share: float = 0.5


class Departments:
    def __init__(self, sim, dispatcher: tuple[str, str], tokens: dict[str, str]):
        self.sim = sim
        self.tokens = tokens
        self.times: OfficeTimes = sim.office_times
        self.dispatcher = requests.Session()
        self.dispatcher_login = dispatcher
        self.lock = threading.Lock()
        self.dispatcher_lock = threading.Lock()
        self.orders: dict[str, dict] = {}
        self.local = threading.local()
        self.logged_in = False

    def log_in(self) -> bool:
        username, password = self.dispatcher_login
        response = self.dispatcher.post(
            self.sim.url + "/api/v1/session",
            json={"username": username, "password": password},
            timeout=self.sim.http_timeout,
        )
        self.logged_in = response.status_code == 200
        return self.logged_in

    def track(self, number: str, channel: str, phone: str) -> None:
        """An order the simulation made: follow it until it is closed."""
        with self.lock:
            if number in self.orders:
                return
            self.orders[number] = {
                "number": number,
                "channel": channel,
                "phone": phone,
                "status": None,
                "steps": 0,
                "returned": False,
                "extended": False,
            }
        self.sim.ledger.new_order(number, channel, phone)
        self._later(number, self.times.dispatcher)

    def _later(self, number: str, span: tuple[float, float]) -> None:
        rng = self.sim.rng_for(number + str(self.orders[number]["steps"]))
        self.sim.scheduler.at(self.sim.wall(rng.uniform(*span)), lambda: self.advance(number))

    def _http(self) -> requests.Session:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session

    def _as_unit(self, unit: str, number: str, body: dict) -> requests.Response | None:
        token = self.tokens.get(unit)
        if token is None:
            self.sim.ledger.problem(f"no department token for unit {unit}")
            return None
        return self._timed(
            self._http(),
            "POST",
            f"/api/v1/workorders/{number}/actions",
            body,
            {"Authorization": f"Bearer {token}"},
        )

    def _as_dispatcher(self, method: str, path: str, body: dict | None = None):
        with self.dispatcher_lock:  # one console session: its requests one at a time
            return self._timed(self.dispatcher, method, path, body)

    def _timed(self, http, method, path, body=None, headers=None) -> requests.Response:
        began = time.perf_counter()
        response = http.request(
            method, self.sim.url + path, json=body, headers=headers, timeout=self.sim.http_timeout
        )
        label = f"{method} /api/v1/workorders" + ("/<number>/actions" if body else "/<number>")
        self.sim.api_latencies.add(label, response.status_code, time.perf_counter() - began)
        return response

    def advance(self, number: str) -> None:
        """Look at the order and take its next step (whoever's step it is)."""
        sim, times = self.sim, self.times
        state = self.orders[number]
        state["steps"] += 1
        response = self._as_dispatcher("GET", f"/api/v1/workorders/{number}")
        if response.status_code != 200:
            sim.ledger.problem(f"order {number}: GET answered {response.status_code}")
            return
        order = response.json()
        status, unit, version = order["status"], order["unit"], order["version"]
        state["status"] = status
        sim.ledger.order_seen(number, status)
        rng = sim.rng_for(f"{number}/{state['steps']}")
        if status in ("closed", "cancelled", "merged"):
            return
        acted = None
        if status == "new":
            target = unit or sim.reference.unit_for(order["category"], rng)
            acted = self._as_dispatcher(
                "POST",
                f"/api/v1/workorders/{number}/actions",
                {"action": "dispatch", "unit": target, "note": "按职责交办", "version": version},
            )
            span = times.sign
        elif status == "disputed":
            acted = self._as_dispatcher(
                "POST",
                f"/api/v1/workorders/{number}/actions",
                {"action": "determine", "unit": unit, "note": "联合审定：仍由原单位办理"},
            )
            span = times.sign
        elif status == "extension_requested":
            acted = self._as_dispatcher(
                "POST",
                f"/api/v1/workorders/{number}/actions",
                {"action": "approve_extension", "note": "同意延期"},
            )
            span = times.reply
        elif status == "dispatched":
            if not state["returned"] and rng.random() < times.return_share:
                state["returned"] = True
                acted = self._as_unit(
                    unit, number, {"action": "return", "note": "不属于本单位职责，请重新交办"}
                )
                span = times.dispatcher
            else:
                acted = self._as_unit(unit, number, {"action": "sign", "version": version})
                span = times.reply
        elif status in ("signed", "in_progress"):
            if not state["extended"] and rng.random() < times.extension_share:
                state["extended"] = True
                acted = self._as_unit(
                    unit,
                    number,
                    {"action": "request_extension", "working_days": 5, "note": "需现场核查"},
                )
                span = times.dispatcher
            elif status == "signed" and rng.random() < times.start_share:
                acted = self._as_unit(unit, number, {"action": "start"})
                span = times.reply
            else:
                acted = self._as_unit(
                    unit, number, {"action": "reply", "note": "已安排人员现场处理，问题已解决。"}
                )
                span = times.reply
        else:  # replied or callback: the citizen's satisfaction text decides; look again later
            span = times.reply
        if acted is not None and acted.status_code not in (200, 409):
            sim.ledger.problem(
                f"order {number}: {status} step answered {acted.status_code} {acted.text[:160]}"
            )
        if not sim.stopping_orders.is_set():
            self._later(number, span)

    def open_orders(self) -> list[str]:
        with self.lock:
            return [n for n, s in self.orders.items() if s["status"] not in ("closed", "cancelled")]
