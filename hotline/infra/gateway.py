"""Outbound requests to Twilio's REST API, behind a small interface.

:class:`TwilioGateway` talks to Twilio; :class:`LocalGateway` records what would have been
sent, for the embedded default (no Twilio account) and for tests.

The rest of the application keeps numbers in national form (conversations and callers are
keyed by it); both gateways write every number they are given in E.164, as Twilio requires
(its errors 21211 and 21212), and refuse one that cannot be (:class:`InvalidNumber`) before
anything is sent.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from hotline.db import utcnow
from routing.errors import InvalidNumber
from routing.numberplan import to_e164


@dataclass(frozen=True)
class Refusal:
    """What one of Twilio's error codes says, in the hotline's two languages."""

    en: str
    zh: str
    call_gone: bool = False  # the call has ended or never existed: nothing to redirect


# Twilio's refusals that no retry can change (each as twilio.com/docs/api/errors/<code>
# describes it): the same request is refused the same way however often it is sent, until
# someone changes a number, the account's settings or the recipient's consent. Every other
# answer is passing and worth retrying with back-off: 20429 (too many requests, which Twilio
# says is always safe to retry), a 5xx, a network failure, and any code not listed here.
REFUSALS: dict[int, Refusal] = {
    20404: Refusal(
        "the requested resource was not found (the call has ended or never existed)",
        "Twilio 找不到该资源（通话已结束或不存在）",
        call_gone=True,
    ),
    21210: Refusal(
        "the From number is not a verified caller ID or Twilio number of the account",
        "主叫号码不是本账户已验证的号码",
    ),
    21211: Refusal("the To number is not a valid phone number", "对方号码无效"),
    21212: Refusal("the From number is not a valid phone number", "本方号码无效"),
    21213: Refusal("the call has no From number", "呼叫缺少主叫号码"),
    21215: Refusal(
        "calls to this country are not enabled (voice geographic permissions)",
        "未开通拨打该国家或地区的权限",
    ),
    21216: Refusal("Twilio blocks calls to this number", "Twilio 禁止呼叫该号码"),
    21217: Refusal("the phone number does not appear to be valid", "电话号码无效"),
    21220: Refusal("the call is not in progress", "通话已不在进行中", call_gone=True),
    21408: Refusal(
        "texts to this region are not enabled (messaging geographic permissions)",
        "未开通向该国家或地区发短信的权限",
    ),
    21601: Refusal(
        "the From number is not an SMS-capable number of the account", "本方号码不能发短信"
    ),
    21603: Refusal("the text has no From number", "短信缺少发送号码"),
    21606: Refusal(
        "the From number is not a message-capable Twilio number of the account",
        "本方号码不是本账户可发短信的号码",
    ),
    21608: Refusal(
        "a trial account may text only verified numbers", "试用账户只能给已验证的号码发短信"
    ),
    21610: Refusal(
        "the recipient opted out of texts from this number (replied STOP)",
        "对方已回复退订（STOP），不再接收本号码的短信",
    ),
    21614: Refusal("the To number is not a mobile number", "对方号码不是手机号码"),
    21617: Refusal("the text is longer than 1,600 characters", "短信超过1600字"),
    21635: Refusal("the To number is a landline", "对方号码是固定电话"),
}
# Twilio's refusal of a text to a number that texted STOP (or another opt-out word) to it.
UNSUBSCRIBED = 21610


class GatewayError(Exception):
    """Twilio refused or could not be reached; the message says which, and ``code`` is
    Twilio's error code when Twilio answered with one (None when it could not be reached).

    Whether to try again is read from :attr:`permanent`, never from the code itself: the
    codes are this module's to know (:data:`REFUSALS`)."""

    kind = "upstream"

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code

    @property
    def permanent(self) -> bool:
        """Refused for good: sending the same request again gets the same refusal."""
        return self.code in REFUSALS

    @property
    def recipient_opted_out(self) -> bool:
        """The recipient opted out at Twilio (texted STOP to the number): no text reaches
        them until they opt in again."""
        return self.code == UNSUBSCRIBED

    @property
    def reason(self) -> str:
        """Why, for the record: Twilio's code first, then what it means (the message for a
        code not in :data:`REFUSALS`); the message alone when Twilio did not answer."""
        if self.code is None:
            return str(self)
        refusal = REFUSALS.get(self.code)
        return f"Twilio {self.code}: {refusal.en if refusal else self}"


