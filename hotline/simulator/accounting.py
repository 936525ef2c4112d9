"""What the simulator did, and the check that the hotline has every bit of it.

The :class:`Ledger` records each call, text and work order the simulation made and how it
ended from the citizen's side. At the end :func:`check_database` looks each one up in the
hotline's database (a call by its CallSid, a text by its MessageSid, an order by its number)
and compares its final state; anything missing or in another state is *lost*. The figures
computed here from the ledger are then compared with the hotline's own reports.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from statistics import fmean

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.simulator.twilio_api import SentText, phone_key
from routing.messaging import Message
from routing.models import Call

MAX_LISTED = 10


@dataclass
class CallRecord:
    sid: str
    phone: str
    to: str
    offered: bool = False
    enqueued_at: float | None = None
    patience_deadline: float | None = None
    redirected_at: float | None = None
    bridged_at: float | None = None
    outcome: str | None = None  # answered, abandoned, left_callback, left_message, ivr_hangup
    queue_time: int | None = None
    chose: str | None = None
    rating: int | None = None
    speech: bool = False
    status_sent: bool = False
    resolution: str | None = None
    callback_bridged: bool = False
    callback_resolution: str | None = None
    callback_misses: int = 0  # calls back the citizen did not answer (no-answer, busy…)

    @property
    def wait(self) -> float | None:
        if self.redirected_at is None or self.enqueued_at is None:
            return None
        return self.redirected_at - self.enqueued_at


@dataclass
class TextRecord:
    sid: str
    phone: str
    kind: str  # question, complaint, survey
    delivered: bool = False
    replies: int = 0
    order: str | None = None


@dataclass
class OrderRecord:
    number: str
    channel: str
    phone: str
    status: str | None = None
    survey: list[str] = field(default_factory=list)


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls: dict[str, CallRecord] = {}
        self.by_phone: dict[str, CallRecord] = {}
        self.texts: dict[str, TextRecord] = {}
        self.texts_by_phone: dict[str, TextRecord] = {}
        self.orders: dict[str, OrderRecord] = {}
        self.deliveries: set[str] = set()
        self.problems: list[str] = []
        self.webhook_errors: Counter = Counter()
        self.unanswered_legs: Counter = Counter()  # "agent no-answer", "callback busy"…
        # The hotline's attempts before a callback is closed unreached (its report says).
        self.callback_attempts = 3

    # --- recording ------------------------------------------------------------------

    def new_call(self, sid: str, phone: str, to: str) -> CallRecord:
        record = CallRecord(sid, phone, to)
        with self.lock:
            self.calls[sid] = record
            self.by_phone[phone_key(phone)] = record
        return record

    def waiting_callback(self, record: CallRecord) -> None:
        pass  # found again by the citizen's phone when the hotline calls back

    def callback_for(self, phone: str) -> CallRecord:
        with self.lock:
            record = self.by_phone.get(phone_key(phone))
        if record is None:
            record = CallRecord("?", phone, "")
            self.problem(f"the hotline called back {phone}, who never asked for it")
        return record

    def leg_unanswered(self, party: str, outcome: str) -> None:
        with self.lock:
            self.unanswered_legs[f"{party} {outcome}"] += 1

    def callback_missed(self, phone: str, outcome: str) -> None:
        """The hotline called the citizen back; they did not answer."""
        self.leg_unanswered("callback", outcome)
        with self.lock:
            record = self.by_phone.get(phone_key(phone))
            if record is not None:
                record.callback_misses += 1

    def unreached(self, record: CallRecord) -> bool:
        """A callback the hotline has given up: every attempt went unanswered."""
        return (
            (record.outcome or "").startswith("left")
            and not record.callback_bridged
            and record.callback_misses >= self.callback_attempts
        )

    def resolved(self, phone: str, kind: str, resolution: str) -> None:
        with self.lock:
            record = self.by_phone.get(phone_key(phone))
        if record is None:
            return
        attribute = "callback_resolution" if kind == "callback" else "resolution"
        if getattr(record, attribute) != "work_order":
            setattr(record, attribute, resolution)

    def new_text(self, sid: str, phone: str, kind: str) -> TextRecord:
        record = TextRecord(sid, phone, kind)
        with self.lock:
            self.texts[sid] = record
            if kind != "survey":
                self.texts_by_phone[phone_key(phone)] = record
        return record

    def text_reply(self, text: SentText) -> TextRecord | None:
        with self.lock:
            record = self.texts_by_phone.get(phone_key(text.to))
            if record is not None:
                record.replies += 1
        return record

    def expect_delivery(self, sid: str) -> None:
        with self.lock:
            self.deliveries.add(sid)

    def new_order(self, number: str, channel: str, phone: str) -> None:
        with self.lock:
            self.orders.setdefault(number, OrderRecord(number, channel, phone))

    def order_seen(self, number: str, status: str) -> None:
        with self.lock:
            self.orders[number].status = status

    def survey_answered(self, number: str, digit: str) -> None:
        with self.lock:
            if number in self.orders:
                self.orders[number].survey.append(digit)

    def pending_callbacks(self) -> int:
        """Callers who left the queue for a callback that has not reached them yet."""
        with self.lock:
            return sum(
                1
                for r in self.calls.values()
                if (r.outcome or "").startswith("left")
                and not r.callback_bridged
                and not self.unreached(r)
            )

    def webhook_error(self, target: str, status: int) -> None:
        with self.lock:
            self.webhook_errors[f"{status} {target.split('?')[0][-40:]}"] += 1

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    # --- the simulator's own figures ------------------------------------------------

    def call_figures(self, short_abandon_seconds: int, service_level_seconds: int) -> dict:
        """The report's call figures, counted from what the citizens lived through."""
        with self.lock:
            records = [r for r in self.calls.values() if r.offered]
        answered = [
            r
            for r in records
            if r.outcome == "answered"
            or ((r.outcome or "").startswith("left") and r.callback_bridged)
        ]
        waits = [wait for r in answered if r.outcome == "answered" and (wait := r.wait) is not None]
        abandoned = [r for r in records if r.outcome == "abandoned"]
        short = [r for r in abandoned if (r.queue_time or 0) < short_abandon_seconds]
        counted = len(records) - len(short)
        within = sum(1 for wait in waits if wait <= service_level_seconds)
        # Resolved on the contact that answered: the call, or the callback the caller asked for.
        resolved = sum(
            1
            for r in answered
            if (r.resolution if r.outcome == "answered" else r.callback_resolution)
            in ("kb", "on_call")
        )
        return {
            "offered": len(records),
            "answered": len(answered),
            "abandoned": len(abandoned) - len(short),
            "short_abandoned": len(short),
            "callbacks_requested": sum(1 for r in records if (r.outcome or "").startswith("left")),
            "callbacks_unreached": sum(1 for r in records if self.unreached(r)),
            "answer_rate": len(answered) / counted if counted else None,
            "service_level": within / counted if counted else None,
            "asa_seconds": round(fmean(waits), 1) if waits else None,
            "first_contact_resolution": resolved / len(answered) if answered else None,
            "resolved_first_contact": resolved,
        }

    def summary_counts(self, main_number: str = "12345") -> dict:
        with self.lock:
            calls = list(self.calls.values())
            texts = list(self.texts.values())
            orders = list(self.orders.values())
        outcomes = Counter(r.outcome or "unfinished" for r in calls)
        return {
            "calls": len(calls),
            "calls_to_legacy_lines": sum(1 for r in calls if r.to != main_number),
            "ivr_hangups": outcomes["ivr_hangup"],
            "speech_choices": sum(1 for r in calls if r.speech),
            "ratings": sum(1 for r in calls if r.rating),
            "texts": sum(1 for t in texts if t.kind != "survey"),
            "survey_answers": sum(1 for t in texts if t.kind == "survey"),
            "work_orders": len(orders),
            "work_orders_closed": sum(1 for o in orders if o.status == "closed"),
            "outcomes": dict(outcomes),
            "unanswered_legs": dict(self.unanswered_legs),
        }


