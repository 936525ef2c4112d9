"""The report definitions, the bulletin's ranking, the service-star rule, charts and the
Open311 representation, as plain functions."""

from datetime import date
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest

from hotline.services.agent_figures import AgentFigures, StarRule, service_stars
from hotline.settings import Settings, SettingsError
from hotline.views.render import charts
from workorders import open311
from workorders.bulletin import build_rows, last_complete_month, next_month, previous_month, ranks
from workorders.reports import OrderFigures


def test_each_rate_is_its_count_over_its_base():
    f = OrderFigures(
        "u",
        dispatched=10,
        closed=6,
        closed_on_time=3,
        open_overdue=2,
        rated=4,
        satisfied=3,
        returned=1,
        reopened=2,
    )
    assert f.closure_rate == 6 / 10
    assert f.on_time_rate == 3 / (6 + 2)  # open overdue orders are in the base
    assert f.satisfaction_rate == 3 / 4
    assert (f.return_rate, f.reopen_rate) == (1 / 10, 2 / 10)


def test_a_rate_without_a_base_is_none_not_zero():
    f = OrderFigures("u")
    assert (f.closure_rate, f.on_time_rate, f.satisfaction_rate, f.return_rate) == (None,) * 4
    # Nothing closed yet and nothing overdue: no on-time rate, even with orders dispatched.
    assert OrderFigures("u", dispatched=3).on_time_rate is None


def test_figures_add_up_under_the_first_key():
    both = OrderFigures("2026-10", "2026-10", 2, 1).plus(OrderFigures("x", "x", 3, 3))
    assert (both.key, both.dispatched, both.closed, both.closure_rate) == ("2026-10", 5, 4, 0.8)


def test_equal_rates_share_a_rank_and_missing_rates_have_none():
    figures = [
        OrderFigures("a", dispatched=4, closed=4, closed_on_time=2),  # 0.5
        OrderFigures("b", dispatched=4, closed=4, closed_on_time=4),  # 1.0
        OrderFigures("c", dispatched=2, closed=2, closed_on_time=1),  # 0.5
        OrderFigures("d", dispatched=2, closed=2, closed_on_time=0),  # 0.0
        OrderFigures("e", dispatched=1),  # nothing closed or overdue yet
    ]
    assert ranks(figures, lambda f: f.on_time_rate) == {"b": 1, "a": 2, "c": 2, "d": 4, "e": None}


def test_the_bulletin_orders_by_on_time_then_satisfaction_and_shows_the_change():
    october = [
        OrderFigures("x", "X", 2, 2, 1, 0, 2, 1),  # on time 0.5, satisfied 0.5
        OrderFigures("y", "Y", 2, 2, 1, 0, 2, 2),  # on time 0.5, satisfied 1.0
        OrderFigures("z", "Z", 1, 0, 0, 0, 0, 0),  # no rates yet
        OrderFigures("idle", "Idle", 0),  # nothing dispatched: not listed
    ]
    september = [
        OrderFigures("x", "X", 1, 1, 1, 0, 1, 1),  # 1.0, 1.0
        OrderFigures("y", "Y", 4, 4, 1, 0, 0, 0),  # 0.25, none
    ]
    y, x, z = rows = build_rows(october, september)
    assert [r.unit for r in rows] == ["y", "x", "z"]
    assert (y.on_time_rank, y.satisfaction_rank, x.on_time_rank, x.satisfaction_rank) == (
        1,
        1,
        1,
        2,
    )
    assert z.on_time_rank is None and z.on_time_change is None and z.previous is None
    assert x.on_time_change == 0.5 - 1.0 and x.on_time_rank_change == 1 - 1
    assert y.on_time_change == 0.5 - 0.25 and y.on_time_rank_change == 2 - 1
    assert y.satisfaction_change is None  # no rating in September
    assert x.as_dict()["previous_on_time_rate"] == 1.0


def test_months_roll_over_the_year():
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert previous_month(date(2027, 1, 1)) == date(2026, 12, 1)
    assert last_complete_month(date(2026, 11, 27)) == date(2026, 10, 1)


def agent(agent_id, handled, ratings, fcr=0.8, aht=200.0):
    return AgentFigures(agent_id, f"agent{agent_id}", handled, aht, fcr, ratings)


def test_service_stars_follow_the_documented_rule():
    rule = StarRule(min_handled=20, min_rated=5, count=2)
    figures = [
        agent(1, 30, {1: 5, 2: 0, 3: 0}, fcr=0.7),  # 100 % satisfied
        agent(2, 40, {1: 4, 2: 1, 3: 0}, fcr=0.9),  # 100 % too, better first-contact
        agent(3, 50, {1: 9, 3: 1}),  # 90 %
        agent(4, 19, {1: 10}),  # too few calls
        agent(5, 60, {1: 4}),  # too few ratings
    ]
    assert [f.agent_id for f in service_stars(figures, rule)] == [2, 1]
    assert agent(3, 50, {1: 9, 3: 1}).satisfaction_rate == 0.9


def test_ties_between_stars_go_to_more_calls_then_shorter_handling():
    rule = StarRule(min_handled=1, min_rated=1, count=3)
    figures = [agent(1, 10, {1: 1}, aht=300), agent(2, 10, {1: 1}, aht=100), agent(3, 12, {1: 1})]
    assert [f.agent_id for f in service_stars(figures, rule)] == [3, 2, 1]


def test_charts_escape_every_text_and_draw_without_scripts():
    evil = '<script>alert("x")</script>'
    svg = str(charts.ranking_chart(evil, [(evil, 0.5), ("空", None)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    trend = str(charts.trend_chart("接通率", [("2026-10-01", 0.9), ("2026-10-02", None)]))
    assert "<circle" in trend and "90.0%" in trend
    assert "<polyline" not in trend  # one point is no line


def test_open311_masks_the_citizen_in_free_text():
    order = SimpleNamespace(citizen_name="王小明", citizen_phone="13912345678")
    text = "请王小明回电 13912345678 或 020-8888 6666，邮箱 wang@example.com"
    masked = open311.masked(text, order)
    assert "王小明" not in masked and "13912345678" not in masked
    assert "8888" not in masked and "example.com" not in masked


def test_open311_xml_names_list_items_as_the_standard_does():
    document = open311.to_xml(
        "discovery",
        {"changeset": "c", "endpoints": [{"formats": ["text/xml", "application/json"]}]},
    )
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(document)
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]
    errors = ElementTree.fromstring(open311.to_xml("errors", open311.error_list(404, "x")))
    assert errors.find("error/code").text == "404"


def test_the_rate_limit_setting_is_checked(tmp_path):
    env = {"HOTLINE_INSTANCE_PATH": str(tmp_path)}
    assert Settings.from_env(env).api_rate_limit == 60
    assert Settings.from_env({**env, "HOTLINE_API_RATE_LIMIT": "600"}).api_rate_limit == 600
    with pytest.raises(SettingsError, match="HOTLINE_API_RATE_LIMIT"):
        Settings.from_env({**env, "HOTLINE_API_RATE_LIMIT": "lots"})
