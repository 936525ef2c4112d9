"""The login against a red team: where ``next`` may lead, what a copied cookie opens, how
long a login lasts, the cookie's flags, the security headers, and the failed-login throttle."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
from flask_login.utils import encode_cookie

from hotline.db import utcnow
from hotline.infra.passwords import hash_password
from hotline.models import User
from hotline.services import logins
from tests.conftest import app_with, csrf_token, login, override, signed_post
from tests.factories import PASSWORD, make_user, open_order

EVIL_NEXTS = [
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\nLocation: https://evil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example/",
    "/\\/evil.example/",
    "\\\\evil.example/",
    " //evil.example/",
    "https://evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "/%2F%2Fevil.example/",
    "/%2f/evil.example/",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%5Cevil.example/",
    "/%252F%252Fevil.example/",
    "evil.example",
]


def as_a_browser_reads(location: str, base: str = "https://localhost/login") -> str:
    """The URL a browser goes to for ``location``: it strips spaces and controls around it,
    drops tabs and newlines inside, and reads backslashes as slashes (WHATWG URL)."""
    cleaned = re.sub(r"^[\x00-\x20]+|[\x00-\x20]+$", "", location)
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    return urljoin(base, cleaned)


def stays_on_the_site(response) -> str:
    assert response.status_code == 302, response.status_code
    landing = urlsplit(as_a_browser_reads(response.location))
    assert landing.netloc == "localhost", response.location
    return landing.path


def post_login(client, username, password=PASSWORD, address="127.0.0.1", query=None):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        query_string=query,
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


# -- next ---------------------------------------------------------------------------------


@pytest.mark.parametrize("target", EVIL_NEXTS)
def test_login_never_leaves_the_site_for_next(client, observer, target):
    user = make_user(observer, "supervisor")
    observer.commit()
    assert stays_on_the_site(post_login(client, user.username, query={"next": target})) == (
        "/supervisor/"
    )


@pytest.mark.parametrize(
    "raw_query",
    ["next=/%09/evil.example", "next=%2F%2Fevil.example", "next=/%0D%0A/evil", "next=/%5Cevil"],
)
def test_login_never_leaves_the_site_for_a_percent_encoded_next(client, observer, raw_query):
    user = make_user(observer, "supervisor")
    observer.commit()
    assert stays_on_the_site(post_login(client, user.username, query=raw_query)) == "/supervisor/"


def test_a_next_on_the_site_is_still_followed(client, observer):
    user = make_user(observer, "supervisor")
    observer.commit()
    response = post_login(client, user.username, query={"next": "/reports/?month=2026-01"})
    assert response.location == "/reports/?month=2026-01"


@pytest.mark.parametrize("target", [*EVIL_NEXTS, "/reports/"])
def test_the_dispatch_forms_next_stays_on_the_site(client, observer, session, target):
    user = make_user(observer, "supervisor")
    order = open_order(session)
    session.commit()
    login(client, user.username, PASSWORD)
    token = csrf_token(client, "/supervisor/")
    # An action the order's state refuses: the form goes back to its next with the reason.
    response = client.post(
        f"/supervisor/orders/{order.number}/act",
        data={"action": "close", "next": target, "csrf_token": token},
    )
    expected = "/reports/" if target == "/reports/" else "/supervisor/"
    assert stays_on_the_site(response) == expected


# -- revocation ---------------------------------------------------------------------------


def signed_in(app, observer, role="agent"):
    client = app.test_client()
    user = make_user(observer, role)
    observer.commit()
    assert login(client, user.username, PASSWORD).status_code == 302
    return client, user, client.get_cookie("session").value


def with_cookie(app, value: str, name: str = "session"):
    client = app.test_client()
    client.set_cookie(name, value)
    return client


def test_a_copied_cookie_opens_nothing_after_logout(app, observer):
    client, _, copied = signed_in(app, observer, "monitor")
    assert with_cookie(app, copied).get("/reports/").status_code == 200

    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/")})
    assert stays_on_the_site(with_cookie(app, copied).get("/reports/")) == "/login"


def test_a_copied_cookie_opens_nothing_after_a_password_change(app, observer):
    client, user, copied = signed_in(app, observer, "monitor")
    assert client.get("/reports/").status_code == 200

    observer.get(User, user.id).password_hash = hash_password("a new password")
    observer.commit()
    assert stays_on_the_site(client.get("/reports/")) == "/login"
    assert stays_on_the_site(with_cookie(app, copied).get("/reports/")) == "/login"


def test_a_remember_cookie_of_an_ended_login_opens_nothing(app, observer):
    client, _, copied = signed_in(app, observer, "monitor")
    token = app.session_interface.get_signing_serializer(app).loads(copied)["_user_id"]
    with app.app_context():
        remembered = encode_cookie(token)
    assert with_cookie(app, remembered, "remember_token").get("/reports/").status_code == 200

    client.post("/logout", data={"csrf_token": csrf_token(client, "/reports/")})
    assert stays_on_the_site(with_cookie(app, remembered, "remember_token").get("/reports/")) == (
        "/login"
    )


def test_the_json_session_ends_on_the_server_too(app, observer):
    client = app.test_client()
    user = make_user(observer, "agent")
    observer.commit()
    assert (
        client.post(
            "/api/v1/session", json={"username": user.username, "password": PASSWORD}
        ).status_code
        == 200
    )
    copied = client.get_cookie("session").value
    assert with_cookie(app, copied).get("/api/v1/kb/search?q=x").status_code == 200
    assert client.delete("/api/v1/session", json={}).status_code == 204
    assert with_cookie(app, copied).get("/api/v1/kb/search?q=x").status_code == 401


def test_an_old_style_cookie_with_a_bare_user_id_opens_nothing(app, observer):
    user = make_user(observer, "monitor")
    observer.commit()
    forged = app.session_interface.get_signing_serializer(app).dumps({"_user_id": str(user.id)})
    assert stays_on_the_site(with_cookie(app, forged).get("/reports/")) == "/login"


# -- how long a login lasts ---------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    now = [utcnow()]
    monkeypatch.setattr(logins, "clock", lambda: now[0])

    def advance(**delta):
        now[0] += timedelta(**delta)

    return advance


def test_an_idle_login_ends_and_an_active_one_lasts(app, observer, clock):
    override(app, session_idle_minutes=1)
    client, _, _ = signed_in(app, observer, "monitor")
    for _ in range(3):  # two and a half minutes in all, never a minute idle
        clock(seconds=50)
        assert client.get("/reports/").status_code == 200
    clock(seconds=61)
    assert stays_on_the_site(client.get("/reports/")) == "/login"


def test_the_default_idle_time_is_one_shift(app, observer, clock):
    client, _, _ = signed_in(app, observer, "monitor")
    clock(minutes=479)
    assert client.get("/reports/").status_code == 200
    clock(minutes=481)
    assert stays_on_the_site(client.get("/reports/")) == "/login"


def test_even_an_active_login_ends_after_its_lifetime(app, observer, clock):
    client, _, _ = signed_in(app, observer, "monitor")
    for _ in range(4):
        clock(hours=3)
        assert client.get("/reports/").status_code == 200
    clock(minutes=1)
    assert stays_on_the_site(client.get("/reports/")) == "/login"
    assert app.permanent_session_lifetime == logins.ABSOLUTE_LIFETIME < timedelta(days=1)


# -- cookies and headers ------------------------------------------------------------------


def session_cookie_of(response) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


def test_the_cookie_is_secure_under_an_https_public_url(client, observer):
    user = make_user(observer, "monitor")
    observer.commit()
    cookie = session_cookie_of(login(client, user.username, PASSWORD))
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


def test_the_cookie_is_secure_behind_a_proxy_that_says_https(database_url, tmp_path):
    plain = app_with(database_url, tmp_path, public_url="http://hotline.test", proxy_fix=1)
    client = plain.test_client()
    assert "; Secure" not in session_cookie_of(client.get("/login"))
    forwarded = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "; Secure" in session_cookie_of(forwarded)
    assert "; HttpOnly" in session_cookie_of(forwarded)


def assert_security_headers(response):
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_every_kind_of_answer_has_the_security_headers(client, observer):
    page = client.get("/login")
    assert page.status_code == 200
    assert_security_headers(page)

    api = client.get("/api/v1/openapi.json")
    assert api.status_code == 200 and api.is_json
    assert_security_headers(api)

    refusal = client.get("/api/v1/kb/search?q=x")
    assert refusal.status_code == 401
    assert_security_headers(refusal)

    webhook = signed_post(client, "/twilio/voice", {"CallSid": "CA" + "7" * 32, "To": "12345"})
    assert webhook.status_code == 200 and "<Response>" in webhook.get_data(as_text=True)
    assert_security_headers(webhook)


# -- the failed-login throttle ------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_user_but_not_another(client, observer):
    user, other = make_user(observer, "monitor"), make_user(observer, "monitor")
    observer.commit()
    statuses = [post_login(client, user.username, "wrong").status_code for _ in range(30)]
    assert statuses == [401] * 5 + [429] * 25

    locked = post_login(client, user.username)
    assert locked.status_code == 429
    assert "登录失败次数过多，请 5 分钟后再试" in locked.get_data(as_text=True)
    assert 290 <= int(locked.headers["Retry-After"]) <= 300
    assert stays_on_the_site(post_login(client, other.username)) == "/reports/"


def test_the_lockout_speaks_english_with_the_switch(client, observer):
    user = make_user(observer, "monitor")
    observer.commit()
    client.get("/login?lang=en")
    for _ in range(5):
        post_login(client, user.username, "wrong")
    body = post_login(client, user.username).get_data(as_text=True)
    assert "Too many failed logins; wait 5 min" in body


def without_csrf_token(response) -> str:
    return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))


def test_an_unknown_user_is_locked_just_like_a_known_one(client, observer):
    user = make_user(observer, "monitor")
    observer.commit()
    known = [post_login(client, user.username, "wrong") for _ in range(7)]
    unknown = [post_login(client, "nobody-at-all", "wrong") for _ in range(7)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown]
    assert known[-1].status_code == 429
    assert without_csrf_token(known[-1]) == without_csrf_token(unknown[-1])


def test_the_lock_passes_and_the_next_one_is_longer(client, observer, clock):
    user = make_user(observer, "monitor")
    observer.commit()
    for _ in range(5):
        post_login(client, user.username, "wrong")
    clock(minutes=5, seconds=1)
    for _ in range(5):
        post_login(client, user.username, "wrong")
    locked = post_login(client, user.username)
    assert locked.status_code == 429
    assert 590 <= int(locked.headers["Retry-After"]) <= 600
    clock(minutes=10, seconds=1)
    assert stays_on_the_site(post_login(client, user.username)) == "/reports/"


def test_a_success_resets_the_users_count(client, observer):
    user = make_user(observer, "monitor")
    observer.commit()
    for _ in range(4):
        assert post_login(client, user.username, "wrong").status_code == 401
    assert post_login(client, user.username).status_code == 302
    for _ in range(4):
        assert post_login(client, user.username, "wrong").status_code == 401
    assert post_login(client, user.username).status_code == 302


def test_one_address_trying_many_names_is_locked(client, observer):
    user = make_user(observer, "monitor")
    observer.commit()
    spray = [post_login(client, f"guess{n}", "wrong", address="10.9.8.7") for n in range(25)]
    assert [r.status_code for r in spray] == [401] * 20 + [429] * 5
    assert post_login(client, user.username, address="10.9.8.7").status_code == 429
    assert stays_on_the_site(post_login(client, user.username, address="10.9.8.6")) == ("/reports/")


def test_the_json_login_is_throttled_too(client, observer):
    user = make_user(observer, "agent")
    observer.commit()
    credentials = {"username": user.username, "password": "wrong"}
    statuses = [client.post("/api/v1/session", json=credentials).status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    right = client.post("/api/v1/session", json={**credentials, "password": PASSWORD})
    assert right.status_code == 429
    assert int(right.headers["Retry-After"]) > 0
