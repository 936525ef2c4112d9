"""The report pages: definitions and charts, the monthly bulletin as a page, CSV and PDF,
and the agents' figures with the service stars for supervisors only."""

import csv
import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from routing.models import Call
from tests.conftest import login
from tests.factories import PASSWORD, make_agent, make_user
from tests.report_fixtures import CITIZEN_NAME, CITIZEN_PHONE, committed_history  # noqa: F401

OCTOBER = "start=2026-10-01&end=2026-11-01"


@pytest.fixture
def supervisor(client, observer):
    user = make_user(observer, "supervisor")
    observer.commit()
    login(client, user.username, PASSWORD)
    return user


@pytest.fixture
def monitor(client, observer):
    user = make_user(observer, "monitor")
    observer.commit()
    login(client, user.username, PASSWORD)
    return user


def test_the_report_page_shows_figures_definitions_and_charts(client, history, supervisor):
    page = client.get(f"/reports/?{OCTOBER}").get_data(as_text=True)
    assert 'data-closure-rate="0.5714285714285714"' in page
    assert 'data-on-time-rate="0.5"' in page
    assert 'data-unit="GZ-RSJ"' in page and "60.00%" in page
    assert "按期办结 / (已办结 + 超期未办结)" in page  # the definition, on the page
    assert page.count("<svg") == 6  # five trends and the ranking
    assert "市人力资源和社会保障局" in page.split('id="ranking"')[1]
    by_channel = client.get(f"/reports/?{OCTOBER}&by=channel").get_data(as_text=True)
    assert 'data-channel="sms"' in by_channel
    assert client.get("/reports/?by=street").status_code == 400
    for personal in (CITIZEN_NAME, CITIZEN_PHONE):
        assert personal not in page


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so that Excel reads the Chinese names
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_figures_download_as_csv_in_the_pages_language(client, history, supervisor):
    rows = read_csv(client.get(f"/reports/figures.csv?{OCTOBER}&by=category"))
    assert list(rows[0])[:3] == ["名称", "已派发", "已办结"]
    assert "按期办结率（%）" in rows[0] and "满意率（%）" in rows[0]
    by_name = {row["名称"]: row for row in rows}
    assert by_name["养老保险"]["已办结"] == "3"
    assert "井盖缺失与破损" in by_name
    # Rates in per cent, rounded as on the page; no codes, no raw fractions.
    rates = [row[name] for row in rows for name in row if name.endswith("（%）") and row[name]]
    assert rates and all(re.fullmatch(r"\d{1,3}\.\d\d", rate) for rate in rates), rates
    text = client.get(f"/reports/figures.csv?{OCTOBER}&by=category").get_data(as_text=True)
    assert "SOCINS.PENSION" not in text and "URBAN.MANHOLE" not in text

    english = read_csv(client.get(f"/reports/figures.csv?{OCTOBER}&by=category&lang=en"))
    assert list(english[0])[:3] == ["Name", "Dispatched", "Closed"]
    assert "On-time rate (%)" in english[0]
    assert {row["Name"]: row["Closed"] for row in english}["Pension insurance"] == "3"
    header = ",".join(english[0])
    assert not re.search(r"[\u4e00-\u9fff]", header), header


def test_the_bulletin_page_csv_and_pdf(client, history, monitor):
    page = client.get("/reports/bulletin?month=2026-10").get_data(as_text=True)
    first, second = page.split('data-unit="')[1:3]
    assert first.startswith('GZ-RSJ" data-on-time-rank="1" data-satisfaction-rank="1"')
    assert second.startswith('GZ-TH-SPJ" data-on-time-rank="1" data-satisfaction-rank="2"')
    assert "+50.00" in page  # GZ-TH-SPJ: on time 0 % in September, 50 % in October
    assert "排名规则" in page and page.count("<svg") == 2

    rows = read_csv(client.get("/reports/bulletin.csv?month=2026-10"))
    assert [(r["名称"], r["按期办结率排名"], r["按期办结率较上月（百分点）"]) for r in rows] == [
        ("市人力资源和社会保障局", "1", "-50.00"),
        ("天河区石牌街道", "1", "50.00"),
    ]
    assert rows[0]["按期办结率（%）"] == "50.00"
    english = read_csv(client.get("/reports/bulletin.csv?month=2026-10&lang=en"))
    assert [(r["Name"], r["On-time rate vs last month (percentage points)"]) for r in english] == [
        ("Guangzhou Human Resources and Social Security Bureau", "-50.00"),
        ("Shipai Subdistrict, Tianhe District", "50.00"),
    ]
    client.get("/reports/?lang=zh")

    pdf = client.get("/reports/bulletin.pdf?month=2026-10")
    assert pdf.content_type == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True
        ).stdout.decode()
        assert "市人力资源和社会保障局" in text and "服务质量通报" in text
    assert client.get("/reports/bulletin?month=10-2026").status_code == 400


def add_answered_calls(session, agent, count, ratings, start):
    for index in range(count):
        answered = start + timedelta(minutes=index * 10, seconds=15)
        session.add(
            Call(
                call_sid=f"CA{agent.id:04d}{index:028d}",
                from_number=CITIZEN_PHONE,
                to_number="12345",
                entry="main",
                skill_code="general",
                status="completed",
                agent_id=agent.id,
                created_at=start,
                enqueued_at=answered - timedelta(seconds=15),
                answered_at=answered,
                ended_at=answered + timedelta(seconds=120),
                wrap_up_seconds=30,
                resolution="kb" if index % 2 == 0 else "work_order",
                rating=ratings[index] if index < len(ratings) else None,
            )
        )


def test_supervisors_see_agents_figures_and_the_service_stars(client, observer, supervisor):
    october = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
    _, steady = make_agent(observer)
    _, liked = make_agent(observer)
    _, new = make_agent(observer)
    add_answered_calls(observer, steady, 22, [1] * 8 + [3] * 3, october)  # 8/11 satisfied
    add_answered_calls(observer, liked, 25, [1] * 10 + [2] * 2, october)  # 12/12
    add_answered_calls(observer, new, 5, [1] * 5, october)  # too few calls for a star
    observer.commit()
    page = client.get("/reports/agents?month=2026-10").get_data(as_text=True)
    stars = page.split('id="stars"')[1].split("</section>")[0]
    assert stars.index(f'data-star="{liked.id}"') < stars.index(f'data-star="{steady.id}"')
    assert f'data-star="{new.id}"' not in stars
    row = re.sub(r">\s+<", "><", page.split(f'data-agent="{liked.id}"')[1].split("</tr>")[0])
    # 25 calls, 120 s talk + 30 s wrap-up each, every other one resolved on the call.
    assert "<td>25</td><td>150.0</td><td>52.00%</td><td>10</td><td>2</td><td>0</td>" in row
    assert client.get("/reports/agents?month=2026-09").status_code == 200


def test_monitors_do_not_see_agents(client, monitor):
    assert client.get("/reports/agents").status_code == 403
    assert "坐席统计" not in client.get("/reports/").get_data(as_text=True)
