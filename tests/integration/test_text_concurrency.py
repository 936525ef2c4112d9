"""Two texts from a new number at the same moment: both recorded, in one conversation."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from hotline.infra import context, spool
from routing.messaging import Conversation, Message
from tests.conftest import signed_post

NEW_NUMBER = "+8613600136000"


def test_two_first_texts_at_once_make_one_conversation(app, observer, backend):
    if backend != "postgresql":
        pytest.skip("SQLite writes one transaction at a time: the race needs PostgreSQL")
    # Both requests reach their INSERT of the conversation before either commits: the
    # loser's insert then waits for the winner's commit and fails on the unique phone.
    barrier = threading.Barrier(2, timeout=20)

    def meet_before_inserting_the_conversation(connection, cursor, statement, *_):
        if statement.startswith("INSERT INTO conversations"):
            barrier.wait()

    engine = context.engine(app)
    sa.event.listen(engine, "before_cursor_execute", meet_before_inserting_the_conversation)
    answers, errors = {}, []

    def text(index: int) -> None:
        try:
            params = {
                "MessageSid": f"SM{0xC0C0 + index:032x}",
                "From": NEW_NUMBER,
                "To": "12345",
                "Body": f"路灯坏了 {index}",
            }
            answers[index] = signed_post(app.test_client(), "/twilio/sms", params)
        except Exception as exc:  # surfaced below: a thread must not hide a failure
            errors.append(exc)

    threads = [threading.Thread(target=text, args=(index,)) for index in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sa.event.remove(engine, "before_cursor_execute", meet_before_inserting_the_conversation)
    assert not errors, errors
    for answer in answers.values():
        # Not kept in the spool as if the database were down: answered.
        assert answer.status_code == 200, answer.data[:300]
        assert spool.SPOOLED_HEADER not in answer.headers
    conversations = observer.scalars(sa.select(Conversation.id)).all()
    assert len(conversations) == 1
    bodies = observer.scalars(
        sa.select(Message.body).where(
            Message.conversation_id == conversations[0], Message.direction == "in"
        )
    ).all()
    assert sorted(bodies) == ["路灯坏了 0", "路灯坏了 1"]
