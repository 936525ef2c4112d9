"""Citizens: they call 12345 or an old department line, choose in the menus by digit or by
speech, wait (and hang up when their patience runs out), ask for a callback or leave a
message, rate the agent, text questions and complaints, and answer the satisfaction text.

Each call is one thread that follows the TwiML the hotline answers, as Twilio would: a
<Gather> is answered (or times out into the next verb), a <Redirect> fetched, an <Enqueue>
waits in the queue posting its wait URL, a <Dial> rings the agent's client.
"""

from __future__ import annotations

import random
import re
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Literal

from hotline.simulator.accounting import CallRecord
from hotline.simulator.twilio_api import LiveCall, SentText, new_sid, phone_key

ORDER_NUMBER = re.compile(r"\d{8}-\d{6}")
SURVEY_MARK = "1 满意"
COMPLAINTS = (
    "路口井盖缺失，晚上很危险，请尽快处理。",
    "小区从早上开始停水，没有收到通知。",
    "附近工地夜间施工噪音很大，影响休息。",
    "路口红绿灯坏了，车辆通行混乱。",
    "公司拖欠三个月工资，多次讨要无果。",
    "楼下餐馆油烟很大，反映多次没有改善。",
    "台风过后路边大树倒了，挡住了人行道。",
    "小区门口积水很深，下水道堵了。",
)


@dataclass(frozen=True)
class Behaviour:
    """How citizens behave; times in simulated seconds."""

    legacy_share: float = 0.2  # calls to an old department line rather than 12345
    language_weights: tuple[float, float, float] = (0.85, 0.1, 0.05)  # zh, yue, en
    speech_share: float = 0.3  # answer the topic menu by speech
    silence_share: float = 0.08  # say nothing (the menu repeats)
    ivr_hangup_share: float = 0.02  # hang up in the menus
    patience_seconds: float = 120.0  # mean, exponential
    choice_shares: tuple[float, float, float] = (0.3, 0.15, 0.1)  # 1 wait, 2 callback, 3 msg
    rating_shares: tuple[float, float, float] = (0.75, 0.15, 0.05)  # the rest do not rate
    menu_listen_seconds: float = 8.0
    wait_loop_seconds: float = 15.0
    ring_seconds: float = 5.0
    unusual_callbacks_share: float = 0.1  # status callbacks repeated or before the result
    survey_shares: tuple[float, float, float] = (0.7, 0.2, 0.1)  # 1, 2, 3
    complaint_share: float = 0.5  # of texts; the others ask a question


class MalformedTwiml(ValueError):
    """The hotline answered TwiML that Twilio could not follow."""


