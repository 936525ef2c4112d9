"""The product as an operator runs it: `hotline db upgrade`, `seed --demo`, `serve`, in processes.

One server per database backend is started for the module; the tests talk to it over real
HTTP with ``requests``, signing webhooks the way Twilio does. Start-ups that cannot work must
stop with one clear line, never a traceback.
"""

from __future__ import annotations

import socket
import subprocess

import pytest
import requests

from tests.conftest import BACKENDS, make_database
from tests.served import free_port, hotline, hotline_env, served_product, signed_post

pytestmark = pytest.mark.slow

CALL_SID = "CA" + "5" * 32


@pytest.fixture(scope="module", params=BACKENDS)
def served(request, tmp_path_factory):
    with served_product(request.param, tmp_path_factory.mktemp("served")) as product:
        assert "agent1" in product.seed_output
        assert "department" in product.seed_output
        yield product


def one_line(result: subprocess.CompletedProcess) -> str:
    """The command failed and said why on exactly one line of stderr, without a traceback."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].strip()
    return lines[0]


def call_params(to: str = "12345", call_sid: str = CALL_SID) -> dict[str, str]:
    return {"CallSid": call_sid, "From": "+8613800138000", "To": to}


# -- the served product -------------------------------------------------------------------


def test_a_call_to_12345_hears_the_menu(served):
    response = signed_post(served, "/twilio/voice", call_params())
    assert response.status_code == 200
    assert "<Gather" in response.text


def test_an_unsigned_webhook_is_refused(served):
    params = call_params(call_sid="CA" + "6" * 32)
    response = requests.post(served.url + "/twilio/voice", data=params, timeout=10)
    assert response.status_code == 403
    assert "<Gather" not in response.text


def test_a_call_to_a_legacy_line_is_queued_without_the_menu(served):
    response = signed_post(
        served, "/twilio/voice", call_params(to="12333", call_sid="CA" + "7" * 32)
    )
    assert response.status_code == 200
    assert "<Enqueue" in response.text
    assert "social_security" in response.text
    assert "<Gather" not in response.text


def test_the_login_page_carries_a_csrf_token(served):
    response = requests.get(served.url + "/login", timeout=10)
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.text


def test_a_demo_agent_logs_in_to_the_served_console(served):
    with requests.Session() as browser:
        page = browser.get(served.url + "/login", timeout=10).text
        token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = browser.post(
            served.url + "/login",
            data={"username": "agent1", "password": "agent-12345", "csrf_token": token},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/console/")
        assert browser.get(served.url + "/console/", timeout=10).status_code == 200


def test_healthz_reports_the_database(served):
    response = requests.get(served.url + "/healthz", timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_a_monitor_token_from_the_cli_opens_the_closure_report(served):
    created = hotline(
        "token", "create", "--role", "monitor", "--name", "Audit office", env=served.env
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    report_url = served.url + "/api/v1/reports/closure"

    response = requests.get(report_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200
    report = response.json()
    assert {"dispatched", "closed", "closure_rate"} <= report.keys()
    assert report["dispatched"] > 0  # the demo history has a month of orders
    assert 0 <= report["closure_rate"] <= 1

    wrong = requests.get(report_url, headers={"Authorization": f"Bearer {token}x"}, timeout=10)
    assert wrong.status_code == 401
    assert requests.get(report_url, timeout=10).status_code == 401


# -- start-ups that cannot work -----------------------------------------------------------


def test_serving_on_a_taken_port_says_so(tmp_path):
    env = hotline_env(tmp_path, f"sqlite:///{tmp_path / 'hotline.sqlite3'}")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = hotline("serve", "--host", "127.0.0.1", "--port", str(port), env=env, timeout=20)
    assert str(port) in one_line(result)


def test_a_malformed_database_url_names_the_variable(tmp_path):
    result = hotline("db", "upgrade", env=hotline_env(tmp_path, "nonsense"))
    assert one_line(result).startswith("error: HOTLINE_DATABASE_URL:")


def test_an_unreachable_database_is_one_line(tmp_path):
    env = hotline_env(tmp_path, "postgresql://postgres@127.0.0.1:1/none")
    result = hotline("db", "upgrade", env=env)
    assert "database unreachable" in one_line(result)


@pytest.mark.parametrize("backend", BACKENDS)
def test_serving_an_unmigrated_database_asks_for_db_upgrade(backend, tmp_path):
    database_url, drop = make_database(backend, "unmigrated", tmp_path)
    try:
        env = hotline_env(tmp_path / "instance", database_url)
        port = free_port()
        result = hotline("serve", "--host", "127.0.0.1", "--port", str(port), env=env, timeout=20)
    finally:
        drop()
    assert "hotline db upgrade" in one_line(result)
