"""The simulator as the product's Twilio: signed webhooks out, the REST API in.

The hotline under test is started with ``TWILIO_API_BASE_URL`` pointing here, so its
gateway's REST requests (redirect a live call, place a callback, send a text) arrive at
:class:`FakeTwilioApi`, a small threaded HTTP server. Webhooks go the other way through
:meth:`Telephony.post`, signed as Twilio signs them (``X-Twilio-Signature``).
"""

from __future__ import annotations

import base64
import heapq
import itertools
import json
import logging
import random
import re
import secrets
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from twilio.request_validator import RequestValidator

log = logging.getLogger(__name__)
CALL_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls/(\w+)\.json$")
CALLS_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Calls\.json$")
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
# Twilio's limit on a message body, and its error beyond it.
MAX_BODY = 1600
BODY_TOO_LONG = 21617
# E.164 as Twilio takes it: +, a country code that does not start with 0, at most 15 digits.
E164 = re.compile(r"\+[1-9][0-9]{1,14}")


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def phone_key(number: str) -> str:
    """The same citizen whatever the format: the last 11 digits."""
    digits = re.sub(r"\D", "", number or "")
    return digits[-11:]


class Scheduler:
    """Runs functions after a delay (wall seconds) on a pool of threads."""

    def __init__(self, workers: int = 16):
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._counter = itertools.count()
        self._ready = threading.Condition()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sim-task")
        self._stopped = False
        self._thread = threading.Thread(target=self._loop, name="sim-scheduler", daemon=True)
        self._thread.start()

    def at(self, delay: float, function: Callable[[], None]) -> None:
        with self._ready:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._counter), function))
            self._ready.notify()

    def pending(self) -> int:
        with self._ready:
            return len(self._heap)

    def _loop(self) -> None:
        while True:
            with self._ready:
                while not self._stopped and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._ready.wait(timeout)
                if self._stopped:
                    return
                _, _, function = heapq.heappop(self._heap)
            self._pool.submit(self._run, function)

    @staticmethod
    def _run(function: Callable[[], None]) -> None:
        try:
            function()
        except Exception:
            log.exception("simulator task failed")

    def stop(self) -> None:
        with self._ready:
            self._stopped = True
            self._ready.notify()
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class Latencies:
    """Every webhook's latency and outcome, for the summary and the benchmarks."""

    seconds: list[float] = field(default_factory=list)
    by_status: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    by_path: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, status: int, seconds: float) -> None:
        with self.lock:
            self.seconds.append(seconds)
            self.by_status[status] += 1
            self.by_path[path].append(seconds)

    def paths(self) -> dict[str, dict]:
        """Count, p50 and p99 (ms) per path."""
        with self.lock:
            paths = {path: sorted(values) for path, values in self.by_path.items()}
        return {
            path: {
                "count": len(values),
                "p50_ms": round(values[len(values) // 2] * 1000, 1),
                "p99_ms": round(
                    values[min(len(values) - 1, round(0.99 * (len(values) - 1)))] * 1000, 1
                ),
            }
            for path, values in sorted(paths.items())
        }

    def percentile(self, q: float) -> float | None:
        with self.lock:
            values = sorted(self.seconds)
        if not values:
            return None
        return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


@dataclass
class LiveCall:
    """A call as Twilio sees it: who is on it and what the hotline asked of it."""

    sid: str
    citizen: str
    direction: str = "inbound"
    state: str = "ivr"  # ivr, queued, redirected, bridged, ended
    lock: threading.Lock = field(default_factory=threading.Lock)
    redirect_url: str | None = None
    redirected: threading.Event = field(default_factory=threading.Event)
    agent_client: str | None = None
    agent_hung_up: threading.Event = field(default_factory=threading.Event)
    after_dial: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    status_callback: str | None = None  # a placed call's StatusCallback


class AnswerOutcomes:
    """Whether a dialled party picks up, as Twilio reports it: ``completed`` (answered), or
    ``no-answer``, ``busy``, ``failed``. By chance (the shares), unless a test has set the
    next outcomes of one party (an agent's client name, or a citizen's number)."""

    OUTCOMES = ("no-answer", "busy", "failed")

    def __init__(
        self, no_answer: float = 0.0, busy: float = 0.0, failed: float = 0.0, seed: int = 0
    ):
        self.shares = (no_answer, busy, failed)
        self._scripted: dict[str, list[str]] = defaultdict(list)
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def script(self, party: str, *outcomes: str) -> None:
        """The next outcomes of this party's dials, in order; then chance again."""
        with self._lock:
            self._scripted[party].extend(outcomes)

    def next(self, party: str) -> str:
        with self._lock:
            scripted = self._scripted.get(party)
            if scripted:
                return scripted.pop(0)
            draw = self._rng.random()
        for outcome, share in zip(self.OUTCOMES, self.shares, strict=True):
            if draw < share:
                return outcome
            draw -= share
        return "completed"


@dataclass
class SentText:
    sid: str
    to: str
    body: str
    status_callback: str | None
    # As Twilio stamps it: whole seconds.
    created: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))