class CallFlow:
    """One citizen's call, from the first webhook to the last status callback."""

    def __init__(
        self,
        sim,
        rng: random.Random,
        phone: str,
        to_number: str,
        call: LiveCall,
        record: CallRecord,
    ):
        self.sim = sim
        self.tel = sim.telephony
        self.behaviour: Behaviour = sim.behaviour
        self.rng = rng
        self.phone = phone
        self.to_number = to_number
        self.call = call
        self.record = record
        self.patience = rng.expovariate(1 / self.behaviour.patience_seconds)

    @classmethod
    def dial_in(cls, sim, rng: random.Random, phone: str, to_number: str) -> CallFlow:
        """The citizen dials the hotline: Twilio opens the call and the ledger notes it."""
        call = sim.telephony.open_call(phone)
        record = sim.ledger.new_call(call.sid, phone, to_number)
        return cls(sim, rng, phone, to_number, call, record)

    # --- helpers -----------------------------------------------------------------------

    def wall(self, simulated: float) -> float:
        return simulated / self.sim.speed

    def pause(self, simulated: float) -> None:
        time.sleep(max(0.0, self.wall(simulated)))

    def post(self, target: str, **params: str) -> str | None:
        base = {"CallSid": self.call.sid, "From": self.phone, "To": self.to_number}
        if self.call.direction != "inbound":
            base = {"CallSid": self.call.sid, "From": self.tel.main_number, "To": self.phone}
        base["Direction"] = self.call.direction
        status, body = self.tel.post(target, {**base, **params})
        if status != 200:
            self.sim.ledger.webhook_error(target, status)
            return None
        return body

    # --- the call ----------------------------------------------------------------------

    def run(self) -> None:
        try:
            body = self.post("/twilio/voice", CallStatus="ringing")
            outcome = self.follow(body)
            self.end(outcome)
        finally:
            self.call.state = "ended"
            self.call.finished.set()

    def follow(self, body: str | None) -> str:
        """Play TwiML until the call ends; returns how it ended."""
        try:
            return self._follow(body)
        except (ET.ParseError, MalformedTwiml):
            return "error"

    def _follow(self, body: str | None) -> str:
        while True:
            if body is None:
                return "error"
            verbs = list(ET.fromstring(body))
            body = None
            for verb in verbs:
                tag = verb.tag
                if tag == "Say":
                    continue
                if tag == "Pause":
                    continue
                if tag == "Gather":
                    answer = self.answer(verb)
                    if answer == "hangup":
                        return "ivr_hangup"
                    if answer is not None:
                        body = self.post(_attribute(verb, "action"), **answer)
                        break
                    continue  # no input: on to the next verb
                if tag == "Redirect":
                    body = self.post((verb.text or "").strip())
                    break
                if tag == "Enqueue":
                    return self.queue(verb)
                if tag == "Dial":
                    return self.talk(verb)
                if tag == "Record":
                    self.pause(20)
                    url = f"https://api.twilio.com/2010-04-01/Accounts/{self.tel.account_sid}"
                    body = self.post(
                        _attribute(verb, "action"),
                        RecordingUrl=f"{url}/Recordings/{new_sid('RE')}",
                        RecordingDuration="20",
                        Digits="#",
                    )
                    break
                if tag in ("Hangup", "Leave"):
                    return "hangup"
            if body is None:
                return "hangup"  # the document ended: Twilio hangs up

    def answer(self, gather: ET.Element) -> dict[str, str] | Literal["hangup"] | None:
        """What the caller says or presses at a <Gather>; None when they stay silent."""
        action = gather.get("action") or ""
        behaviour, rng = self.behaviour, self.rng
        self.pause(behaviour.menu_listen_seconds * (0.5 + rng.random()))
        if action.endswith("/language"):
            if rng.random() < behaviour.ivr_hangup_share:
                return "hangup"
            digit = rng.choices(("1", "2", "3"), behaviour.language_weights)[0]
            return {"Digits": digit}
        if action.endswith("/menu"):
            draw = rng.random()
            if draw < behaviour.silence_share:
                return None
            options = self.sim.reference.menu
            digit, keywords = rng.choice(options)
            if draw < behaviour.silence_share + behaviour.speech_share and keywords:
                words = rng.choice(keywords)
                self.record.speech = True
                return {"SpeechResult": f"我想问一下{words}的问题", "Confidence": "0.87"}
            return {"Digits": digit}
        if action.endswith("/rating"):
            draw, shares = rng.random(), behaviour.rating_shares
            for digit, limit in zip(("1", "2", "3"), _cumulative(shares), strict=True):
                if draw < limit:
                    self.record.rating = int(digit)
                    return {"Digits": digit}
            return None
        return {"Digits": "1"}

    def queue(self, enqueue: ET.Element) -> str:
        """Wait in the queue: post the wait URL, hang up when patience runs out, or leave."""
        call, record, sim = self.call, self.record, self.sim
        wait_url, action = _attribute(enqueue, "waitUrl"), _attribute(enqueue, "action")
        with call.lock:
            call.state = "queued"
            call.redirected.clear()
        enqueued_at, deadline = record.enqueued_at, record.patience_deadline
        if call.direction != "inbound":
            # A citizen called back and queued again (their agent is gone): their own wait,
            # not the original call's, which the ledger keeps as it ended.
            enqueued_at = time.monotonic()
            deadline = enqueued_at + self.wall(self.patience)
        elif enqueued_at is None or deadline is None:
            enqueued_at = record.enqueued_at = time.monotonic()
            record.offered = True
            deadline = record.patience_deadline = enqueued_at + self.wall(self.patience)
        while True:
            queued_for = round(time.monotonic() - enqueued_at)
            body = self.post(wait_url, QueueTime=str(queued_for), QueuePosition="1")
            if body and "wait-choice" in body:
                digit = self.wait_choice()
                if digit is not None:
                    choice = re.search(r'action="([^"]*wait-choice[^"]*)"', body)
                    if choice is None:
                        raise MalformedTwiml("the wait music offers a choice without its action")
                    left = self.post(choice.group(1), Digits=digit)
                    if left and "<Leave" in left:
                        with call.lock:
                            if call.state == "queued":
                                call.state = "left"
                        if call.state == "left":
                            record.outcome = "left_callback" if digit == "2" else "left_message"
                            sim.ledger.waiting_callback(record)
                            then = self.post(action, QueueResult="leave", QueueTime=str(queued_for))
                            return self.follow(then)
            period = self.wall(self.behaviour.wait_loop_seconds)
            period = max(period, sim.min_wait_poll)
            remaining = deadline - time.monotonic()
            if call.redirected.wait(max(0.0, min(period, remaining))):
                return self.redirected(action, enqueued_at)
            if time.monotonic() >= deadline:
                with call.lock:
                    if call.state == "queued":
                        call.state = "ended"
                if call.state == "ended":
                    return self.abandon(action, enqueued_at)
                return self.redirected(action, enqueued_at)

    def wait_choice(self) -> str | None:
        if self.record.chose is not None:
            return None
        draw = self.rng.random()
        for digit, limit in zip(
            ("1", "2", "3"), _cumulative(self.behaviour.choice_shares), strict=True
        ):
            if draw < limit:
                self.record.chose = digit
                return digit
        self.record.chose = ""
        return None

    def redirected(self, action: str, enqueued_at: float) -> str:
        """An agent accepted: the hotline moved the call out of the queue, to the bridge."""
        record = self.record
        record.redirected_at = time.monotonic()
        waited = str(round(record.redirected_at - enqueued_at))
        self.post(action, QueueResult="redirected", QueueTime=waited)
        # Telephony.redirect sets the URL before it wakes the queue, and only it moves a
        # queued call on without ending it.
        assert self.call.redirect_url is not None
        return self.follow(self.post(self.call.redirect_url))

    def abandon(self, action: str, enqueued_at: float) -> str:
        """Patience ran out: Twilio reports the queue result and the call's end, in either
        order, now and then twice."""
        record = self.record
        waited = str(round(time.monotonic() - enqueued_at))
        if self.call.direction == "inbound":
            record.outcome = "abandoned"
            record.queue_time = int(waited)
        posts = [
            lambda: self.post(action, QueueResult="hangup", QueueTime=waited),
            lambda: self.post("/twilio/voice/status", CallStatus="completed", CallDuration=waited),
        ]
        if self.rng.random() < self.behaviour.unusual_callbacks_share:
            self.rng.shuffle(posts)
            posts.append(posts[0])
        for post in posts:
            post()
        record.status_sent = True
        return "abandoned"

    def talk(self, dial: ET.Element) -> str:
        """The bridge dials the agent's client; the citizen talks until the agent hangs up."""
        call, record = self.call, self.record
        identity = dial.find("Client/Identity")
        agent = "" if identity is None else (identity.text or "").strip()
        if not agent:
            return "hangup"
        outcome = self.tel.agent_answers.next(agent)
        if outcome != "completed":
            return self.not_answered(dial, agent, outcome)
        with call.lock:
            call.state = "bridged"
        call.agent_hung_up.clear()
        self.tel.dialled_client(call, agent)
        began = time.monotonic()
        if record.bridged_at is None:
            record.bridged_at = began
        if call.direction == "inbound" and record.outcome is None:
            record.outcome = "answered"
        elif call.direction != "inbound":
            record.callback_bridged = True  # the citizen called back talks to an agent
        answered = call.agent_hung_up.wait(self.sim.max_talk_wall)
        if not answered:
            self.tel.hang_up_agent(agent)
        body = self.post(
            _attribute(dial, "action"),
            CallStatus="in-progress",
            DialCallStatus="completed" if answered else "no-answer",
            DialCallDuration=str(round(time.monotonic() - began)),
        )
        call.after_dial.set()
        return self.follow(body)

    def not_answered(self, dial: ET.Element, agent: str, outcome: str) -> str:
        """The agent's client rang out (no-answer), was busy or failed: Twilio requests the
        <Dial> action with that status, the caller still on the line."""
        self.pause(self.behaviour.ring_seconds)
        self.sim.ledger.leg_unanswered("agent", outcome)
        self.tel.refuse_client(self.call, agent, outcome)
        body = self.post(
            _attribute(dial, "action"),
            CallStatus="in-progress",
            DialCallStatus=outcome,
            DialCallDuration="0",
        )
        return self.follow(body)

    def end(self, outcome: str) -> None:
        record = self.record
        if record.outcome is None:
            record.outcome = "ivr_hangup" if not record.offered else outcome
        if record.status_sent:
            return
        posts = [lambda: self.post("/twilio/voice/status", CallStatus="completed")]
        if self.rng.random() < self.behaviour.unusual_callbacks_share:
            posts.append(posts[0])  # Twilio retried the status callback
        for post in posts:
            post()
        record.status_sent = True


