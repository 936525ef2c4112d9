"""The work-order lifecycle on a real database: rules, co-units, disputes, extensions,
merging, cancelling, attachments, the sweep and the satisfaction survey."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from workorders import rules, services
from workorders.calendar import LOCAL
from workorders.deadlines import DEFAULT_POLICY
from workorders.errors import (
    BindingDetermination,
    IllegalTransition,
    InvalidRule,
    InvalidWorkOrder,
    NotFound,
    NotResponsible,
)
from workorders.models import WorkOrderEvent, WorkOrderNotice
from workorders.states import replay

AGENT = services.Actor("agent1")
DISPATCHER = services.Actor("supervisor")
RSJ = services.Actor("rsj", None, "GZ-RSJ")
TIANHE = services.Actor("tianhe", None, "GZ-TH")
CGW = services.Actor("cgw", None, "GZ-CGW")
# Friday 25 September 2026, 10:00 in Guangzhou: the Mid-Autumn holiday (25–27 September).
MORNING = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)


def open_order(session, **fields):
    """Filed on the morning the holiday starts, unless ``fields`` say when."""
    return factories.open_order(session, **{"now": MORNING, **fields})


def actions(session, order) -> list[str]:
    session.flush()
    return session.scalars(
        sa.select(WorkOrderEvent.action)
        .where(WorkOrderEvent.work_order_id == order.id)
        .order_by(WorkOrderEvent.id)
    ).all()


def notices(session, order) -> list[tuple[str, str | None]]:
    session.flush()
    return session.execute(
        sa.select(WorkOrderNotice.kind, WorkOrderNotice.unit_code)
        .where(WorkOrderNotice.work_order_id == order.id)
        .order_by(WorkOrderNotice.id)
    ).all()


def test_an_admin_rule_assigns_a_lead_and_co_units_and_says_why(session):
    rules.add_rule(
        session,
        category_code="URBAN.MANHOLE",
        district_code="GZ-TH",
        unit_code="GZ-TH",
        co_unit_codes=["GZ-CGW"],
        note="天河区井盖由区统筹",
    )
    order = open_order(session, category_code="URBAN.MANHOLE", street_code="GZ-TH-SPJ")
    assert (order.unit_code, order.co_unit_codes) == ("GZ-TH", ["GZ-CGW"])
    assert "天河区井盖由区统筹" in order.assignment_reason
    assert notices(session, order) == [("assigned", "GZ-TH")]
    # The co-unit sees it in its portal but cannot act on it; the lead can.
    assert order in services.orders_for_unit(session, "GZ-CGW")
    with pytest.raises(NotResponsible, match="只有主办单位 GZ-TH 可以办理"):
        services.sign_for(session, order.number, CGW)
    assert services.sign_for(session, order.number, TIANHE).status == "signed"
    with pytest.raises(NotFound):
        services.get_work_order_for_unit(session, order.number, "GZ-RSJ")


def test_a_rule_needs_something_to_match_and_known_units(session):
    with pytest.raises(InvalidRule, match="规则须指定分类、区或街道中的至少一项"):
        rules.add_rule(session, unit_code="GZ-TH")
    with pytest.raises(InvalidRule, match="未知或已停用的单位“NOPE”"):
        rules.add_rule(session, category_code="URBAN.MANHOLE", unit_code="NOPE")
    with pytest.raises(InvalidRule, match="不属于"):
        rules.add_rule(session, district_code="GZ-YX", street_code="GZ-TH-SPJ", unit_code="GZ-TH")


def test_a_return_goes_to_joint_determination_whose_decision_binds(session):
    order = open_order(session, category_code="URBAN.MANHOLE", street_code="GZ-TH-SPJ")
    street = services.Actor("spj", None, "GZ-TH-SPJ")
    with pytest.raises(InvalidWorkOrder, match="退回须说明理由"):
        services.return_order(session, order.number, street, " ")
    services.return_order(session, order.number, street, "井盖属燃气公司管线", now=MORNING)
    assert order.status == "disputed"
    services.determine(
        session,
        order.number,
        DISPATCHER,
        "GZ-TH-SPJ",
        "道路井盖由属地街道负责",
        now=MORNING,
        policy=DEFAULT_POLICY,
    )
    assert (order.status, order.unit_code) == ("dispatched", "GZ-TH-SPJ")
    assert "joint determination" in order.assignment_reason
    with pytest.raises(BindingDetermination, match="补充新情况前不能再次退回"):
        services.return_order(session, order.number, street, "还是不归我们管")
    # New facts (the citizen says it is a gas valve cover) lift the binding.
    services.add_facts(session, order.number, AGENT, "市民补充：井盖印有燃气字样")
    services.return_order(session, order.number, street, "确属燃气井盖")
    services.determine(
        session,
        order.number,
        DISPATCHER,
        "GZ-RQJT",
        "燃气井盖由燃气集团负责",
        co_unit_codes=["GZ-TH-SPJ"],
        policy=DEFAULT_POLICY,
    )
    assert (order.unit_code, order.co_unit_codes) == ("GZ-RQJT", ["GZ-TH-SPJ"])
    assert replay(actions(session, order)) == order.status == "dispatched"


def test_an_extension_moves_the_deadline_only_when_approved(session):
    # Five working days from the Mid-Autumn holiday: 28, 29, 30 September, 8, 9 October.
    order = open_order(session, category_code="SOCINS.CARD")
    services.sign_for(session, order.number, RSJ, now=MORNING)
    before = order.reply_deadline
    with pytest.raises(InvalidWorkOrder, match="延期须为 1 至 30 个工作日"):
        services.request_extension(
            session, order.number, RSJ, 31, "需要调档", policy=DEFAULT_POLICY
        )
    services.request_extension(session, order.number, RSJ, 2, "需要调取档案", policy=DEFAULT_POLICY)
    with pytest.raises(IllegalTransition):
        services.reply(session, order.number, RSJ, "too early")
    services.decide_extension(session, order.number, DISPATCHER, False, "理由不足")
    assert (order.status, order.reply_deadline) == ("in_progress", before)
    services.request_extension(session, order.number, RSJ, 2, "档案在外地", policy=DEFAULT_POLICY)
    services.decide_extension(session, order.number, DISPATCHER, True)
    # Two more working days: Saturday 10 October (a make-up day) and Monday 12.
    assert before.astimezone(LOCAL).date() == date(2026, 10, 9)
    assert order.reply_deadline.astimezone(LOCAL).date() == date(2026, 10, 12)
    assert [r.state for r in order.extensions] == ["denied", "approved"]


def test_merged_duplicates_close_with_their_parent(session):
    parent = open_order(session)
    first = open_order(session, citizen_phone="13900000001")
    second = open_order(session, citizen_phone="13900000002")
    services.merge(session, first.number, parent.number, AGENT)
    services.merge(session, second.number, parent.number, AGENT, "同一小区")
    with pytest.raises(InvalidWorkOrder, match="请合并到未办结的工单"):
        services.merge(session, parent.number, first.number, AGENT)
    with pytest.raises(InvalidWorkOrder, match="不能撤销"):
        services.cancel(session, parent.number, AGENT, "市民撤回")
    services.sign_for(session, parent.number, RSJ)
    services.reply(session, parent.number, RSJ, "已补发")
    services.record_callback(session, parent.number, AGENT, "satisfied", policy=DEFAULT_POLICY)
    assert [o.status for o in (parent, first, second)] == ["closed"] * 3
    assert actions(session, first)[-2:] == ["merge", "follow_parent"]
    assert first.closed_at == parent.closed_at


def test_a_withdrawn_order_is_cancelled_and_nothing_more_happens_to_it(session):
    order = open_order(session)
    with pytest.raises(InvalidWorkOrder, match="请说明撤销理由"):
        services.cancel(session, order.number, AGENT, "")
    services.cancel(session, order.number, AGENT, "市民来电撤回")
    assert order.status == "cancelled" and order.closed_at is not None
    with pytest.raises(IllegalTransition, match="“已撤销”，不能签收"):
        services.sign_for(session, order.number, RSJ)


def test_attachments_are_http_urls_only(session):
    order = open_order(session, attachments=["https://img.example.gov/a.jpg", " "])
    assert [(a.url, a.kind) for a in order.attachments] == [
        ("https://img.example.gov/a.jpg", "intake")
    ]
    for bad in ("javascript:alert(1)", "ftp://x.example/a", "https://", "http://a b.example/"):
        with pytest.raises(InvalidWorkOrder, match="附件须为 http"):
            services.add_attachments(session, order.number, AGENT, [bad])
    services.sign_for(session, order.number, RSJ)
    services.reply(session, order.number, RSJ, "已处理", attachments=["http://x.example/r.pdf"])
    assert [a.kind for a in order.attachments] == ["intake", "reply"]


def test_the_same_external_reference_never_opens_two_orders(session):
    order = open_order(session, external_ref="sms:SM123")
    assert services.find_by_external_ref(session, "sms:SM123") is order
    with pytest.raises(InvalidWorkOrder, match="外部编号“sms:SM123”已有工单"):
        open_order(session, external_ref="sms:SM123")


def test_the_citizens_survey_answer_closes_or_reopens(session):
    order = open_order(session)
    services.sign_for(session, order.number, RSJ, now=MORNING)
    services.reply(session, order.number, RSJ, "已补发", now=MORNING + timedelta(hours=1))
    assert notices(session, order)[-1] == ("survey", None)
    services.start_callback(session, order.number, services.SYSTEM, "texted")
    with pytest.raises(InvalidWorkOrder, match="“maybe”不是 1、2 或 3"):
        services.record_satisfaction(session, order.number, "maybe", AGENT, policy=DEFAULT_POLICY)
    later = MORNING + timedelta(days=1)
    services.record_satisfaction(
        session, order.number, "3", AGENT, now=later, policy=DEFAULT_POLICY
    )
    # Back to the same unit, with fresh deadlines from now.
    assert (order.status, order.unit_code, order.signed_at) == ("dispatched", "GZ-RSJ", None)
    assert order.dispatched_at == later and order.reply_deadline > later
    services.sign_for(session, order.number, RSJ)
    services.reply(session, order.number, RSJ, "已到账")
    services.record_satisfaction(session, order.number, " 2 ", AGENT, policy=DEFAULT_POLICY)
    assert (order.status, order.satisfaction) == ("closed", "basically_satisfied")


def test_the_sweep_reminds_escalates_and_closes_once_per_deadline(session):
    order = open_order(session)  # due Friday 9 October (10 working days)
    replied = open_order(session)
    services.sign_for(session, replied.number, RSJ, now=MORNING)
    services.reply(session, replied.number, RSJ, "已处理", now=MORNING)
    session.flush()
    policy = DEFAULT_POLICY

    # An hour later nothing is due. The sign-for deadline is Monday 28 September, 23:59.
    first = services.sweep(session, now=MORNING + timedelta(hours=1), policy=policy)
    assert (first.reminded, first.escalated, first.closed) == ([], [], [])
    overdue_sign = datetime(2026, 9, 29, 9, 0, tzinfo=LOCAL)
    result = services.sweep(session, now=overdue_sign, policy=policy)
    assert result.escalated == [order.number]
    assert result.closed == [replied.number]  # no answer within three days
    assert replied.satisfaction == "no_response"
    again = services.sweep(session, now=overdue_sign + timedelta(hours=2), policy=policy)
    assert (again.reminded, again.escalated, again.closed) == ([], [], [])

    services.sign_for(session, order.number, RSJ, now=overdue_sign)
    eve = order.reply_deadline - timedelta(hours=3)
    assert services.sweep(session, now=eve, policy=policy).reminded == [order.number]
    assert services.sweep(session, now=eve + timedelta(hours=1), policy=policy).reminded == []
    late = order.reply_deadline + timedelta(hours=1)
    assert services.sweep(session, now=late, policy=policy).escalated == [order.number]
    assert [kind for kind, _ in notices(session, order)] == [
        "assigned",
        "sign_overdue",
        "reply_due",
        "reply_overdue",
    ]
    assert actions(session, order).count("escalate") == 2
    assert replay(actions(session, order)) == order.status
