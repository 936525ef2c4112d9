"""Call figures for monitors, and the supervisor's live wallboard."""

from datetime import UTC, datetime, time, timedelta

from hotline.db import utcnow
from routing.metrics import LOCAL
from routing.models import Call
from tests.conftest import login
from tests.factories import PASSWORD, make_agent, make_user
from tests.voice_flow import Caller


def monitor_token(app) -> str:
    result = app.test_cli_runner().invoke(
        args=["token", "create", "--role", "monitor", "--name", "audit"]
    )
    return result.output.strip().splitlines()[-1]


def earlier_today(minutes: int = 30) -> datetime:
    """``minutes`` ago, but never before the local day began: the reports' default is today
    (Guangzhou), and a run just after midnight must still find the calls it made."""
    now = utcnow()
    midnight = datetime.combine(now.astimezone(LOCAL).date(), time.min, LOCAL).astimezone(UTC)
    return max(now - timedelta(minutes=minutes), midnight + timedelta(seconds=1))


def add_calls(session):
    rows = [
        # (skill, line, wait, talk or None, status)
        ("housing", None, 10, 120, "completed"),
        ("housing", None, 45, 200, "completed"),
        ("social_security", "12333", 30, None, "abandoned"),
        ("social_security", "12333", 3, None, "abandoned"),
    ]
    for index, (skill, line, wait, talk, status) in enumerate(rows):
        start = earlier_today()
        answered = start + timedelta(seconds=wait) if talk else None
        session.add(
            Call(
                call_sid=f"CAREPORT{index:024d}",
                from_number="13800138000",
                to_number=line or "12345",
                entry="legacy" if line else "main",
                legacy_line_number=line,
                skill_code=skill,
                status=status,
                created_at=start,
                enqueued_at=start,
                answered_at=answered,
                ended_at=(answered + timedelta(seconds=talk))
                if talk
                else start + timedelta(seconds=wait),
                resolution="kb" if talk else None,
            )
        )
    session.commit()


def test_the_calls_report_groups_by_skill_and_line(app, client, observer):
    add_calls(observer)
    headers = {"Authorization": f"Bearer {monitor_token(app)}"}
    by_skill = client.get("/api/v1/reports/calls?by=skill", headers=headers).get_json()
    rows = {row["key"]: row for row in by_skill["rows"]}
    assert rows["housing"]["offered"] == 2 and rows["housing"]["answered"] == 2
    assert rows["housing"]["service_level"] == 0.5  # 10 s within 20 s, 45 s not
    assert rows["housing"]["asa_seconds"] == 27.5
    assert rows["housing"]["aht_seconds"] == 160
    social = rows["social_security"]
    assert (social["abandoned"], social["short_abandoned"], social["answer_rate"]) == (1, 1, 0.0)
    by_line = client.get("/api/v1/reports/calls?by=line", headers=headers).get_json()
    assert {row["key"] for row in by_line["rows"]} == {"12345", "12333"}
    total = client.get("/api/v1/reports/calls", headers=headers).get_json()["rows"][0]
    assert (total["offered"], total["answered"], total["answer_rate"]) == (4, 2, 2 / 3)


def test_the_calls_report_by_interval_and_by_date(app, client, observer):
    add_calls(observer)
    headers = {"Authorization": f"Bearer {monitor_token(app)}"}
    quarter = client.get("/api/v1/reports/calls?by=15min", headers=headers).get_json()
    assert len(quarter["rows"]) == 1 and quarter["rows"][0]["key"].endswith(
        ("00", "15", "30", "45")
    )
    today = utcnow().astimezone(LOCAL).date()
    yesterday = (today - timedelta(days=1)).isoformat()
    past = client.get(f"/api/v1/reports/calls?from={yesterday}&to={yesterday}", headers=headers)
    assert past.get_json()["rows"] == []
    both = client.get(f"/api/v1/reports/calls?from={yesterday}&to={today}&by=day", headers=headers)
    assert [row["key"] for row in both.get_json()["rows"]] == [today.isoformat()]


def test_the_calls_report_refuses_bad_input_and_missing_tokens(app, client):
    assert client.get("/api/v1/reports/calls").status_code == 401
    headers = {"Authorization": f"Bearer {monitor_token(app)}"}
    assert client.get("/api/v1/reports/calls?by=week", headers=headers).status_code == 400
    assert client.get("/api/v1/reports/calls?from=yesterday", headers=headers).status_code == 400
    bad_order = "/api/v1/reports/calls?from=2026-11-20&to=2026-11-10"
    assert client.get(bad_order, headers=headers).status_code == 400


def test_the_wallboard_shows_queues_and_agents_live(app, client, observer):
    supervisor = make_user(observer, "supervisor")
    make_agent(observer, skills={"housing": 1})
    observer.commit()
    Caller(client, observer).dial(to="12333")
    login(client, supervisor.username, PASSWORD)
    assert b'id="wallboard"' in client.get("/supervisor/wallboard").data
    data = client.get("/api/v1/wallboard").get_json()
    queue = {q["skill"]: q for q in data["queues"]}["social_security"]
    assert queue["waiting"] == 1 and data["waiting"] == 1
    assert data["agents_by_state"] == {"offline": 1}
    assert data["today"]["offered"] == 1
    assert data["staffing"]["agents_needed"] >= 1


def test_agents_and_monitors_do_not_see_the_wallboard(client, observer):
    user, _ = make_agent(observer)
    observer.commit()
    login(client, user.username, PASSWORD)
    assert client.get("/supervisor/wallboard").status_code == 403
    assert client.get("/api/v1/wallboard").status_code == 403


def test_a_callback_resolved_with_an_article_is_first_contact_resolution(app, client, observer):
    start = earlier_today()
    for index, resolution in enumerate(("kb", "work_order")):
        asked = Call(
            call_sid=f"CACBFCR{index:025d}",
            from_number="13800138000",
            to_number="12345",
            entry="main",
            skill_code="housing",
            status="left",
            created_at=start,
            enqueued_at=start,
            ended_at=start + timedelta(seconds=90),
        )
        observer.add(asked)
        observer.flush()
        observer.add(
            Call(
                call_sid=f"CACBFCRTASK{index:021d}",
                kind="callback",
                parent_call_id=asked.id,
                from_number="13800138000",
                to_number="12345",
                entry="main",
                skill_code="housing",
                status="completed",
                created_at=start,
                enqueued_at=start,
                answered_at=start + timedelta(minutes=10),
                ended_at=start + timedelta(minutes=14),
                resolution=resolution,
            )
        )
    observer.commit()
    headers = {"Authorization": f"Bearer {monitor_token(app)}"}
    total = client.get("/api/v1/reports/calls", headers=headers).get_json()["rows"][0]
    assert (total["offered"], total["answered"], total["callbacks_requested"]) == (2, 2, 2)
    assert total["first_contact_resolution"] == 0.5  # the callback answered from the KB