class CallbackFlow(CallFlow):
    """The hotline calls the citizen back (their callback, or about their voice message)."""

    def __init__(self, sim, call: LiveCall, url: str):
        rng = sim.rng_for(call.sid)
        record = sim.ledger.callback_for(call.citizen)
        super().__init__(sim, rng, call.citizen, sim.telephony.main_number, call, record)
        self.url = url

    def run(self) -> None:
        try:
            time.sleep(max(self.wall(self.behaviour.ring_seconds), 0.3))
            body = None
            for _ in range(20):
                # The hotline learns this call's sid from the REST answer: its bridge refuses
                # the call until it has recorded it.
                status, body = self.tel.post(
                    self.url,
                    {
                        "CallSid": self.call.sid,
                        "From": self.tel.main_number,
                        "To": self.phone,
                        "Direction": "outbound-api",
                        "CallStatus": "in-progress",
                    },
                )
                if status == 200:
                    break
                body = None
                time.sleep(0.1)
            if body is None:
                self.sim.ledger.webhook_error(self.url, 400)
                return
            self.follow(body)
            self.tel.call_status(self.call, "completed")
        finally:
            self.call.state = "ended"
            self.call.finished.set()


class TextFlow:
    """A citizen texts 12345: a question the knowledge base may answer, or a complaint."""

    def __init__(self, sim, index: int, rng: random.Random, phone: str):
        self.sim, self.index, self.rng, self.phone = sim, index, rng, phone

    def run(self) -> None:
        sim, rng = self.sim, self.rng
        complaint = rng.random() < sim.behaviour.complaint_share or not sim.reference.questions
        body = rng.choice(COMPLAINTS) if complaint else rng.choice(sim.reference.questions)
        sid = new_sid("SM")
        record = sim.ledger.new_text(sid, self.phone, "complaint" if complaint else "question")
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "From": self.phone,
            "To": sim.telephony.main_number,
            "Body": body,
            "NumMedia": "0",
        }
        deliveries = 2 if rng.random() < 0.05 else 1  # Twilio retried the webhook
        for _ in range(deliveries):
            status, _ = sim.telephony.post("/twilio/sms", params)
            if status != 200:
                sim.ledger.webhook_error("/twilio/sms", status)
        record.delivered = True