def call_is_gone(error: GatewayError) -> bool:
    """Whether Twilio said the call no longer exists or has ended: retrying cannot help."""
    refusal = REFUSALS.get(error.code) if error.code is not None else None
    return refusal is not None and refusal.call_gone


def _twilio_code(exc: Exception) -> int | None:
    """The error code of a TwilioRestException (None for a transport failure)."""
    code = getattr(exc, "code", None)
    return code if isinstance(code, int) else None


class Gateway(Protocol):
    """Every number is sent in E.164; one that cannot be raises InvalidNumber, unsent."""

    def send_sms(self, to: str, body: str, status_callback: str | None = None) -> str:
        """Send a text; returns the provider's message id."""

    def find_sms(self, to: str, body: str, since: datetime) -> str | None:
        """The id of a text with this body sent to ``to`` since ``since``, if the provider has
        one: how a retried job learns that an earlier, interrupted attempt got through."""

    def redirect_call(self, call_sid: str, url: str) -> None:
        """Make a live call fetch new TwiML from ``url`` (e.g. to bridge it to an agent)."""

    def place_call(self, to: str, url: str, status_callback: str | None = None) -> str:
        """Call ``to`` (a number, or an agent's ``client:`` identity or ``sip:`` address);
        once answered the call fetches its TwiML from ``url``. Returns its sid. Twilio posts
        the call's final status (completed, no-answer, busy, failed, canceled) to
        ``status_callback``."""

    def hang_up_call(self, call_sid: str) -> None:
        """End a live call (or stop one still ringing)."""


def base_url_http_client(base_url: str):
    """Twilio's HTTP client, sending every request to ``base_url`` instead of Twilio's hosts
    (TWILIO_API_BASE_URL: a traffic simulator, or a test double of the REST API)."""
    from urllib.parse import urlsplit, urlunsplit

    from twilio.http.http_client import TwilioHttpClient

    base = urlsplit(base_url)

    class BaseUrlHttpClient(TwilioHttpClient):
        def request(self, method, url, *args, **kwargs):
            parts = urlsplit(url)
            url = urlunsplit(
                (base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, "")
            )
            return super().request(method, url, *args, **kwargs)

    return BaseUrlHttpClient(timeout=10)


