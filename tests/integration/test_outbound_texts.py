"""Every text 12345 sends (the ticket number, the satisfaction survey, a unit's notice, a
knowledge-base answer) goes through one function: STOP is honoured, each text is in the
number's history with its delivery status, and it goes out once whatever its job goes
through (run twice, dead before its commit, dead after it)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from hotline.db import utcnow
from hotline.infra import context, jobs
from hotline.infra.gateway import REFUSALS
from hotline.services import texts
from hotline.services import workorders as filing
from hotline.tasks.texts import send_text
from hotline.tasks.workorders import STALE_AFTER
from knowledge_base import services as kb
from knowledge_base.models import Feedback
from routing import messaging
from routing.messaging import Conversation, Message
from routing.models import Call
from routing.numberplan import to_e164
from tests.conftest import signed_post
from workorders import services as workorders
from workorders.deadlines import DEFAULT_POLICY
from workorders.models import Unit, WorkOrder, WorkOrderNotice
from workorders.rules import set_unit_contact

CITIZEN = "13800138000"
UNIT_PHONE = "13700000001"
UNIT_EMAIL = "duty@rsj.example.gov"
ARTICLE = {
    "id": "HL-9300",
    "title": "租房提取住房公积金",
    "questions": ["租房可以取公积金吗？"],
    "answer": "无房职工租房自住的，可每年提取一次住房公积金支付房租。",
    "keywords": ["租房提取"],
    "category": "HPF.WITHDRAW",
}
_sids = itertools.count(1)


@dataclass(frozen=True)
class Pending:
    """A job that owes someone a text: its name in jobs.JOBS, its argument, who it texts and
    words only that text has."""

    job: str
    id: int
    phone: str
    words: str


def open_order(session) -> WorkOrder:
    return workorders.open_work_order(
        session,
        channel="console",
        category_code="SOCINS.PENSION",
        description="养老金没有到账",
        actor=workorders.SYSTEM,
        citizen_phone=CITIZEN,
        policy=DEFAULT_POLICY,
    )


def notice_of(session, order: WorkOrder, kind: str) -> WorkOrderNotice:
    return session.scalar(
        sa.select(WorkOrderNotice).where(
            WorkOrderNotice.work_order_id == order.id, WorkOrderNotice.kind == kind
        )
    )


def ticket(session) -> Pending:
    """An order filed for the citizen: its number is texted to them."""
    order = filing.file_work_order(
        session,
        actor=workorders.SYSTEM,
        category_code="SOCINS.PENSION",
        description="养老金没有到账",
        citizen_phone=CITIZEN,
    )
    session.commit()
    return Pending("notify_work_order_filed", order.id, CITIZEN, f"工单号 {order.number}")


def survey(session) -> Pending:
    """The unit replies: the citizen is asked for their satisfaction."""
    order = open_order(session)
    unit = workorders.Actor("unit staff", None, order.unit_code)
    workorders.sign_for(session, order.number, unit)
    workorders.reply(session, order.number, unit, "已补发养老金")
    notice = notice_of(session, order, "survey")
    session.commit()
    return Pending("send_work_order_notice", notice.id, CITIZEN, "1 满意")


def unit_notice(session, email: str = "") -> Pending:
    """An order dispatched to a unit with a contact phone: the unit is texted."""
    order = open_order(session)
    set_unit_contact(session, order.unit_code, UNIT_PHONE, email)
    notice = notice_of(session, order, "assigned")
    session.commit()
    return Pending("send_work_order_notice", notice.id, UNIT_PHONE, "已派给贵单位")


def kb_answer(session) -> Pending:
    """An agent texts the caller an answer; the call's number is as Twilio gave it."""
    kb.import_article(session, ARTICLE)
    call = Call(
        call_sid="CA" + "c" * 32,
        from_number="+86" + CITIZEN,
        to_number="12345",
        entry="main",
        status="connected",
    )
    session.add(call)
    session.flush()
    sent = kb.record_feedback(session, ARTICLE["id"], "texted", "agent1", call_id=call.id)
    jobs.enqueue(session, "text_kb_answer", sent.id)
    session.commit()
    return Pending("text_kb_answer", sent.id, CITIZEN, "可每年提取一次住房公积金")


KINDS: dict[str, Callable[..., Pending]] = {
    "ticket": ticket,
    "survey": survey,
    "unit_notice": unit_notice,
    "kb_answer": kb_answer,
}
kinds = pytest.mark.parametrize("arrange", KINDS.values(), ids=KINDS.keys())


def run(pending: Pending) -> None:
    """Run the job as a worker would."""
    module, _, function = jobs.JOBS[pending.job].function.rpartition(".")
    getattr(import_module(module), function)(pending.id)