class Telephony:
    """Signed webhooks to the hotline, and what the hotline asked Twilio to do."""

    def __init__(
        self,
        url: str,
        account_sid: str,
        auth_token: str,
        main_number: str,
        public_url: str | None = None,
        scheduler: Scheduler | None = None,
        timeout: float = 30.0,
    ):
        self.url = url.rstrip("/")
        self.public_url = (public_url or url).rstrip("/")
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.main_number = main_number
        self.validator = RequestValidator(auth_token)
        self.scheduler = scheduler or Scheduler()
        self.timeout = timeout
        self.latencies = Latencies()
        self.calls: dict[str, LiveCall] = {}
        self.calls_lock = threading.Lock()
        self.clients: dict[str, LiveCall] = {}
        self.client_ready = threading.Condition()
        self.texts: list[SentText] = []
        self.texts_lock = threading.Lock()
        self.inboxes: dict[str, list[Callable[[SentText], None]]] = defaultdict(list)
        self.on_callback: Callable[[LiveCall, str], None] | None = None
        self.on_unanswered: Callable[[LiveCall, str], None] | None = None
        self.on_text: Callable[[SentText], None] | None = None
        # Twilio may report a text's delivery before it answers the request that sent it:
        # the share of texts for which it does (0 never, 1 always).
        self.early_reports = 0.0
        self._early_rng = random.Random(0)
        self._local = threading.local()
        self.rest_requests: dict[str, int] = defaultdict(int)
        # How agents' clients answer the bridge's <Dial>, and citizens a placed callback.
        self.agent_answers = AnswerOutcomes()
        self.citizen_answers = AnswerOutcomes()
        self.refused: dict[str, str] = {}  # agent client -> how their last dial ended
        # Numbers that texted STOP to Twilio: it refuses texts to them (21610), as its
        # default opt-out handling does, until they text START.
        self.unsubscribed: set[str] = set()
        # Answers a test has set for the next requests to a resource (see refuse_next).
        self._refusals: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        self._refusals_lock = threading.Lock()

    # --- webhooks out ---------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def post(self, target: str, params: dict[str, str]) -> tuple[int, str]:
        """POST ``params`` to a path or absolute URL of the hotline, signed; (status, body)."""
        if target.startswith(("http://", "https://")):
            signed_url = target
            path = target[len(self.public_url) :] if target.startswith(self.public_url) else None
            if path is None:
                parts = urlsplit(target)
                path = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            path = target
            signed_url = self.public_url + path
        params = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", **params}
        signature = self.validator.compute_signature(signed_url, params)
        label = re.sub(r"/\d+", "/<id>", urlsplit(path).path)
        began = time.perf_counter()
        for attempt in range(3):
            try:
                response = self._session().post(
                    self.url + path,
                    data=params,
                    headers={"X-Twilio-Signature": signature},
                    timeout=self.timeout,
                )
                break
            except requests.RequestException as exc:
                # Twilio retries a webhook that cannot be delivered (connection override).
                if attempt == 2:
                    self.latencies.add(label, 0, time.perf_counter() - began)
                    log.warning("webhook %s failed: %s", path, exc)
                    return 0, ""
                time.sleep(0.2)
        self.latencies.add(label, response.status_code, time.perf_counter() - began)
        return response.status_code, response.text

    # --- calls ----------------------------------------------------------------------

    def open_call(self, citizen: str, direction: str = "inbound", sid: str | None = None):
        call = LiveCall(sid or new_sid("CA"), citizen, direction)
        with self.calls_lock:
            self.calls[call.sid] = call
        return call

    def dialled_client(self, call: LiveCall, client: str) -> None:
        """The bridge TwiML dialled an agent's browser client: their phone rings."""
        with self.client_ready:
            call.agent_client = client
            self.clients[client] = call
            self.client_ready.notify_all()

    def wait_for_client(self, client: str, timeout: float) -> LiveCall | None:
        """The call that is ringing (or ringed) the agent's client, once it is there."""
        deadline = time.monotonic() + timeout
        with self.client_ready:
            while True:
                call = self.clients.get(client)
                if call is not None and call.state == "bridged":
                    return call
                if client in self.refused:
                    return None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.client_ready.wait(remaining)

    def hang_up_agent(self, client: str) -> LiveCall | None:
        with self.client_ready:
            call = self.clients.pop(client, None)
        if call is not None:
            call.agent_hung_up.set()
        return call

    def redirect(self, sid: str, url: str) -> bool:
        """Calls(sid).update(url=…): a call in progress, waiting in a queue or bridged to an
        agent (Twilio then ends the <Dial> and requests its action), or on TwiML it was
        redirected to before, is redirected; False for a call still in the IVR (the
        hotline's own race: its <Enqueue> is on the way)."""
        with self.calls_lock:
            call = self.calls.get(sid)
        if call is None:
            return False
        with call.lock:
            if call.state not in ("queued", "bridged", "redirected"):
                return False
            call.state = "redirected"
            call.redirect_url = url
        call.redirected.set()
        return True

    def open_leg(self, sid: str, client: str) -> LiveCall:
        """A leg Twilio itself made: the bridge's <Dial> of an agent (its child call), or a
        call it placed, once answered; in progress, so it can be redirected or hung up."""
        leg = self.open_call(client, direction="outbound-dial", sid=sid)
        leg.state = "bridged"
        return leg

    def hang_up(self, sid: str) -> bool:
        """Calls(sid).update(status=completed): a live call ends (a ringing one is
        canceled); False for one unknown or ended already."""
        with self.calls_lock:
            call = self.calls.get(sid)
        if call is None:
            return False
        with call.lock:
            if call.state == "ended":
                return False
            call.state = "ended"
        call.finished.set()
        return True

    def has_ended(self, sid: str) -> bool:
        """Whether Twilio no longer knows the call as live (unknown, or ended)."""
        with self.calls_lock:
            call = self.calls.get(sid)
        return call is None or call.state == "ended"

    def refuse_client(self, call: LiveCall, client: str, outcome: str) -> None:
        """The bridge dialled an agent's client, which did not answer (``outcome``)."""
        with self.client_ready:
            self.refused[client] = outcome
            self.client_ready.notify_all()

    def refused_recently(self, client: str) -> bool:
        """Whether the agent's last dial ended unanswered (and is yet to be taken)."""
        with self.client_ready:
            return client in self.refused

    def take_refusal(self, client: str) -> str | None:
        """How the agent's last dial ended, if it was not answered (once)."""
        with self.client_ready:
            return self.refused.pop(client, None)

    def place_call(
        self, to: str, url: str, status_callback: str | None = None, ring_seconds: float = 0.3
    ) -> str:
        """Calls.create(to, url, StatusCallback): the citizen's phone rings; they answer a
        moment later, or do not (then the StatusCallback says no-answer, busy or failed)."""
        call = self.open_call(to, direction="outbound-api")
        call.status_callback = status_callback
        outcome = self.citizen_answers.next(phone_key(to))
        if outcome != "completed":
            call.state = "ended"
            if self.on_unanswered is not None:
                self.on_unanswered(call, outcome)
            self.scheduler.at(ring_seconds, lambda: self.call_status(call, outcome))
        elif self.on_callback is not None:
            self.on_callback(call, url)
        else:
            call.state = "bridged"  # answered, in progress on its TwiML
        return call.sid

    def call_status(self, call: LiveCall, status: str) -> None:
        """Post a placed call's final status to its StatusCallback, as Twilio does."""
        if call.status_callback is None:
            return
        params = {
            "CallSid": call.sid,
            "From": self.main_number,
            "To": call.citizen,
            "Direction": call.direction,
            "CallStatus": status,
        }
        self.post(call.status_callback, params)

    # --- refusals -------------------------------------------------------------------

    def unsubscribe(self, number: str) -> None:
        """The number texts STOP to the hotline's Twilio number: Twilio refuses every text to
        it from then on (21610). Calls are not concerned."""
        with self._refusals_lock:
            self.unsubscribed.add(phone_key(number))

    def resubscribe(self, number: str) -> None:
        """The number texts START: Twilio takes texts to it again."""
        with self._refusals_lock:
            self.unsubscribed.discard(phone_key(number))

    def is_unsubscribed(self, number: str) -> bool:
        with self._refusals_lock:
            return phone_key(number) in self.unsubscribed

    def refuse_next(
        self, resource: str, status: int, code: int, message: str, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests to ``resource`` ("messages.create",
        "calls.create", "calls.update") with this error, as Twilio answers under load (429,
        20429), when it fails (a 5xx), or with a refusal the fake does not otherwise model
        (a country not enabled, a landline); then as usual again."""
        with self._refusals_lock:
            self._refusals[resource].extend([(status, code, message)] * times)

    def scripted_refusal(self, resource: str) -> tuple[int, int, str] | None:
        """The next answer a test set for ``resource``, if any (once)."""
        with self._refusals_lock:
            scripted = self._refusals.get(resource)
            return scripted.pop(0) if scripted else None

    # --- texts ----------------------------------------------------------------------

    def send_text(self, to: str, body: str, status_callback: str | None) -> str:
        text = SentText(new_sid("SM"), to, body, status_callback)
        with self.texts_lock:
            self.texts.append(text)
        with self.texts_lock:
            early = self._early_rng.random() < self.early_reports
        if early:
            self._report_delivery_now(text)
        if self.on_text is not None:
            self.on_text(text)
        return text.sid

    def _report_delivery_now(self, text: SentText) -> None:
        """The text's "sent" and "delivered" callbacks, posted before its sid is answered."""
        if text.status_callback:
            for status in ("sent", "delivered"):
                params = {"MessageSid": text.sid, "MessageStatus": status, "To": text.to}
                self.post(text.status_callback, params)

    def sent_text(self, sid: str) -> SentText | None:
        with self.texts_lock:
            return next((t for t in self.texts if t.sid == sid), None)

    def texts_to(self, number: str) -> list[SentText]:
        key = phone_key(number)
        with self.texts_lock:
            return [t for t in self.texts if phone_key(t.to) == key]


class FakeTwilioApi:
    """The few REST endpoints the gateway uses, on a local port, checked with Basic auth."""

    def __init__(self, telephony: Telephony, host: str, port: int):
        self.telephony = telephony
        handler = _handler_for(telephony)
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="fake-twilio", daemon=True
        )

    def __enter__(self) -> FakeTwilioApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def twilio_length(body: str) -> int:
    """Characters as Twilio counts them: one outside the Basic Multilingual Plane is two."""
    return len(body.encode("utf-16-le")) // 2


