"""A citizen's phone, as Twilio would drive our webhooks for it: every request signed."""

from __future__ import annotations

import itertools
from datetime import timedelta

import sqlalchemy as sa

from routing.models import Call
from tests.conftest import signed_post

_sids = itertools.count(1)


class Caller:
    def __init__(self, client, session, number="+8613800138000", call_sid=None):
        self.client = client
        self.session = session
        self.number = number
        self.call_sid = call_sid or f"CA{next(_sids):032x}"

    def post(self, path: str, **params) -> str:
        response = signed_post(self.client, path, {"CallSid": self.call_sid, **params})
        assert response.status_code == 200, (path, response.status_code, response.data)
        return response.get_data(as_text=True)

    def dial(self, to="12345", **extra) -> str:
        return self.post("/twilio/voice", From=self.number, To=to, **extra)

    def choose_language(self, digit: str) -> str:
        return self.post("/twilio/voice/language", Digits=digit)

    def press(self, digit: str) -> str:
        return self.post("/twilio/voice/menu", Digits=digit)

    def say(self, speech: str) -> str:
        return self.post("/twilio/voice/menu", SpeechResult=speech, Confidence="0.9")

    def silence(self) -> str:
        return self.post("/twilio/voice/menu")

    def wait(self, position=1) -> str:
        return self.post("/twilio/voice/wait", QueuePosition=str(position), QueueTime="30")

    def hang_up_in_queue(self, queue_time=40) -> None:
        self.post("/twilio/voice/queue-result", QueueResult="hangup", QueueTime=str(queue_time))
        self.post("/twilio/voice/status", CallStatus="completed")

    @property
    def call(self) -> Call:
        self.session.expire_all()
        return self.session.scalar(sa.select(Call).where(Call.call_sid == self.call_sid))

    def backdate_queue(self, seconds: int) -> None:
        """Pretend the caller has been waiting ``seconds`` already."""
        call = self.call
        call.enqueued_at = call.enqueued_at - timedelta(seconds=seconds)
        call.created_at = call.created_at - timedelta(seconds=seconds)
        self.session.commit()