class Worker:
    """The job runner of some tests: texts are sent at once in this process (unless the
    worker is dead); every other job waits, for the test to run it as often as it likes."""

    def __init__(self):
        self.dead = False

    def submit(self, name: str, args: tuple, outbox_id: str | None = None) -> None:
        if name != "send_text":
            return
        if self.dead:
            raise ConnectionError("the worker died before it took the text")
        jobs.InProcessRunner().submit(name, args)


@pytest.fixture
def worker(app) -> Worker:
    worker = Worker()
    context.provide(app, context.JOBS, worker)
    return worker


@pytest.fixture(autouse=True)
def no_unit_contacts(app):
    """Units are reference data, kept between tests: their contacts are taken away again."""
    yield
    with context.sessions(app)() as session:
        session.execute(sa.update(Unit).values(contact_phone=None, contact_email=None))
        session.commit()


class Crash(Exception):
    """The job's process died."""


@contextmanager
def dying_before_commit(app):
    """Every transaction dies just before its commit; says how many texts each had recorded."""
    recorded = []

    def die(session):
        if session.in_nested_transaction():
            return  # a savepoint released (SQLAlchemy calls this hook for those too)
        recorded.append(
            session.scalar(
                sa.select(sa.func.count(Message.id)).where(
                    Message.direction == "out", Message.status == "queued"
                )
            )
        )
        raise Crash("killed before the commit")

    factory = context.sessions(app)
    event.listen(factory, "before_commit", die)
    try:
        yield recorded
    finally:
        event.remove(factory, "before_commit", die)


def texts_to(gateway, phone: str) -> list[str]:
    return [r["body"] for r in gateway.sent() if r["kind"] == "sms" and r["to"] == to_e164(phone)]


def history(app, phone: str) -> list[Message]:
    """The outbound texts of the number's conversation, oldest first."""
    with context.sessions(app)() as session:
        return session.scalars(
            sa.select(Message)
            .join(Conversation)
            .where(Conversation.phone == phone, Message.direction == "out")
            .order_by(Message.id)
        ).all()


def asked(app, pending: Pending) -> bool:
    """Whether the job's row is marked as having asked for its text."""
    model, column = {
        "notify_work_order_filed": (WorkOrder, WorkOrder.notified_at),
        "send_work_order_notice": (WorkOrderNotice, WorkOrderNotice.sent_at),
        "text_kb_answer": (Feedback, Feedback.sent_at),
    }[pending.job]
    with context.sessions(app)() as session:
        return session.scalar(sa.select(column).where(model.id == pending.id)) is not None


def notice_channel(app, notice_id: int) -> str | None:
    with context.sessions(app)() as session:
        return session.get(WorkOrderNotice, notice_id).channel


def stop(client, phone: str) -> None:
    """The number texts STOP (退订) to 12345."""
    params = {
        "MessageSid": f"SM{next(_sids):032x}",
        "From": "+86" + phone,
        "To": "12345",
        "Body": "退订",
    }
    assert signed_post(client, "/twilio/sms", params).status_code == 200


@kinds
def test_a_number_that_texted_stop_gets_no_text_of_any_kind(arrange, app, client, session, gateway):
    phone = UNIT_PHONE if arrange is unit_notice else CITIZEN
    stop(client, phone)
    (confirmation,) = texts_to(gateway, phone)
    assert "退订" in confirmation

    pending = arrange(session)  # its job runs at the commit

    assert texts_to(gateway, pending.phone) == [confirmation]
    refused = history(app, phone)[-1]
    assert pending.words in refused.body
    assert (refused.status, refused.error, refused.sid) == ("failed", messaging.OPTED_OUT, None)
    assert asked(app, pending)  # asked for once, refused: no retry texts it later
    if arrange is survey:
        assert notice_channel(app, pending.id) == "opted_out"
        with context.sessions(app)() as fresh:
            notice = fresh.get(WorkOrderNotice, pending.id)
            assert fresh.get(WorkOrder, notice.work_order_id).status == "replied"
    if arrange is unit_notice:
        assert notice_channel(app, pending.id) == "opted_out"


def test_a_unit_phone_that_opted_out_is_told_by_email_instead(app, client, session, gateway):
    stop(client, UNIT_PHONE)
    pending = unit_notice(session, email=UNIT_EMAIL)
    (email,) = [r for r in gateway.sent() if r["kind"] == "email" and r["to"] == UNIT_EMAIL]
    assert pending.words in email["body"]
    assert len(texts_to(gateway, UNIT_PHONE)) == 1  # the STOP confirmation only
    assert notice_channel(app, pending.id) == "email"


