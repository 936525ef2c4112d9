"""Open311 GeoReport v2 conformance: every resource in JSON and XML, the errors, and no
personal data in anything read."""

import json
from datetime import timedelta
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa

from hotline.db import utcnow
from hotline.infra import ratelimit
from hotline.models import Open311Ticket
from tests.conftest import override
from tests.http.test_report_api import issue_token
from workorders.models import WorkOrder

V2 = "/open311/v2"
PHONE, NAME, EMAIL = "13712345678", "李大华", "lidahua@example.com"
FORMATS = ("json", "xml")


def parse(response):
    """A response as Python data: JSON as is, XML as a list of {tag: text} records."""
    if response.content_type.startswith("application/json"):
        return response.get_json()
    assert response.content_type.startswith("text/xml")
    body = response.get_data()
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(body)
    return [{child.tag: child.text for child in item} for item in root]


def file_request(client, key, fmt="json", **overrides):
    data = {
        "api_key": key,
        "service_code": "URBAN.MANHOLE",
        "description": "路口井盖缺失，很危险",
        "address_string": "天河区石牌路口",
        "attribute[street]": "GZ-TH-SPJ",
        "lat": "23.1291",
        "long": "113.3437",
        "first_name": "大华",
        "last_name": "李",
        "phone": PHONE,
        "email": EMAIL,
    }
    data.update(overrides)
    return client.post(f"{V2}/requests.{fmt}", data={k: v for k, v in data.items() if v})