class Inbox:
    """What the hotline texts to citizens: delivery reports back, orders noted, surveys
    answered."""

    def __init__(self, sim):
        self.sim = sim
        self.lock = threading.Lock()
        self.survey_answers: dict[str, int] = {}

    def receive(self, text: SentText) -> None:
        sim = self.sim
        if text.status_callback:
            self._report_delivery(text)
        record = sim.ledger.text_reply(text)
        if record is not None and record.kind == "complaint" and record.order is None:
            match = ORDER_NUMBER.search(text.body)
            if match:
                record.order = match.group(0)
                sim.departments.track(match.group(0), "sms", text.to)
        if SURVEY_MARK in text.body:
            match = ORDER_NUMBER.search(text.body)
            if match:
                delay = sim.wall(sim.rng_for(text.sid).uniform(30, 120))
                sim.scheduler.at(delay, lambda: self._answer_survey(text, match.group(0)))

    def _report_delivery(self, text: SentText) -> None:
        sim, rng = self.sim, self.sim.rng_for(text.sid)
        statuses = ["sent", "delivered"]
        if rng.random() < sim.behaviour.unusual_callbacks_share:
            statuses = ["delivered", "sent", "delivered"]  # late and repeated
        for number, status in enumerate(statuses):
            params = {"MessageSid": text.sid, "MessageStatus": status, "To": text.to}
            sim.scheduler.at(
                0.05 * (number + 1),
                lambda p=params: sim.telephony.post(text.status_callback, p),
            )
        sim.ledger.expect_delivery(text.sid)

    def _answer_survey(self, text: SentText, number: str) -> None:
        sim = self.sim
        key = phone_key(text.to)
        with self.lock:
            asked = self.survey_answers.get(number, 0)
            self.survey_answers[number] = asked + 1
        rng = sim.rng_for(text.sid + "survey")
        digit = "1"
        if asked == 0:
            draw = rng.random()
            digit = "3"
            for choice, limit in zip(
                ("1", "2"), _cumulative(sim.behaviour.survey_shares), strict=False
            ):
                if draw < limit:
                    digit = choice
                    break
        sim.ledger.survey_answered(number, digit)
        sid = new_sid("SM")
        sim.telephony.post(
            "/twilio/sms",
            {
                "MessageSid": sid,
                "SmsSid": sid,
                "From": "+86" + key,
                "To": sim.telephony.main_number,
                "Body": digit,
                "NumMedia": "0",
            },
        )
        sim.ledger.new_text(sid, "+86" + key, "survey").delivered = True


def _attribute(verb: ET.Element, name: str) -> str:
    """An attribute the hotline always writes on this verb."""
    value = verb.get(name)
    if value is None:
        raise MalformedTwiml(f"<{verb.tag}> without {name}")
    return value


def _cumulative(shares):
    total, out = 0.0, []
    for share in shares:
        total += share
        out.append(total)
    return out