@kinds
def test_each_text_goes_out_once_when_its_job_runs_twice(arrange, app, session, gateway, worker):
    pending = arrange(session)
    run(pending)
    run(pending)
    (sent,) = texts_to(gateway, pending.phone)
    assert pending.words in sent
    assert [m.body for m in history(app, pending.phone)] == [sent]


@kinds
def test_a_job_that_dies_before_its_commit_leaves_nothing_and_its_retry_texts_once(
    arrange, app, session, gateway, worker
):
    pending = arrange(session)
    with dying_before_commit(app) as recorded, pytest.raises(Crash):
        run(pending)
    assert recorded == [1]  # it died with its text recorded, not before
    assert history(app, pending.phone) == [] and not asked(app, pending)
    assert texts_to(gateway, pending.phone) == []

    run(pending)  # the retry
    run(pending)
    (sent,) = texts_to(gateway, pending.phone)
    assert pending.words in sent
    assert [m.status for m in history(app, pending.phone)] == ["sent"]


@kinds
def test_a_job_that_dies_after_its_commit_leaves_both_and_its_retry_does_nothing(
    arrange, app, session, gateway, worker
):
    pending = arrange(session)
    worker.dead = True  # the commit is through; the text is not handed over
    run(pending)
    (queued,) = history(app, pending.phone)
    assert queued.status == "queued" and asked(app, pending)
    assert texts_to(gateway, pending.phone) == []

    run(pending)  # the retry
    assert len(history(app, pending.phone)) == 1

    worker.dead = False  # the outbox hands the text over
    factory = context.sessions(app)
    assert jobs.relay(factory, runner=worker) == (1, 0)
    run(pending)
    (sent,) = texts_to(gateway, pending.phone)
    assert pending.words in sent
    assert [m.status for m in history(app, pending.phone)] == ["sent"]


def test_a_survey_notice_older_than_a_day_texts_nothing(app, session, gateway, worker):
    order = open_order(session)
    unit = workorders.Actor("unit staff", None, order.unit_code)
    workorders.sign_for(session, order.number, unit)
    long_ago = utcnow() - STALE_AFTER - timedelta(minutes=1)
    workorders.reply(session, order.number, unit, "已补发养老金", now=long_ago)
    notice = notice_of(session, order, "survey")
    session.commit()
    pending = Pending("send_work_order_notice", notice.id, CITIZEN, "")

    run(pending)

    assert notice_channel(app, pending.id) == "skipped"
    assert texts_to(gateway, CITIZEN) == [] and history(app, CITIZEN) == []


def test_a_survey_for_an_order_that_moved_on_texts_nothing(app, session, gateway, worker):
    pending = survey(session)
    with context.sessions(app)() as agent_session:
        notice = agent_session.get(WorkOrderNotice, pending.id)
        order = agent_session.get(WorkOrder, notice.work_order_id)
        # An agent reached the citizen by phone before the survey went out.
        workorders.record_callback(
            agent_session, order.number, workorders.SYSTEM, "satisfied", policy=DEFAULT_POLICY
        )
        agent_session.commit()

    run(pending)

    assert notice_channel(app, pending.id) == "skipped"
    assert texts_to(gateway, CITIZEN) == [] and history(app, CITIZEN) == []


@kinds
def test_every_text_is_in_the_history_with_its_delivery_status(
    arrange, app, client, session, gateway
):
    pending = arrange(session)
    to = to_e164(pending.phone)
    (sent,) = [r for r in gateway.sent() if r["kind"] == "sms" and r["to"] == to]
    (message,) = history(app, pending.phone)
    assert (message.body, message.sid, message.status) == (sent["body"], sent["sid"], "sent")

    callback = {"MessageSid": sent["sid"], "MessageStatus": "delivered"}
    assert signed_post(client, "/twilio/sms/status", callback).status_code == 204
    assert [m.status for m in history(app, pending.phone)] == ["delivered"]


# -- Twilio's refusals, through the simulator's stand-in for its REST API ------------------

OTHER_NUMBER = "+862087654321"  # a Twilio number, but not this account's


def outbox(app) -> list[jobs.OutboxJob]:
    with context.sessions(app)() as session:
        return session.scalars(sa.select(jobs.OutboxJob)).all()


def conversation_of(app, phone: str) -> Conversation:
    with context.sessions(app)() as session:
        return session.scalars(sa.select(Conversation).where(Conversation.phone == phone)).one()


def unsubscribed(app, twilio):
    """The citizen texted STOP to Twilio itself (never to this hotline's thread)."""
    twilio.telephony.unsubscribe(CITIZEN)