@pytest.fixture
def key(app):
    return issue_token(app, "open311", "city app")[1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_and_its_formats(client, fmt):
    response = client.get(f"{V2}/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        (endpoint,) = response.get_json()["endpoints"]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
        assert endpoint["url"].endswith("/open311/v2")
    else:
        root = ElementTree.fromstring(response.get_data())
        assert root.tag == "discovery"
        assert root.find("endpoints/endpoint/type").text == "production"


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_leaf_categories(client, fmt):
    services = {s["service_code"]: s for s in parse(client.get(f"{V2}/services.{fmt}"))}
    assert "SOCINS.PENSION" in services and "SOCINS" not in services
    pension = services["SOCINS.PENSION"]
    assert pension["service_name"] == "养老保险"
    assert pension["group"] == "社会保险"
    assert pension["metadata"] in (True, "true") and pension["type"] == "realtime"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_lists_where_the_problem_may_be(client, fmt):
    response = client.get(f"{V2}/services/URBAN.MANHOLE.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        definition = response.get_json()
        assert definition["service_code"] == "URBAN.MANHOLE"
        district = definition["attributes"][0]
        assert (district["code"], district["datatype"]) == ("district", "singlevaluelist")
        assert {"key": "GZ-TH", "name": "天河区人民政府"} in district["values"]
    else:
        root = ElementTree.fromstring(response.get_data())
        assert root.tag == "service_definition"
        keys = [v.text for v in root.findall("attributes/attribute/values/value/key")]
        assert "GZ-TH-SPJ" in keys
    missing = client.get(f"{V2}/services/NO.SUCH.{fmt}")
    assert missing.status_code == 404
    assert parse(missing)[0]["code"] in (404, "404")


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_a_request_opens_a_work_order(app, client, observer, key, fmt):
    response = file_request(client, key, fmt)  # no CSRF token: the blueprint is exempt
    assert response.status_code == 201
    (created,) = parse(response)
    number, token = created["service_request_id"], created["token"]
    assert created["service_notice"].startswith("已受理")
    order = observer.scalar(sa.select(WorkOrder).where(WorkOrder.number == number))
    assert (order.channel, order.unit_code, order.status) == ("open311", "GZ-TH-SPJ", "dispatched")
    assert (order.citizen_phone, order.citizen_name, order.address) == (
        PHONE,
        NAME,
        "天河区石牌路口",
    )
    assert (order.latitude, order.longitude) == (23.1291, 113.3437)
    assert observer.get(Open311Ticket, token).work_order_id == order.id

    (by_token,) = parse(client.get(f"{V2}/tokens/{token}.{fmt}"))
    assert by_token["service_request_id"] == number
    assert client.get(f"{V2}/tokens/nope.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_reads_back_with_address_and_no_personal_data(client, key, fmt):
    number = file_request(client, key).get_json()[0]["service_request_id"]
    response = client.get(f"{V2}/requests/{number}.{fmt}")
    assert response.status_code == 200
    (record,) = parse(response)
    assert record["service_request_id"] == number
    assert record["address"] == "天河区石牌街道"  # the street, not the address_string
    assert "address_string" not in record
    assert (record["status"], record["status_notes"]) == ("open", "已派发至承办单位")
    assert record["agency_responsible"] == "天河区石牌街道"
    assert record["service_code"] == "URBAN.MANHOLE"
    assert record["expected_datetime"].endswith("+08:00")
    assert float(record["lat"]) == 23.1291
    body = response.get_data(as_text=True)
    for personal in (PHONE, NAME, "李", EMAIL, "大华"):
        assert personal not in body
    missing = client.get(f"{V2}/requests/20990101-000001.{fmt}")
    assert missing.status_code == 404
    assert parse(missing)[0]["description"] == "no service request 20990101-000001"


def test_text_the_citizen_typed_is_masked(client, key):
    number = file_request(
        client, key, description=f"我是{NAME}，电话{PHONE}，邮件{EMAIL}，井盖丢了"
    ).get_json()[0]["service_request_id"]
    body = client.get(f"{V2}/requests/{number}.json").get_data(as_text=True)
    record = json.loads(body)[0]
    assert "井盖丢了" in record["description"]
    for personal in (PHONE, NAME, EMAIL):
        assert personal not in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_are_filtered_and_paged(client, observer, key, fmt):
    numbers = [
        file_request(client, key, service_code=code, **{"attribute[street]": street}).get_json()[0][
            "service_request_id"
        ]
        for code, street in [
            ("URBAN.MANHOLE", "GZ-TH-SPJ"),
            ("SOCINS.PENSION", ""),
            ("SOCINS.PENSION", ""),
        ]
    ]
    old = observer.scalar(sa.select(WorkOrder).where(WorkOrder.number == numbers[2]))
    old.created_at = utcnow() - timedelta(days=100)  # outside the default 90 days
    observer.commit()

    def ids(query=""):
        response = client.get(f"{V2}/requests.{fmt}{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [r["service_request_id"] for r in parse(response)]

    assert ids() == [numbers[1], numbers[0]]  # newest first, within 90 days
    assert ids("?service_code=SOCINS.PENSION") == [numbers[1]]
    assert ids(f"?service_request_id={numbers[2]},{numbers[0]}") == [numbers[0], numbers[2]]
    assert ids("?status=closed") == []
    assert ids("?status=open,closed") == [numbers[1], numbers[0]]
    assert ids("?page_size=1&page=2") == [numbers[0]]
    start = (utcnow() - timedelta(days=120)).isoformat()
    end = (utcnow() - timedelta(days=60)).isoformat()
    assert ids(f"?start_date={start}&end_date={end}".replace("+", "%2B")) == [numbers[2]]


@pytest.mark.parametrize(
    "query",
    [
        "?status=pending",
        "?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
        "?start_date=yesterday",
        "?page=0",
        "?page_size=1001",
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_filters_are_400_errors(client, query, fmt):
    response = client.get(f"{V2}/requests.{fmt}{query}")
    assert response.status_code == 400
    (error,) = parse(response)
    assert error["code"] in (400, "400") and error["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_needs_a_valid_key_a_service_and_a_place(app, client, key, fmt):
    def error(response, status):
        assert response.status_code == status, response.get_data(as_text=True)
        (entry,) = parse(response)
        assert entry["code"] in (status, str(status))
        return entry["description"]

    assert error(file_request(client, "", fmt), 403) == "invalid api_key"
    assert error(file_request(client, key + "x", fmt), 403) == "invalid api_key"
    monitor = issue_token(app, "monitor", "not an integrator")[1]
    assert error(file_request(client, monitor, fmt), 403) == "invalid api_key"
    assert "service_code" in error(file_request(client, key, fmt, service_code=""), 400)
    assert "未知的分类" in error(file_request(client, key, fmt, service_code="NOPE"), 400)
    nowhere = {"address_string": "", "lat": "", "long": "", "attribute[street]": ""}
    assert "location" in error(file_request(client, key, fmt, **nowhere), 400)
    assert "lat" in error(file_request(client, key, fmt, long=""), 400)
    assert "诉求内容" in error(file_request(client, key, fmt, description=" "), 400)
    assert error(client.get(f"{V2}/nothing.{fmt}"), 404) == "no such Open311 resource"


def test_a_revoked_key_is_refused(app, client):
    key_id, key = issue_token(app, "open311", "old app")
    app.test_cli_runner().invoke(args=["token", "revoke", key_id])
    assert file_request(client, key).status_code == 403


def test_posting_is_rate_limited_per_key(app, client, monkeypatch, key):
    override(app, api_rate_limit=2)
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_030.0)
    assert [file_request(client, key).status_code for _ in range(2)] == [201, 201]
    refused = file_request(client, key, "xml")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "30"
    assert parse(refused)[0]["code"] == "429"