@dataclass
class Accounting:
    checked: int = 0
    lost: int = 0
    wrong_state: int = 0
    open_at_end: int = 0
    details: list[str] = field(default_factory=list)

    def fail(self, text: str, lost: bool = True) -> None:
        if lost:
            self.lost += 1
        else:
            self.wrong_state += 1
        if len(self.details) < MAX_LISTED:
            self.details.append(text)

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "lost": self.lost,
            "wrong_state": self.wrong_state,
            "open_at_end": self.open_at_end,
            "details": self.details,
        }


EXPECTED_STATUS = {
    "answered": "completed",
    "abandoned": "abandoned",
    "left_callback": "left",
    "left_message": "left",
    "ivr_hangup": "completed",
}


def check_database(session: orm.Session, ledger: Ledger, accounting: Accounting) -> None:
    """Find every call and text of the ledger in the hotline's database, in its final state."""
    with ledger.lock:
        calls = list(ledger.calls.values())
        texts = list(ledger.texts.values())
        deliveries = set(ledger.deliveries)
    rows: dict[str, Call] = {}
    sids = [r.sid for r in calls]
    for chunk in range(0, len(sids), 500):
        for row in session.scalars(
            sa.select(Call).where(Call.call_sid.in_(sids[chunk : chunk + 500]))
        ):
            rows[row.call_sid] = row
    children: dict[int | None, Call] = {}
    ids = [c.id for c in rows.values()]
    for chunk in range(0, len(ids), 500):
        for child in session.scalars(
            sa.select(Call).where(
                Call.parent_call_id.in_(ids[chunk : chunk + 500]), Call.kind == "callback"
            )
        ):
            children[child.parent_call_id] = child
    for record in calls:
        accounting.checked += 1
        call = rows.get(record.sid)
        if call is None:
            accounting.fail(f"call {record.sid} ({record.outcome}) is not in the database")
            continue
        outcome = record.outcome or ""
        expected = EXPECTED_STATUS.get(outcome)
        if expected is None:
            accounting.fail(f"call {record.sid} ended unexpectedly ({record.outcome})", lost=False)
            continue
        if call.status != expected or call.ended_at is None:
            accounting.fail(
                f"call {record.sid}: {record.outcome} here, {call.status} "
                f"(ended {call.ended_at}) in the hotline",
                lost=False,
            )
            continue
        if record.outcome == "answered" and call.answered_at is None:
            accounting.fail(f"call {record.sid} was answered but has no answer time", lost=False)
        if outcome.startswith("left"):
            task = children.get(call.id)
            if task is None:
                accounting.fail(f"call {record.sid} asked for a callback; there is no task")
            elif record.callback_bridged and (
                task.answered_at is None or task.status != "completed"
            ):
                accounting.fail(
                    f"callback of {record.sid} was made here, {task.status} in the hotline",
                    lost=False,
                )
            elif ledger.unreached(record):
                if task.status != "unreached" or task.answered_at is not None:
                    accounting.fail(
                        f"callback of {record.sid} never reached the citizen here, "
                        f"{task.status} in the hotline",
                        lost=False,
                    )
            elif not record.callback_bridged:
                accounting.open_at_end += 1
    inbound = [t.sid for t in texts]
    found: set[str] = set()
    for chunk in range(0, len(inbound), 500):
        found.update(
            session.scalars(
                sa.select(Message.sid).where(
                    Message.sid.in_(inbound[chunk : chunk + 500]), Message.direction == "in"
                )
            )
        )
    for text in texts:
        accounting.checked += 1
        if text.sid not in found:
            accounting.fail(f"text {text.sid} ({text.kind}) is not in the database")
        elif text.kind != "survey" and text.replies == 0:
            accounting.fail(f"text {text.sid} ({text.kind}) got no answer", lost=False)
    statuses: dict[str | None, str] = {}
    wanted = sorted(deliveries)
    for chunk in range(0, len(wanted), 500):
        statuses.update(
            session.execute(
                sa.select(Message.sid, Message.status).where(
                    Message.sid.in_(wanted[chunk : chunk + 500])
                )
            ).all()
        )
    for sid in wanted:
        accounting.checked += 1
        if sid not in statuses:
            accounting.fail(f"sent text {sid} is not in the database")
        elif statuses[sid] != "delivered":
            accounting.fail(f"sent text {sid} is {statuses[sid]}, not delivered", lost=False)


def check_orders(departments, ledger: Ledger, accounting: Accounting) -> None:
    """Every order, read back through the work-order API: closed, or still moving."""
    with ledger.lock:
        orders = list(ledger.orders.values())
    for order in orders:
        accounting.checked += 1
        response = departments._as_dispatcher("GET", f"/api/v1/workorders/{order.number}")
        if response.status_code == 404:
            accounting.fail(f"work order {order.number} is not in the hotline")
            continue
        if response.status_code != 200:
            accounting.fail(f"work order {order.number}: {response.status_code}", lost=False)
            continue
        status = response.json()["status"]
        order.status = status
        if status != "closed":
            accounting.open_at_end += 1


def wait_until(predicate, timeout: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
