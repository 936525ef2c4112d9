"""Who may open what: logging in, the roles' pages, CSRF, and the monitor API's tokens."""

from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from routing.models import Agent
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_agent, make_user

PAGES = ("/console/", "/supervisor/", "/supervisor/wallboard", "/dept/", "/reports/", "/admin/")
HOMES = {
    "agent": "/console/",
    "supervisor": "/supervisor/",
    "department": "/dept/",
    "monitor": "/reports/",
    "admin": "/admin/",
}
CLOSURE_API = "/api/v1/reports/closure"


def arrange_user(observer, role: str):
    """A login of ``role`` as it would really be set up: agents and supervisors get a seat,
    department staff belong to a unit."""
    if role in ("agent", "supervisor"):
        user, _ = make_agent(observer, role=role)
    elif role == "department":
        user = make_user(observer, role, unit_code="GZ-RSJ")
    else:
        user = make_user(observer, role)
    observer.commit()
    return user


def path_of(response) -> str:
    assert response.status_code == 302, response.status_code
    parts = urlsplit(response.location)
    assert parts.netloc in ("", "localhost"), response.location
    return parts.path


# -- logging in ---------------------------------------------------------------------------


def test_a_wrong_password_is_refused_and_says_so(client, observer):
    user = arrange_user(observer, "agent")
    response = login(client, user.username, PASSWORD + "!")
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert path_of(client.get("/console/")) == "/login"


def test_an_unknown_user_gets_the_same_answer(client):
    response = login(client, "nobody-here", PASSWORD)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", HOMES)
def test_a_login_lands_on_the_home_of_its_role(client, observer, role):
    user = arrange_user(observer, role)
    assert path_of(login(client, user.username, PASSWORD)) == HOMES[role]


# -- the roles' pages ---------------------------------------------------------------------

ALLOWED = {
    # The admin passes every role check, but the console needs an agent seat (403 "this
    # login has no agent seat") and the department portal a unit (403 "this login belongs
    # to no unit"); an admin created without either is refused there.
    "agent": {"/console/"},
    "supervisor": {"/console/", "/supervisor/", "/supervisor/wallboard", "/reports/"},
    "department": {"/dept/"},
    "monitor": {"/reports/"},
    "admin": {"/supervisor/", "/supervisor/wallboard", "/reports/", "/admin/"},
}


@pytest.mark.parametrize("role", ALLOWED)
def test_each_role_opens_its_own_pages_only(client, observer, role):
    user = arrange_user(observer, role)
    login(client, user.username, PASSWORD)
    statuses = {page: client.get(page).status_code for page in PAGES}
    expected = {page: 200 if page in ALLOWED[role] else 403 for page in PAGES}
    assert statuses == expected


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    for page in PAGES:
        assert path_of(client.get(page)) == "/login", page
    response = client.get("/api/v1/kb/search?q=x")
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"] == "login required"


# -- CSRF, redirects, logging out ---------------------------------------------------------


def test_a_form_without_its_csrf_token_changes_nothing(client, observer):
    user, agent = make_agent(observer)
    observer.commit()
    login(client, user.username, PASSWORD)

    forged = client.post("/console/state", data={"state": "available"})
    assert forged.status_code == 400
    observer.expire_all()
    assert observer.scalar(sa.select(Agent.state).where(Agent.id == agent.id)) == "offline"

    # The same form with its token goes through, so the refusal was about the token.
    post_form(client, "/console/state", {"state": "available"}, "/console/")
    observer.expire_all()
    assert observer.scalar(sa.select(Agent.state).where(Agent.id == agent.id)) == "available"


def login_with_next(client, username: str, target: str):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        query_string={"next": target},
        data={"username": username, "password": PASSWORD, "csrf_token": token},
    )


def test_login_follows_a_local_next_path(client, observer):
    user = arrange_user(observer, "supervisor")
    assert path_of(login_with_next(client, user.username, "/reports/")) == "/reports/"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/"])
def test_login_never_follows_next_off_the_site(client, observer, target):
    user = arrange_user(observer, "agent")
    response = login_with_next(client, user.username, target)
    assert "evil.example" not in response.location
    assert path_of(response) == "/console/"


def test_a_backslashed_next_stays_on_the_site(client, observer):
    # Browsers read a backslash in a URL as a slash, so an unencoded "/\\evil.example/"
    # would take the user to evil.example: the redirect must stay on the site.
    user = arrange_user(observer, "agent")
    response = login_with_next(client, user.username, "/\\evil.example/")
    assert response.status_code == 302
    as_a_browser_reads_it = urljoin("http://localhost/login", response.location.replace("\\", "/"))
    assert urlsplit(as_a_browser_reads_it).netloc == "localhost"


def test_logging_out_takes_a_posted_form_with_its_token(client, observer):
    user = arrange_user(observer, "agent")
    login(client, user.username, PASSWORD)

    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/console/").status_code == 200

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/console/")})
    assert path_of(response) == "/login"
    assert path_of(client.get("/console/")) == "/login"


# -- the monitor API ----------------------------------------------------------------------


def create_token(app, role: str, name: str = "x") -> tuple[str, str]:
    """A token issued the way an operator issues it; returns its id and its text."""
    result = app.test_cli_runner().invoke(args=["token", "create", "--role", role, "--name", name])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    token_id = lines[0].split()[1]
    assert lines[0] == f"token {token_id} for {name} ({role}); store it now, it is not shown again:"
    return token_id, lines[-1]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_closure_api_needs_a_token(client):
    response = client.get(CLOSURE_API)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_monitor_token_opens_the_closure_api_until_revoked(app, client):
    token_id, token = create_token(app, "monitor")

    response = client.get(CLOSURE_API, headers=bearer(token))
    assert response.status_code == 200
    report = response.get_json()
    assert (report["dispatched"], report["closed"], report["closure_rate"]) == (0, 0, None)

    revoked = app.test_cli_runner().invoke(args=["token", "revoke", token_id])
    assert revoked.exit_code == 0, revoked.output
    assert revoked.output.strip() == f"token {token_id} revoked"
    assert client.get(CLOSURE_API, headers=bearer(token)).status_code == 401


def test_an_open311_token_does_not_open_the_monitor_api(app, client):
    _, token = create_token(app, "open311")
    assert client.get(CLOSURE_API, headers=bearer(token)).status_code == 401


def test_a_bad_date_is_a_clear_400(app, client):
    _, token = create_token(app, "monitor")
    response = client.get(CLOSURE_API + "?start=2026-13-01", headers=bearer(token))
    assert response.status_code == 400
    assert "start" in response.get_json()["error"]


def test_a_session_login_is_no_token_for_the_monitor_api(client, observer):
    user = arrange_user(observer, "monitor")
    login(client, user.username, PASSWORD)
    assert client.get("/reports/").status_code == 200
    assert client.get(CLOSURE_API).status_code == 401


# -- health -------------------------------------------------------------------------------


def test_healthz_checks_the_database_and_no_redis_when_none_is_configured(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert "redis" not in response.get_json()
