"""Many web workers routing at once never reserve one agent twice, nor one call twice."""

import threading
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from hotline.db import utcnow
from hotline.infra import context
from routing import services as routing
from routing.errors import RoutingError
from routing.models import Agent, Call
from tests.factories import make_agent, make_call

SETTINGS = routing.RouterSettings(reservation_seconds=60)
THREADS = 8


def waiting_calls(session, count):
    now = utcnow()
    calls = [
        make_call(
            session,
            from_number=f"1380000{i:04d}",
            status="queued",
            skill_code="general",
            enqueued_at=now - timedelta(seconds=i),
        )
        for i in range(count)
    ]
    return [c.id for c in calls]


def run_in_threads(app, work_items, work):
    """Each thread takes items from a shared list and handles each in its own transaction."""
    factory = context.sessions(app)
    lock, barrier, errors = threading.Lock(), threading.Barrier(THREADS), []

    def worker():
        barrier.wait()
        while True:
            with lock:
                if not work_items:
                    return
                item = work_items.pop()
            with factory() as session:
                try:
                    work(session, item)
                    session.commit()
                except RoutingError:
                    session.rollback()
                except Exception as exc:  # surfaced below: a thread must not hide a failure
                    errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def assert_consistent(session, expected_reservations):
    session.expire_all()
    reserved = session.scalars(
        sa.select(Call.reserved_agent_id).where(Call.reserved_agent_id.is_not(None))
    ).all()
    per_agent = Counter(reserved)
    assert all(count == 1 for count in per_agent.values()), per_agent
    reserved_agents = session.scalars(sa.select(Agent.id).where(Agent.state == "reserved")).all()
    assert sorted(reserved_agents) == sorted(per_agent)
    assert len(reserved) == expected_reservations


def test_concurrent_routing_of_calls_never_double_books(app, session):
    for _ in range(12):
        _, agent = make_agent(session, skills={"general": 1})
        routing.set_agent_state(session, agent.id, "available")
    call_ids = waiting_calls(session, 30)
    session.commit()

    run_in_threads(app, list(call_ids), lambda s, call_id: routing.route_call(s, call_id, SETTINGS))
    # Workers that found every agent locked skipped; a final pass reserves what is left.
    with context.sessions(app)() as final:
        routing.dispatch_waiting(final, SETTINGS)
        final.commit()
    assert_consistent(session, 12)


def test_concurrent_agents_looking_for_work_never_share_a_call(app, session):
    agent_ids = []
    for _ in range(16):
        _, agent = make_agent(session, skills={"general": 1})
        routing.set_agent_state(session, agent.id, "available")
        agent_ids.append(agent.id)
    waiting_calls(session, 10)
    session.commit()

    run_in_threads(
        app, list(agent_ids), lambda s, agent_id: routing.offer_work(s, agent_id, SETTINGS)
    )
    # Only the chosen call is locked, so no agent is locked out of the rest of the queue:
    # all ten calls are reserved without a second pass.
    assert_consistent(session, 10)


def test_a_freed_agent_finds_a_call_beyond_the_first_page_of_the_queue(app, session, monkeypatch):
    monkeypatch.setattr(routing, "QUEUE_PAGE", 3)
    _, agent = make_agent(session, skills={"general": 1}, languages="zh")
    call_ids = waiting_calls(session, 8)
    session.execute(
        sa.update(Call).where(Call.id.in_(call_ids[1:])).values(language="yue")
    )  # the seven oldest wait for a Cantonese speaker; the newest is Mandarin
    session.execute(sa.update(Call).where(Call.id == call_ids[0]).values(language="zh"))
    routing.set_agent_state(session, agent.id, "available")
    session.commit()
    call = routing.offer_work(session, agent.id, SETTINGS)
    assert call is not None and call.id == call_ids[0]
    session.commit()


def test_a_reservation_is_accepted_once_even_when_clicked_twice_at_once(app, session):
    _, agent = make_agent(session, skills={"general": 1})
    routing.set_agent_state(session, agent.id, "available")
    (call_id,) = waiting_calls(session, 1)
    session.commit()
    with context.sessions(app)() as setup:
        routing.route_call(setup, call_id, SETTINGS)
        setup.commit()

    accepted = []
    factory, barrier = context.sessions(app), threading.Barrier(2)

    def click():
        barrier.wait()
        with factory() as s:
            try:
                routing.accept_reservation(s, agent.id, call_id)
                s.commit()
                accepted.append(True)
            except RoutingError:
                s.rollback()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert accepted == [True]
    session.expire_all()
    assert session.get(Call, call_id).status == "connected"
    assert session.get(Agent, agent.id).state == "on_call"