def body_refusal(body: str) -> tuple[int, int, str] | None:
    """Twilio's answer (HTTP status, code, message) to a body it does not take, else None."""
    if twilio_length(body) > MAX_BODY:
        return 400, BODY_TOO_LONG, "The concatenated message body exceeds the 1600 character limit"
    return None


def message_resource(text: SentText) -> dict:
    """A Message as Twilio's REST API shows it (the fields the gateway reads)."""
    return {
        "sid": text.sid,
        "to": text.to,
        "body": text.body,
        "status": "queued",
        "date_created": format_datetime(text.created, usegmt=False),
    }


def number_refusal(
    telephony: Telephony, form: dict[str, str], resource: str
) -> tuple[int, str] | None:
    """Twilio's code and sentence for the numbers of a Calls or Messages request it does not
    take, else None: a To that is not E.164 (21211, both); a From that is not the account's
    number, which Messages refuses with 21606 (21603 when there is none) and Calls with
    21212 when it is no phone number at all, 21210 when it is one the account has not
    verified (21213 when there is none); and, for Messages, a To that texted STOP (21610)."""
    to, sender = form.get("To", ""), form.get("From", "")
    # Calls also ring a Voice SDK client (client:name) or a SIP address.
    callable_address = resource == "Calls" and CLIENT_OR_SIP.fullmatch(to)
    if not E164.fullmatch(to) and not callable_address:
        return 21211, f"The 'To' number {to} is not a valid phone number."
    if resource == "Messages":
        if not sender:
            return 21603, "A 'From' phone number is required."
        if sender != telephony.main_number:
            return 21606, (
                f"The From phone number {sender} is not a valid, SMS-capable inbound phone "
                "number or short code for your account."
            )
        if telephony.is_unsubscribed(to):
            return 21610, "Attempt to send to unsubscribed recipient"
        return None
    if not sender:
        return 21213, "A 'From' phone number is required."
    if not E164.fullmatch(sender):
        return 21212, (
            f"The 'From' number {sender} is not a valid phone number, shortcode, "
            "or alphanumeric sender ID."
        )
    if sender != telephony.main_number:
        return 21210, (
            f"The source phone number provided, {sender}, is not yet verified for your "
            "account. You may only make calls from phone numbers that you've verified or "
            "purchased from Twilio."
        )
    return None


