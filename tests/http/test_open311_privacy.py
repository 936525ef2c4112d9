"""Open311 publishes a public summary: the citizen's words only from Open311 itself, masked;
the address to the street; nothing of an order or category withheld from publication."""

import pytest
import sqlalchemy as sa

from tests.http.test_open311 import FORMATS, V2, file_request, parse
from tests.http.test_report_api import issue_token
from workorders.models import Category, WorkOrder

SECRET = "我住3栋502房，微信wxid_abc12345，电话一三八一二三四五六七八，车牌粤A12345"


@pytest.fixture
def key(app):
    return issue_token(app, "open311", "city app")[1]


def _number(client, key, **overrides):
    return file_request(client, key, **overrides).get_json()[0]["service_request_id"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_open311_description_is_shown_masked(client, key, fmt):
    number = _number(client, key, description=f"井盖丢了。{SECRET}", address_string="")
    (record,) = parse(client.get(f"{V2}/requests/{number}.{fmt}"))
    assert record["description"].startswith("井盖丢了")
    for secret in ("502", "wxid_abc12345", "一三八一二三四五六七八", "A12345"):
        assert secret not in record["description"]
    assert record["service_request_id"] == number  # the ticket number is not masked


@pytest.mark.parametrize("fmt", FORMATS)
def test_other_channels_show_a_summary_never_the_citizens_words(client, observer, key, fmt):
    number = _number(client, key, description=f"邻居装修很吵 {SECRET}")
    observer.execute(sa.update(WorkOrder).where(WorkOrder.number == number).values(channel="phone"))
    (record,) = parse(client.get(f"{V2}/requests/{number}.{fmt}"))
    assert "邻居装修" not in record["description"]
    assert record["description"] == (
        f"{record['service_name']} · 天河区石牌街道 · 已派发至承办单位"
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_address_is_published_to_the_street_only(client, key, fmt):
    number = _number(
        client, key, address_string="天河北路100号3栋502房", **{"attribute[street]": ""}
    )
    (record,) = parse(client.get(f"{V2}/requests/{number}.{fmt}"))
    assert "天河北路" in record["address"]
    assert "100" not in record["address"] and "502" not in record["address"]
    with_street = _number(client, key, address_string="石牌路88号2单元")
    (record,) = parse(client.get(f"{V2}/requests/{with_street}.{fmt}"))
    assert "石牌街道" in record["address"] and "88" not in record["address"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_order_withheld_is_absent_and_404(app, client, key, fmt):
    hidden, shown = _number(client, key), _number(client, key)
    result = app.test_cli_runner().invoke(args=["workorders", "publish", hidden, "--off"])
    assert result.exit_code == 0, result.output
    assert client.get(f"{V2}/requests/{hidden}.{fmt}").status_code == 404
    listed = [r["service_request_id"] for r in parse(client.get(f"{V2}/requests.{fmt}"))]
    assert shown in listed and hidden not in listed
    app.test_cli_runner().invoke(args=["workorders", "publish", hidden, "--on"])
    assert client.get(f"{V2}/requests/{hidden}.{fmt}").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_category_withheld_hides_all_its_orders(app, client, observer, key, fmt):
    manhole = _number(client, key)
    withhold = ["workorders", "publish", "URBAN.MANHOLE", "--category", "--off"]
    result = app.test_cli_runner().invoke(args=withhold)
    assert result.exit_code == 0, result.output
    try:
        _category_is_hidden(app, client, observer, manhole, fmt)
    finally:  # the reference data is shared with the other tests
        app.test_cli_runner().invoke(args=[*withhold[:-1], "--on"])


def _category_is_hidden(app, client, observer, manhole, fmt):
    assert observer.get(Category, "URBAN.MANHOLE").publish is False
    assert client.get(f"{V2}/requests/{manhole}.{fmt}").status_code == 404
    listed = [r["service_request_id"] for r in parse(client.get(f"{V2}/requests.{fmt}"))]
    assert manhole not in listed
    missing = app.test_cli_runner().invoke(args=["workorders", "publish", "20990101-000001"])
    assert missing.exit_code != 0 and "没有工单 20990101-000001" in missing.output
