"""The database unreachable: callers hear an apology, facts are kept and replayed later."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
import sqlalchemy as sa

from hotline.db import utcnow
from hotline.infra import context, spool
from hotline.infra.database import dispose_engines
from hotline.infra.jobs import start_relay
from routing.messaging import Message
from routing.models import Call, CallEvent
from tests.conftest import PUBLIC_URL, app_with, signed_post

CALL = "CA" + "e" * 32
LATE_CALL = "CA" + "f" * 32


def unreachable(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/no-such-folder/hotline.sqlite3"
    return "postgresql+psycopg://postgres@127.0.0.1:9/hotline"  # nothing listens on port 9


def app_on(database_url, instance):
    return app_with(database_url, instance, public_url=PUBLIC_URL)


def test_with_the_database_down_callers_hear_an_apology_and_nothing_is_lost(
    app, backend, observer, tmp_path
):
    down = app_on(unreachable(backend, tmp_path), context.settings(app).instance_path)
    client = down.test_client()
    arrived = {"CallSid": CALL, "From": "+8613700137000", "To": "12345"}

    answer = signed_post(client, "/twilio/voice", arrived)
    assert answer.status_code == 200 and b"<Say" in answer.data  # the apology, as TwiML
    assert answer.headers[spool.SPOOLED_HEADER] == "1"
    menu = signed_post(client, "/twilio/voice/menu", {"CallSid": CALL, "Digits": "1"})
    assert menu.status_code == 200 and b"<Say" in menu.data
    assert spool.SPOOLED_HEADER not in menu.headers  # a menu choice is no fact to keep
    ended = {"CallSid": CALL, "CallStatus": "completed", "CallDuration": "8"}
    assert signed_post(client, "/twilio/voice/status", ended).status_code == 200
    # Twilio's fallback URL (after the voice URL failed outright) apologises as well.
    late = {"CallSid": LATE_CALL, "From": "+8613600136000", "To": "12345"}
    fallback = signed_post(client, "/twilio/voice/fallback", late)
    assert fallback.status_code == 200 and b"<Say" in fallback.data
    text = {"MessageSid": "SM" + "e" * 32, "From": "+8613700137000", "To": "12345"}
    kept = signed_post(client, "/twilio/sms", {**text, "Body": "小区门口路灯不亮"})
    assert kept.status_code == 204 and kept.headers[spool.SPOOLED_HEADER] == "1"

    spooled = spool.spool_path(down).read_text().splitlines()
    assert len(spooled) == 4  # arrival, end, fallback arrival, text: not the menu choice
    copy = tmp_path / "spool-copy.jsonl"
    shutil.copy(spool.spool_path(down), copy)

    # The database is back: the next replay records everything, at the time it happened.
    replayed_at = utcnow()
    assert spool.replay(app) == (4, 0)
    assert not spool.spool_path(app).exists()
    call = observer.scalar(sa.select(Call).where(Call.call_sid == CALL))
    assert call is not None and call.status in ("completed", "abandoned")
    assert call.created_at < replayed_at and call.ended_at < replayed_at
    assert observer.scalar(sa.select(Call.id).where(Call.call_sid == LATE_CALL)) is not None
    inbound = observer.scalars(sa.select(Message).where(Message.direction == "in")).all()
    assert [m.body for m in inbound] == ["小区门口路灯不亮"]
    assert observer.scalars(sa.select(Message).where(Message.direction == "out")).all()

    # Replayed twice (say two machines raced): nothing changes.
    before = (
        observer.scalar(sa.select(sa.func.count(Call.id))),
        observer.scalar(sa.select(sa.func.count(Message.id))),
    )
    shutil.copy(copy, spool.spool_path(app))
    assert spool.replay(app) == (4, 0)
    after = (
        observer.scalar(sa.select(sa.func.count(Call.id))),
        observer.scalar(sa.select(sa.func.count(Message.id))),
    )
    assert after == before


def test_the_agent_leg_reported_while_the_database_is_down_still_answers_the_call(
    app, backend, observer, tmp_path
):
    """The <Dial> action is the only news that the agent picked up: kept, and replayed."""
    from tests.factories import make_agent, make_call

    _, agent = make_agent(observer)
    call = make_call(observer, call_sid=CALL, agent_id=agent.id, enqueued_at=utcnow())
    observer.commit()
    down = app_on(unreachable(backend, tmp_path), context.settings(app).instance_path)
    leg = {"CallSid": CALL, "DialCallStatus": "completed", "DialCallDuration": "42",
           "CallStatus": "completed"}  # fmt: skip
    path = f"/twilio/voice/after-dial/{call.id}?agent={agent.id}"
    answer = signed_post(down.test_client(), path, leg)
    assert answer.status_code == 200 and answer.headers[spool.SPOOLED_HEADER] == "1"
    assert spool.replay(app) == (1, 0)
    observer.expire_all()
    answered = observer.get(Call, call.id)
    assert (answered.status, answered.answered_at is not None) == ("completed", True)


def test_with_the_database_down_a_caller_in_the_queue_is_not_hung_up_on(
    app, backend, observer, tmp_path
):
    """The wait music and the choices in it keep the caller in the queue, in their own
    language; one who chose to leave a message may still leave it; nothing is abandoned."""
    from xml.etree import ElementTree

    from tests.voice_flow import Caller

    caller = Caller(app.test_client(), observer, call_sid=CALL)
    caller.dial()
    caller.choose_language("3")  # English
    queued = ElementTree.fromstring(caller.say("I have a question about my pension"))
    enqueue = queued.find("Enqueue")
    assert enqueue is not None
    wait_url, action = enqueue.get("waitUrl"), enqueue.get("action")
    assert (wait_url, action) == (
        "/twilio/voice/wait?language=en",
        "/twilio/voice/queue-result?language=en",
    )

    down = app_on(unreachable(backend, tmp_path), context.settings(app).instance_path)
    client = down.test_client()
    choice = "/twilio/voice/wait-choice?language=en"
    for path, params in ((wait_url, {"QueueTime": "30"}), (choice, {"Digits": "1"})):
        answer = signed_post(client, path, {"CallSid": CALL, **params})
        assert answer.status_code == 200, answer.data
        twiml = ElementTree.fromstring(answer.data)
        assert [verb.tag for verb in twiml] == ["Say", "Pause", "Redirect"]
        assert twiml[0].text.startswith("Our system is busy. Please keep holding")
        assert twiml[2].text == wait_url  # asked again, still in the queue
        assert spool.SPOOLED_HEADER not in answer.headers
    left = signed_post(client, action, {"CallSid": CALL, "QueueResult": "leave", "QueueTime": "70"})
    twiml = ElementTree.fromstring(left.data)
    assert [verb.tag for verb in twiml] == ["Say", "Record"]
    assert twiml[0].text.startswith("Our system is busy. Please leave your message")
    assert twiml[1].get("action") == "/twilio/voice/recorded?language=en"
    recording = f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE{'1' * 32}"
    saved = signed_post(
        client, "/twilio/voice/recorded?language=en", {"CallSid": CALL, "RecordingUrl": recording}
    )
    assert b"Your message is saved" in saved.data and b"<Hangup" in saved.data
    assert len(spool.spool_path(down).read_text().splitlines()) == 2  # the result, the message
    gone = signed_post(client, action, {"CallSid": LATE_CALL, "QueueResult": "hangup"})
    assert [verb.tag for verb in ElementTree.fromstring(gone.data)] == []  # nobody listens

    assert spool.replay(app) == (3, 0)
    call = observer.scalar(sa.select(Call).where(Call.call_sid == CALL))
    assert call.status == "left"  # not abandoned: a callback carries the message
    callback = observer.scalar(sa.select(Call).where(Call.parent_call_id == call.id))
    assert callback is not None and callback.recording_url == recording


def counting_checkouts(app) -> list[str]:
    seen: list[str] = []
    for engine in {context.engine(app), context.autocommit_engine(app)}:
        sa.event.listen(engine.pool, "checkout", lambda *_: seen.append("checkout"))
        sa.event.listen(engine.pool, "connect", lambda *_: seen.append("connect"))
    return seen


def test_the_fallback_url_answers_without_the_database(app, observer):
    """Twilio calls the fallback when the voice URL failed, most likely because the
    database is slow: the answer must not wait for it. The call is recorded by the replay."""
    seen = counting_checkouts(app)
    late = {"CallSid": LATE_CALL, "From": "+8613600136000", "To": "12345"}
    answer = signed_post(app.test_client(), "/twilio/voice/fallback", late)
    assert answer.status_code == 200 and b"<Say" in answer.data and b"<Hangup" in answer.data
    assert answer.headers[spool.SPOOLED_HEADER] == "1"
    assert seen == []
    assert spool.replay(app) == (1, 0)
    call = observer.scalar(sa.select(Call).where(Call.call_sid == LATE_CALL))
    assert call is not None and call.status == "completed" and call.ended_at is not None
    # Twilio's status callback for it, before or after the replay, changes nothing.
    ended = {"CallSid": LATE_CALL, "CallStatus": "completed"}
    assert signed_post(app.test_client(), "/twilio/voice/status", ended).status_code == 200
    observer.expire_all()
    assert observer.scalar(sa.select(Call.status).where(Call.call_sid == LATE_CALL)) == "completed"


def test_replayed_facts_keep_the_time_they_arrived(app, backend, observer, tmp_path):
    """An outage of an hour: the texts and call events replayed after it are dated when
    Twilio sent them, not when the spool was replayed."""
    down = app_on(unreachable(backend, tmp_path), context.settings(app).instance_path)
    client = down.test_client()
    signed_post(client, "/twilio/voice", {"CallSid": CALL, "From": "+8613700137000", "To": "12345"})
    left = {"CallSid": CALL, "QueueResult": "hangup", "QueueTime": "30"}
    signed_post(client, "/twilio/voice/queue-result", left)
    signed_post(client, "/twilio/voice/status", {"CallSid": CALL, "CallStatus": "completed"})
    text = {"MessageSid": "SM" + "d" * 32, "From": "+8613700137000", "Body": "路灯不亮"}
    assert signed_post(client, "/twilio/sms", text).status_code == 204
    path = spool.spool_path(down)
    arrived = (utcnow() - timedelta(hours=1)).replace(microsecond=0)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 4
    path.write_text(
        "".join(json.dumps({**line, "received_at": arrived.isoformat()}) + "\n" for line in lines)
    )

    assert spool.replay(app) == (4, 0)
    call = observer.scalar(sa.select(Call).where(Call.call_sid == CALL))
    assert (call.created_at, call.ended_at) == (arrived, arrived)
    events = observer.execute(
        sa.select(CallEvent.kind, CallEvent.at).where(CallEvent.call_id == call.id)
    ).all()
    assert sorted(events) == [("queue-result", arrived), ("status", arrived)]
    (message,) = observer.scalars(sa.select(Message).where(Message.direction == "in")).all()
    assert message.created_at == arrived


def test_a_replay_while_the_database_is_still_down_keeps_the_requests(app, backend, tmp_path):
    down = app_on(unreachable(backend, tmp_path), context.settings(app).instance_path)
    arrived = {"CallSid": CALL, "From": "+8613700137000", "To": "12345"}
    signed_post(down.test_client(), "/twilio/voice", arrived)
    assert spool.replay(down) == (0, 1)  # tried, kept again
    assert len(spool.spool_path(down).read_text().splitlines()) == 1


def test_the_outbox_relay_replays_the_spool_once_the_database_answers(
    app, backend, observer, tmp_path
):
    down = app_on(unreachable(backend, tmp_path), context.settings(app).instance_path)
    arrived = {"CallSid": CALL, "From": "+8613700137000", "To": "12345"}
    signed_post(down.test_client(), "/twilio/voice", arrived)
    start_relay(app, every_seconds=3600).set()  # its first pass runs before it returns
    assert not spool.spool_path(app).exists()
    assert observer.scalar(sa.select(Call.id).where(Call.call_sid == CALL)) is not None


def test_the_replayed_time_cannot_be_forged_by_a_client(app, observer):
    client = app.test_client()
    forged = (utcnow() - timedelta(days=3)).isoformat()
    arrived = {"CallSid": CALL, "From": "+8613700137000", "To": "12345"}
    response = signed_post_with_header(client, "/twilio/voice", arrived, forged)
    assert response.status_code == 200
    created = observer.scalar(sa.select(Call.created_at).where(Call.call_sid == CALL))
    assert utcnow() - created < timedelta(minutes=1)


def signed_post_with_header(client, path, params, value):
    from tests.conftest import sign

    return client.post(
        path,
        data=params,
        headers={
            "X-Twilio-Signature": sign(PUBLIC_URL + path, params),
            "Hotline-Received-At": value,  # a header is not the WSGI environ key
        },
        environ_overrides={"HTTP_HOTLINE_RECEIVED_AT": value},
    )


@pytest.fixture(autouse=True)
def _no_spool_left(app):
    yield
    spool.spool_path(app).unlink(missing_ok=True)


def test_a_dropped_pooled_connection_is_replaced_before_use(app, backend, observer, monkeypatch):
    if backend != "postgresql":
        pytest.skip("PostgreSQL's server-side connections")
    from hotline import db

    client = app.test_client()
    observer.execute(sa.text("SELECT 1"))  # holds its own connection from now on
    first = {"CallSid": CALL, "From": "+8613700137000", "To": "12345"}
    assert b"<Gather" in signed_post(client, "/twilio/voice", first).data  # pool warmed
    # The database restarts (or a firewall drops idle connections): every pooled one is dead.
    dropped = observer.scalar(
        sa.text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    )
    assert dropped >= 1
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    again = {"CallSid": LATE_CALL, "From": "+8613600136000", "To": "12345"}
    answer = signed_post(client, "/twilio/voice", again)
    assert b"<Gather" in answer.data, answer.data  # the menu, not the apology
    assert spool.SPOOLED_HEADER not in answer.headers
    observer.close()
    dispose_engines(app)  # the other dead connections, before the fixtures clean up