class TwilioGateway:
    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        http_client=None,
        base_url: str | None = None,
    ):
        from twilio.rest import Client

        if http_client is None and base_url:
            http_client = base_url_http_client(base_url)
        self.client = Client(account_sid, auth_token, http_client=http_client)
        # Load the REST resources now: rq forks a process per job, and each would otherwise
        # import them again (tens of milliseconds) before its first text or redirect.
        _ = self.client.messages, self.client.calls
        self.from_number = to_e164(from_number)

    def send_sms(self, to: str, body: str, status_callback: str | None = None) -> str:
        from twilio.base.exceptions import TwilioException

        to = to_e164(to)
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, from_=self.from_number, body=body, **extra)
        except TwilioException as exc:
            raise GatewayError(
                f"Twilio refused the text to {to}: {exc}", _twilio_code(exc)
            ) from exc
        return message.sid

    def find_sms(self, to: str, body: str, since: datetime) -> str | None:
        from twilio.base.exceptions import TwilioException

        try:
            to = to_e164(to)
        except InvalidNumber:
            return None  # nothing can have been sent to it
        try:
            # Newest first; a message still queued at Twilio has no date_sent yet, so filter
            # on the creation time here rather than on date_sent in the query.
            recent = self.client.messages.list(to=to, from_=self.from_number, limit=50)
        except TwilioException as exc:
            raise GatewayError(
                f"Twilio could not list the texts to {to}: {exc}", _twilio_code(exc)
            ) from exc
        # Twilio stamps date_created in whole seconds: a text created in the second ``since``
        # falls in is on or after that second, not necessarily after ``since`` itself.
        since = since.replace(microsecond=0)
        for message in recent:
            created = message.date_created
            if message.body == body and (created is None or created >= since):
                return message.sid
        return None

    def redirect_call(self, call_sid: str, url: str) -> None:
        from twilio.base.exceptions import TwilioException

        try:
            self.client.calls(call_sid).update(url=url, method="POST")
        except TwilioException as exc:
            raise GatewayError(
                f"Twilio could not redirect call {call_sid}: {exc}", _twilio_code(exc)
            ) from exc

    def place_call(self, to: str, url: str, status_callback: str | None = None) -> str:
        from twilio.base.exceptions import TwilioException

        to = dial_address(to)
        # Only the "completed" event is needed: it carries the final CallStatus, which says
        # whether the citizen answered (completed) or not (no-answer, busy, failed, canceled).
        extra = (
            {
                "status_callback": status_callback,
                "status_callback_method": "POST",
                "status_callback_event": ["completed"],
            }
            if status_callback
            else {}
        )
        try:
            call = self.client.calls.create(
                to=to, from_=self.from_number, url=url, method="POST", **extra
            )
        except TwilioException as exc:
            raise GatewayError(f"Twilio could not call {to}: {exc}", _twilio_code(exc)) from exc
        return call.sid

    def hang_up_call(self, call_sid: str) -> None:
        from twilio.base.exceptions import TwilioException

        try:
            # A call still ringing is canceled; one in progress, completed (Twilio's docs).
            self.client.calls(call_sid).update(status="completed")
        except TwilioException as exc:
            raise GatewayError(
                f"Twilio could not hang up call {call_sid}: {exc}", _twilio_code(exc)
            ) from exc


def dial_address(to: str) -> str:
    """Whom a placed call rings: an agent's browser (``client:name``) or SIP phone as given,
    a number in E.164."""
    if to.startswith(("client:", "sip:", "sips:")):
        return to
    return to_e164(to)


class LocalGateway:
    """Appends each request, as one JSON line, to a file instead of sending it.

    A file rather than a table: it is written by web workers and job workers alike without
    touching their database transactions, and anyone can read it (`tail -f`).
    """

    def __init__(self, path: Path, from_number: str):
        self.path = path
        self.from_number = to_e164(from_number)

    def send_sms(self, to: str, body: str, status_callback: str | None = None) -> str:
        request = {"kind": "sms", "to": to_e164(to), "from": self.from_number, "body": body}
        return self._record(request, "SM")

    def find_sms(self, to: str, body: str, since: datetime) -> str | None:
        try:
            to = to_e164(to)
        except InvalidNumber:
            return None  # nothing can have been sent to it
        for request in reversed(self.sent()):
            if (
                request["kind"] == "sms"
                and request["to"] == to
                and request["body"] == body
                and datetime.fromisoformat(request["at"]) >= since
            ):
                return request["sid"]
        return None

    def redirect_call(self, call_sid: str, url: str) -> None:
        self._record({"kind": "redirect", "call_sid": call_sid, "url": url}, "RD")

    def place_call(self, to: str, url: str, status_callback: str | None = None) -> str:
        request = {
            "kind": "call",
            "to": dial_address(to),
            "from": self.from_number,
            "url": url,
            "status_callback": status_callback,
        }
        return self._record(request, "CA")

    def hang_up_call(self, call_sid: str) -> None:
        self._record({"kind": "hang_up", "call_sid": call_sid}, "HU")

    def sent(self) -> list[dict]:
        """Every request recorded so far, oldest first."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def _record(self, request: dict, prefix: str) -> str:
        sid = prefix + secrets.token_hex(16)
        line = json.dumps({"sid": sid, "at": utcnow().isoformat(), **request}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One write() of one line with O_APPEND: concurrent writers never interleave.
        with self.path.open("a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")
        return sid