CLIENT_OR_SIP = re.compile(r"client:[A-Za-z0-9_.@-]{1,121}|sips?:[^\s]{3,200}")


def twilio_error(status: int, code: int, message: str) -> dict:
    """The body of a REST API error, as Twilio writes it."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _resource(path: str) -> str | None:
    """The REST operation a POST to ``path`` is, as rest_requests counts it."""
    if CALL_PATH.match(path):
        return "calls.update"
    if CALLS_PATH.match(path):
        return "calls.create"
    if MESSAGES_PATH.match(path):
        return "messages.create"
    return None


def _handler_for(telephony: Telephony):
    expected = (
        "Basic "
        + base64.b64encode(f"{telephony.account_sid}:{telephony.auth_token}".encode()).decode()
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            # Headers and body are separate writes: without this, Nagle's algorithm and the
            # client's delayed ACK hold each answer back some 40 ms.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, fmt, *args):  # quiet: the summary counts requests
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, code: int, message: str) -> None:
            self._answer(status, twilio_error(status, code, message))

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.headers.get("Authorization") != expected:
                self._error(401, 20003, "Authenticate")
                return
            path = urlsplit(self.path).path
            resource = _resource(path)
            if resource is not None:
                telephony.rest_requests[resource] += 1
                if scripted := telephony.scripted_refusal(resource):
                    self._error(*scripted)
                    return
            if (match := CALL_PATH.match(path)) and "Url" not in form and "Status" in form:
                sid = match.group(2)
                if form["Status"] not in ("completed", "canceled"):
                    self._error(400, 20001, "Status must be completed or canceled")
                elif telephony.hang_up(sid):
                    self._answer(200, {"sid": sid, "status": "completed"})
                else:
                    # A call that ended already is not in progress: Twilio refuses (21220).
                    self._error(400, 21220, f"Call {sid} is not in-progress. Cannot update.")
            elif match := CALL_PATH.match(path):
                sid, url = match.group(2), form.get("Url", "")
                if not url:
                    self._error(400, 21205, "Url is required")
                elif telephony.redirect(sid, url):
                    self._answer(200, {"sid": sid, "status": "in-progress"})
                elif telephony.has_ended(sid):
                    self._error(404, 20404, f"The requested resource {sid} was not found")
                else:
                    # Live but not yet in its queue (its <Enqueue> is on the way): a passing
                    # refusal, so that the hotline queues it again rather than ends it.
                    self._error(503, 20503, f"Call {sid} cannot be redirected yet")
            elif CALLS_PATH.match(path):
                if not form.get("To") or not form.get("Url"):
                    self._error(400, 21201, "To and Url are required")
                    return
                if refusal := number_refusal(telephony, form, "Calls"):
                    self._error(400, *refusal)
                    return
                sid = telephony.place_call(form["To"], form["Url"], form.get("StatusCallback"))
                self._answer(201, {"sid": sid, "status": "queued", "to": form["To"]})
            elif MESSAGES_PATH.match(path):
                if not form.get("To") or "Body" not in form:
                    self._error(400, 21604, "To and Body are required")
                    return
                if refusal := number_refusal(telephony, form, "Messages"):
                    self._error(400, *refusal)
                    return
                if too_long := body_refusal(form["Body"]):
                    self._error(*too_long)
                    return
                sid = telephony.send_text(form["To"], form["Body"], form.get("StatusCallback"))
                sent = telephony.sent_text(sid)
                if sent is None:  # sent a moment ago: only a bug could lose it
                    self._error(500, 20500, "the text just sent is not found")
                    return
                self._answer(201, message_resource(sent))
            else:
                self._error(404, 20404, "The requested resource was not found")

        def do_GET(self):
            if self.headers.get("Authorization") != expected:
                self._error(401, 20003, "Authenticate")
                return
            parts = urlsplit(self.path)
            if not MESSAGES_PATH.match(parts.path):
                self._error(404, 20404, "The requested resource was not found")
                return
            telephony.rest_requests["messages.list"] += 1
            to = parse_qs(parts.query).get("To", [""])[0]
            texts = reversed(telephony.texts_to(to))  # newest first, as Twilio lists them
            self._answer(
                200, {"messages": [message_resource(t) for t in texts], "next_page_uri": None}
            )

    return Handler
