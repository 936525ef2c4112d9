"""A small, hand-made history of work orders whose report figures are worked out by hand.

September 2026
  s1  GZ-RSJ     replied by its deadline, closed satisfied
  s2  GZ-TH-SPJ  replied after its deadline, closed basically satisfied
October 2026 (GZ-RSJ: SOCINS.PENSION; GZ-TH-SPJ: URBAN.MANHOLE; all in district GZ-TH)
  a1  GZ-RSJ     console  replied by the deadline, closed satisfied
  a2  GZ-RSJ     console  replied after the deadline, closed basically satisfied
  a3  GZ-RSJ     console  signed for, deadline passed: open overdue
  a4  GZ-RSJ     phone    signed for, deadline far ahead: open, not overdue
  a5  GZ-RSJ     console  unsatisfied → reopened 9 Oct, replied in time, callback unanswered
  a6  GZ-RSJ     console  withdrawn by the citizen: not counted
  b1  GZ-TH-SPJ  sms      returned, bound by joint determination on 8 Oct, closed satisfied
  b2  GZ-TH-SPJ  sms      a duplicate merged into b1: not counted
  b3  GZ-TH-SPJ  sms      unsatisfied → reopened 7 Oct, deadline passed: open overdue

Worked out for October (orders dispatched in the month):
  GZ-RSJ     dispatched 5, closed 3 (a1 a2 a5), on time 2 (a1 a5), open overdue 1 (a3)
             → closure 3/5, on-time 2/(3+1) = 0.5, rated 2 (a1 a2; a5 unanswered),
             satisfied 2 → 1.0, returned 0, reopened 1 (a5) → 0.2
  GZ-TH-SPJ  dispatched 2, closed 1 (b1), on time 1, open overdue 1 (b3) → on-time 0.5,
             rated 2 (b1 satisfied, b3 unsatisfied) → 0.5, returned 1, reopened 1 → 0.5
  September: GZ-RSJ on-time 1/1, satisfaction 1/1; GZ-TH-SPJ on-time 0/1, satisfaction 1/1.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.infra import context
from workorders import services
from workorders.calendar import LOCAL
from workorders.deadlines import DEFAULT_POLICY

RSJ = services.Actor("rsj", None, "GZ-RSJ")
SPJ = services.Actor("spj", None, "GZ-TH-SPJ")
AGENT = services.Actor("agent")
DISPATCHER = services.Actor("dispatcher")
CITIZEN_NAME = "王小明"
CITIZEN_PHONE = "13912345678"
FAR_AHEAD = datetime(2099, 12, 31, 23, 59, tzinfo=LOCAL)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LOCAL)


def _pension(session, when, channel="console"):
    return services.open_work_order(
        session,
        channel=channel,
        category_code="SOCINS.PENSION",
        description=f"养老金没有到账，请联系{CITIZEN_NAME}，电话 {CITIZEN_PHONE}",
        actor=AGENT,
        citizen_name=CITIZEN_NAME,
        citizen_phone=CITIZEN_PHONE,
        district_code="GZ-TH",
        address="天河路 1 号",
        now=when,
        policy=DEFAULT_POLICY,
    )


def _manhole(session, when):
    return services.open_work_order(
        session,
        channel="sms",
        category_code="URBAN.MANHOLE",
        description="路口井盖缺失",
        actor=AGENT,
        citizen_name=CITIZEN_NAME,
        citizen_phone=CITIZEN_PHONE,
        street_code="GZ-TH-SPJ",
        address="石牌路口",
        now=when,
        policy=DEFAULT_POLICY,
    )


def _answer(session, order, unit, signed, replied, deadline=None):
    if deadline is not None:
        order.reply_deadline = deadline
    services.sign_for(session, order.number, unit, now=signed)
    services.reply(session, order.number, unit, "已处理完毕。", now=replied)


def build_history(session) -> dict[str, object]:
    """The orders above, by name; the session is flushed, not committed."""
    orders = {}
    s1 = orders["s1"] = _pension(session, at(9, 10))
    _answer(session, s1, RSJ, at(9, 11), at(9, 15), at(9, 20))
    services.record_callback(
        session, s1.number, AGENT, "satisfied", now=at(9, 16), policy=DEFAULT_POLICY
    )
    s2 = orders["s2"] = _manhole(session, at(9, 10))
    _answer(session, s2, SPJ, at(9, 11), at(9, 14), at(9, 11, 18))
    services.record_callback(
        session, s2.number, AGENT, "basically_satisfied", now=at(9, 15), policy=DEFAULT_POLICY
    )

    a1 = orders["a1"] = _pension(session, at(10, 5))
    _answer(session, a1, RSJ, at(10, 6), at(10, 10), at(10, 15))
    services.record_callback(
        session, a1.number, AGENT, "satisfied", now=at(10, 12), policy=DEFAULT_POLICY
    )
    a2 = orders["a2"] = _pension(session, at(10, 5, 11))
    _answer(session, a2, RSJ, at(10, 6), at(10, 20), at(10, 15))
    services.record_callback(
        session, a2.number, AGENT, "basically_satisfied", now=at(10, 21), policy=DEFAULT_POLICY
    )
    a3 = orders["a3"] = _pension(session, at(10, 6))
    a3.reply_deadline = at(10, 16)
    services.sign_for(session, a3.number, RSJ, now=at(10, 7))
    a4 = orders["a4"] = _pension(session, at(10, 6, 11), channel="phone")
    a4.reply_deadline = FAR_AHEAD
    services.sign_for(session, a4.number, RSJ, now=at(10, 7))
    a5 = orders["a5"] = _pension(session, at(10, 7))
    _answer(session, a5, RSJ, at(10, 7, 11), at(10, 8))
    services.record_callback(
        session, a5.number, AGENT, "unsatisfied", now=at(10, 9), policy=DEFAULT_POLICY
    )
    _answer(session, a5, RSJ, at(10, 10), at(10, 12), at(10, 19))
    services.record_callback(
        session, a5.number, AGENT, "no_answer", now=at(10, 14), policy=DEFAULT_POLICY
    )
    a6 = orders["a6"] = _pension(session, at(10, 7, 11))
    services.cancel(session, a6.number, AGENT, "市民撤回", now=at(10, 8))

    b1 = orders["b1"] = _manhole(session, at(10, 5))
    services.return_order(session, b1.number, SPJ, "不属于本街道", now=at(10, 6))
    b2 = orders["b2"] = _manhole(session, at(10, 5, 11))
    services.merge(session, b2.number, b1.number, AGENT, now=at(10, 6, 11))
    services.determine(
        session,
        b1.number,
        DISPATCHER,
        "GZ-TH-SPJ",
        "位于石牌街道",
        now=at(10, 8),
        policy=DEFAULT_POLICY,
    )
    _answer(session, b1, SPJ, at(10, 8, 11), at(10, 9), at(10, 9, 18))
    services.record_callback(
        session, b1.number, AGENT, "satisfied", now=at(10, 10), policy=DEFAULT_POLICY
    )
    b3 = orders["b3"] = _manhole(session, at(10, 6))
    _answer(session, b3, SPJ, at(10, 6, 11), at(10, 6, 15))
    services.record_callback(
        session, b3.number, AGENT, "unsatisfied", now=at(10, 7), policy=DEFAULT_POLICY
    )
    b3.reply_deadline = at(10, 8)
    session.flush()
    return orders


@pytest.fixture(name="history")
def committed_history(app):
    """The history, committed through the app: the commit refreshes the roll-ups."""
    with app.app_context(), context.sessions(app)() as session:
        orders = build_history(session)
        session.commit()
    return orders
