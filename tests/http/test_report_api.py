"""The monitor API: figures in JSON and CSV with a monitor token, limited per token, and
never any personal data."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from hotline.infra import ratelimit
from routing.models import Call
from tests.conftest import override
from tests.report_fixtures import CITIZEN_NAME, CITIZEN_PHONE, committed_history  # noqa: F401

OCTOBER = "start=2026-10-01&end=2026-11-01"
ENDPOINTS = (
    f"/api/v1/reports/closure?{OCTOBER}",
    f"/api/v1/reports/work-orders?{OCTOBER}&by=unit",
    f"/api/v1/reports/work-orders?{OCTOBER}&by=day",
    "/api/v1/reports/bulletin?month=2026-10",
    f"/api/v1/reports/call-trend?{OCTOBER}&by=month",
)


def issue_token(app, role="monitor", name="audit office") -> tuple[str, str]:
    result = app.test_cli_runner().invoke(args=["token", "create", "--role", role, "--name", name])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    return lines[0].split()[1], lines[-1]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def rows_by(response, key):
    return {row[key]: row for row in response.get_json()["rows"]}


def test_work_order_figures_per_unit_in_json_and_csv(app, client, history):
    _, token = issue_token(app)
    url = f"/api/v1/reports/work-orders?{OCTOBER}&by=unit"
    response = client.get(url, headers=bearer(token))
    assert response.status_code == 200
    rsj = rows_by(response, "key")["GZ-RSJ"]
    assert (rsj["dispatched"], rsj["closed"], rsj["closed_on_time"], rsj["open_overdue"]) == (
        5,
        3,
        2,
        1,
    )
    assert (rsj["closure_rate"], rsj["on_time_rate"], rsj["satisfaction_rate"]) == (0.6, 0.5, 1.0)
    assert response.get_json()["refreshed_at"] is not None

    as_csv = client.get(url + "&format=csv", headers=bearer(token))
    assert as_csv.content_type.startswith("text/csv")
    rows = {row["key"]: row for row in csv.DictReader(io.StringIO(as_csv.get_data(as_text=True)))}
    assert rows["GZ-TH-SPJ"]["dispatched"] == "2"
    assert float(rows["GZ-TH-SPJ"]["return_rate"]) == 0.5


def test_the_closure_report_and_the_bulletin(app, client, history):
    _, token = issue_token(app)
    closure = client.get(f"/api/v1/reports/closure?{OCTOBER}", headers=bearer(token)).get_json()
    assert (closure["dispatched"], closure["closed"]) == (7, 4)
    assert {row["unit"]: row["closure_rate"] for row in closure["by_unit"]} == {
        "GZ-RSJ": 0.6,
        "GZ-TH-SPJ": 0.5,
    }
    as_csv = client.get(f"/api/v1/reports/closure?{OCTOBER}&format=csv", headers=bearer(token))
    assert as_csv.get_data(as_text=True).splitlines()[-1] == "total,,7,4,0.5714285714285714"

    bulletin = client.get("/api/v1/reports/bulletin?month=2026-10", headers=bearer(token))
    body = bulletin.get_json()
    assert (body["month"], body["previous_month"]) == ("2026-10", "2026-09")
    ranked = [(r["unit"], r["on_time_rank"], r["satisfaction_rank"]) for r in body["rows"]]
    assert ranked == [("GZ-RSJ", 1, 1), ("GZ-TH-SPJ", 1, 2)]
    assert body["rows"][1]["on_time_change"] == 0.5
    bad = client.get("/api/v1/reports/bulletin?month=October", headers=bearer(token))
    assert bad.status_code == 400


def test_call_figures_per_month(app, client, observer):
    start = datetime(2026, 10, 10, 2, 0, tzinfo=UTC)
    for index, (wait, answered) in enumerate([(10, True), (40, True), (30, False)]):
        observer.add(
            Call(
                call_sid=f"CATREND{index:026d}",
                from_number=CITIZEN_PHONE,
                to_number="12345",
                entry="main",
                skill_code="general",
                status="completed" if answered else "abandoned",
                created_at=start,
                enqueued_at=start,
                answered_at=start + timedelta(seconds=wait) if answered else None,
                ended_at=start + timedelta(seconds=wait + 60),
                resolution="kb" if index == 0 else None,
            )
        )
    observer.commit()
    _, token = issue_token(app)
    url = f"/api/v1/reports/call-trend?{OCTOBER}&by=month"
    (october,) = client.get(url, headers=bearer(token)).get_json()["rows"]
    assert october["key"] == "2026-10"
    assert (october["offered"], october["answered"], october["abandoned"]) == (3, 2, 1)
    assert october["answer_rate"] == 2 / 3
    assert october["service_level"] == 1 / 3  # only the 10 s wait is within 20 s
    assert october["first_contact_resolution"] == 1 / 2
    assert client.get(url.replace("month", "week"), headers=bearer(token)).status_code == 400


def test_no_personal_data_in_any_monitor_response(app, client, history):
    _, token = issue_token(app)
    for url in ENDPOINTS:
        for suffix in ("", "&format=csv"):
            response = client.get(url + suffix, headers=bearer(token))
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            for personal in (CITIZEN_NAME, CITIZEN_PHONE, "天河路 1 号", "养老金没有到账"):
                assert personal not in body, (url, personal)


def test_a_token_opens_the_reports_until_it_is_revoked(app, client):
    token_id, token = issue_token(app)
    url = "/api/v1/reports/work-orders?by=channel"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(token + "x")).status_code == 401
    assert client.get(url, headers=bearer(token)).status_code == 200
    _, open311_key = issue_token(app, "open311", "integrator")
    assert client.get(url, headers=bearer(open311_key)).status_code == 401
    revoked = app.test_cli_runner().invoke(args=["token", "revoke", token_id])
    assert revoked.exit_code == 0
    assert client.get(url, headers=bearer(token)).status_code == 401


def limited(app, monkeypatch, limit=3):
    override(app, api_rate_limit=limit)
    clock = {"now": 1_800_000_000.0 + 5}  # 5 s into a minute
    monkeypatch.setattr(ratelimit, "clock", lambda: clock["now"])
    return clock


def check_limit(app, client, clock):
    _, token = issue_token(app)
    _, other = issue_token(app, name="another monitor")
    url = "/api/v1/reports/closure"
    assert [client.get(url, headers=bearer(token)).status_code for _ in range(3)] == [200] * 3
    refused = client.get(url, headers=bearer(token))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "55"
    assert "too many requests" in refused.get_json()["error"]
    assert client.get(url, headers=bearer(other)).status_code == 200  # counted per token
    clock["now"] += 55  # the next minute
    assert client.get(url, headers=bearer(token)).status_code == 200


def test_the_rate_limit_answers_429_then_recovers(app, client, monkeypatch):
    check_limit(app, client, limited(app, monkeypatch))


@pytest.mark.redis
def test_the_rate_limit_counts_in_redis_when_configured(app, client, monkeypatch, redis_url):
    clock = limited(app, monkeypatch)
    override(app, redis_url=redis_url)
    check_limit(app, client, clock)