def foreign_sender(app, twilio):
    """The hotline sends from a number that is not the account's."""
    context.provide(app, context.GATEWAY, twilio.gateway(OTHER_NUMBER))


def refused_as(status: int, code: int, message: str):
    def arrange(app, twilio):
        twilio.telephony.refuse_next("messages.create", status, code, message)

    arrange.__name__ = f"refused_{code}"
    return arrange


PERMANENT = {
    21610: unsubscribed,
    21606: foreign_sender,
    21211: refused_as(400, 21211, "The 'To' number +8613800138000 is not a valid phone number."),
    21408: refused_as(400, 21408, "Permission to send an SMS has not been enabled for the region"),
    21614: refused_as(400, 21614, "'To' number is not a valid mobile number"),
    21635: refused_as(400, 21635, "'To' number cannot be a landline"),
    21617: refused_as(400, 21617, "The concatenated message body exceeds the 1600 character limit"),
}
TRANSIENT = {
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service unavailable"),
}


@pytest.mark.parametrize("code", PERMANENT)
def test_a_text_twilio_refuses_for_good_is_tried_once_and_failed_saying_why(
    app, session, twilio_api, code
):
    PERMANENT[code](app, twilio_api)
    message = texts.send(session, CITIZEN, "您反映的问题已受理。")
    session.commit()  # its job runs at once, in this process

    assert twilio_api.requests("messages.create") == 1
    (failed,) = history(app, CITIZEN)
    assert (failed.id, failed.status, failed.sid) == (message.id, "failed", None)
    assert failed.error == f"Twilio {code}: {REFUSALS[code].en}"
    assert outbox(app) == []  # the job is done: nothing waits to retry it
    # Run again (as a retry would be), it asks Twilio nothing.
    send_text(message.id)
    assert twilio_api.requests("messages.create") == 1
    assert twilio_api.telephony.texts == []

    opted_out = conversation_of(app, CITIZEN).opted_out_at is not None
    assert opted_out == (code == 21610)  # only STOP at Twilio opts the number out here
    context.provide(app, context.GATEWAY, twilio_api.gateway())
    later = texts.send(session, CITIZEN, "请对本次服务作出评价。")
    session.commit()
    if code == 21610:
        # No path texts it again: the next text is refused here, never sent to Twilio.
        assert later is None
        assert history(app, CITIZEN)[-1].error == messaging.OPTED_OUT
        assert twilio_api.requests("messages.create") == 1
    else:  # the refusal was of that request; the number is texted as ever
        assert history(app, CITIZEN)[-1].status == "sent"
        assert twilio_api.requests("messages.create") == 2


@pytest.mark.parametrize("code", TRANSIENT)
def test_a_text_twilio_refuses_for_now_is_retried_and_sent_once(app, session, twilio_api, code):
    status, sentence = TRANSIENT[code]
    twilio_api.telephony.refuse_next("messages.create", status, code, sentence)
    message = texts.send(session, CITIZEN, "您反映的问题已受理。")
    session.commit()  # its job runs at once and fails: it waits in the outbox

    assert twilio_api.requests("messages.create") == 1
    (waiting,) = history(app, CITIZEN)
    assert (waiting.status, waiting.sid) == ("queued", None)
    assert str(code) in waiting.error and sentence in waiting.error  # why it waits
    (job,) = outbox(app)
    assert (job.name, job.args) == ("send_text", [message.id])

    assert jobs.relay(context.sessions(app), now=job.next_attempt_at) == (1, 0)  # the retry
    assert twilio_api.requests("messages.create") == 2
    (sent,) = history(app, CITIZEN)
    (text,) = twilio_api.telephony.texts_to(CITIZEN)
    assert (sent.status, sent.sid, sent.error, sent.attempts) == ("sent", text.sid, "", 2)
    assert conversation_of(app, CITIZEN).opted_out_at is None


def test_a_refusal_of_the_opt_out_confirmation_keeps_the_opt_out_as_it_began(
    app, client, twilio_api
):
    """Twilio handles STOP itself too: the confirmation this hotline sends is refused."""
    twilio_api.telephony.unsubscribe(CITIZEN)
    stop(client, CITIZEN)
    began = conversation_of(app, CITIZEN).opted_out_at
    (confirmation,) = history(app, CITIZEN)
    assert (confirmation.status, confirmation.error) == (
        "failed",
        f"Twilio 21610: {REFUSALS[21610].en}",
    )
    assert conversation_of(app, CITIZEN).opted_out_at == began
    assert twilio_api.requests("messages.create") == 1
