"""Every Twilio webhook refuses what Twilio did not sign, and checks the URL Twilio called,
also behind a TLS proxy (HOTLINE_PUBLIC_URL, or HOTLINE_PROXY_FIX and X-Forwarded-*)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from hotline.infra.database import dispose_engines
from hotline.models import Base
from hotline.settings import Settings, SettingsError
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN, app_with, sign

OTHER_TOKEN = "fedcba9876543210fedcba9876543210"
CALL_SID = "CA" + "5" * 32
# Parameters Twilio might send to any of the webhooks; each takes what it needs.
PARAMS = {
    "AccountSid": "AC" + "0" * 32,
    "CallSid": CALL_SID,
    "MessageSid": "SM" + "5" * 32,
    "From": "+8613800138000",
    "To": "12345",
    "Body": "路灯坏了",
    "Digits": "1",
    "SpeechResult": "公积金",
    "CallStatus": "completed",
    "MessageStatus": "delivered",
    "QueueResult": "hangup",
    "QueueTime": "12",
    "RecordingUrl": "https://api.twilio.com/recordings/RE1",
}


def twilio_paths(app) -> list[str]:
    """Every webhook of the app (a route under /twilio/), with ids filled in."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/twilio/"):
            assert rule.methods - {"HEAD", "OPTIONS"} == {"POST"}, rule.rule
            paths.append(rule.rule.replace("<int:call_id>", "1"))
    return sorted(paths)


def row_counts(observer) -> dict[str, int]:
    return {
        table.name: observer.scalar(sa.select(sa.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def forgeries(path: str) -> dict[str, tuple[dict, dict]]:
    """Ways to get a request past the check without the auth token: (form, headers)."""
    url = PUBLIC_URL + path
    changed = {**PARAMS, "From": "+8613900139000"}
    added = {**PARAMS, "ForwardedFrom": "12333"}
    other_path = "/twilio/sms/status" if path != "/twilio/sms/status" else "/twilio/sms"
    return {
        "missing": (PARAMS, {}),
        "empty": (PARAMS, {"X-Twilio-Signature": ""}),
        "wrong": (PARAMS, {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJlIGF0IGFsbA=="}),
        "not base64": (PARAMS, {"X-Twilio-Signature": "<>%00' OR 1=1 --"}),
        "other token": (PARAMS, {"X-Twilio-Signature": sign(url, PARAMS, OTHER_TOKEN)}),
        "other parameters": (PARAMS, {"X-Twilio-Signature": sign(url, {"CallSid": CALL_SID})}),
        "replayed, one changed": (changed, {"X-Twilio-Signature": sign(url, PARAMS)}),
        "replayed, one added": (added, {"X-Twilio-Signature": sign(url, PARAMS)}),
        "other path": (PARAMS, {"X-Twilio-Signature": sign(PUBLIC_URL + other_path, PARAMS)}),
        "plain http": (PARAMS, {"X-Twilio-Signature": sign("http" + url[5:], PARAMS)}),
        "other host": (
            PARAMS,
            {"X-Twilio-Signature": sign("https://evil.example" + path, PARAMS)},
        ),
    }


def test_every_webhook_refuses_every_forgery_and_writes_nothing(app, client, observer):
    paths = twilio_paths(app)
    assert len(paths) >= 13  # voice (11) and SMS (2) today; new ones are checked too
    before = row_counts(observer)
    refused = 0
    for path in paths:
        for name, (form, headers) in forgeries(path).items():
            response = client.post(path, data=form, headers=headers)
            assert response.status_code == 403, (path, name, response.status_code)
            assert "X-Twilio-Signature" in response.get_json()["error"], (path, name)
            refused += 1
    assert row_counts(observer) == before
    assert refused == len(paths) * 11


def test_a_parameter_sent_twice_is_another_request(app, client, observer):
    """Twilio signs every value of a parameter; adding a second value must not slip by."""
    before = row_counts(observer)
    signed = {"CallSid": CALL_SID, "From": "+8613800138000", "To": "12345"}
    signature = sign(PUBLIC_URL + "/twilio/voice", signed)
    body = f"CallSid={CALL_SID}&From=%2B8613800138000&To=12345&To=12333"
    response = client.post(
        "/twilio/voice",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == 403
    assert row_counts(observer) == before


def test_a_signed_request_re_split_into_other_parameters_is_refused(app, client, observer):
    """Twilio's signature concatenates each key with its value: ``MessageSid=SMx&NumMedia=0``
    and ``MessageSid=SMxNumMedia0`` sign the same. Only the id's exact format tells them
    apart."""
    message_sid, call_sid = "SM" + "6" * 32, "CA" + "6" * 32
    cases = {
        "/twilio/sms": (
            {"MessageSid": message_sid, "NumMedia": "0", "From": "+8613800138000", "Body": "x"},
            {"MessageSid": message_sid + "NumMedia0", "From": "+8613800138000", "Body": "x"},
        ),
        "/twilio/voice": (
            {"CallSid": call_sid, "From": "+8613800138000", "To": "12345"},
            {"CallSid": call_sid + "From+8613800138000", "To": "12345"},
        ),
        "/twilio/voice/status": (
            {"AccountSid": "AC" + "0" * 32, "CallSid": call_sid, "CallStatus": "completed"},
            {"AccountSid": "AC" + "0" * 32 + "CallSid" + call_sid, "CallStatus": "completed"},
        ),
    }
    before = row_counts(observer)
    for path, (signed, re_split) in cases.items():
        signature = sign(PUBLIC_URL + path, signed)
        assert signature == sign(PUBLIC_URL + path, re_split), path
        response = client.post(path, data=re_split, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 400, (path, response.status_code)
        assert "is not a Twilio id" in response.get_json()["error"], path
    assert row_counts(observer) == before
    for path, (signed, _) in cases.items():
        response = client.post(
            path, data=signed, headers={"X-Twilio-Signature": sign(PUBLIC_URL + path, signed)}
        )
        assert response.status_code == 200, (path, response.status_code)


@pytest.mark.parametrize(
    "name, value",
    [
        ("CallSid", "CA" + "5" * 31),
        ("CallSid", "CA" + "5" * 33),
        ("CallSid", "SM" + "5" * 32),
        ("CallSid", "ca" + "5" * 32),
        ("CallSid", "CA" + "g" * 32),
        ("CallSid", "CA" + "５" * 32),
        ("CallSid", " " + CALL_SID),
        ("MessageSid", "CA" + "5" * 32),
        ("AccountSid", "AC" + "0" * 31 + "\n"),
        ("RecordingSid", "RE1"),
    ],
)
def test_a_malformed_twilio_id_is_a_clear_400_on_every_webhook(app, client, observer, name, value):
    before = row_counts(observer)
    params = {**PARAMS, name: value}
    for path in twilio_paths(app):
        response = client.post(
            path, data=params, headers={"X-Twilio-Signature": sign(PUBLIC_URL + path, params)}
        )
        assert response.status_code == 400, (path, response.status_code)
        assert response.get_json()["error"].startswith(f"{name} is not a Twilio id"), path
    assert row_counts(observer) == before


def test_every_webhook_takes_what_twilio_really_signed(app, client):
    """The same requests, signed as Twilio signs them, are not refused: the refusals above
    were the signature's doing."""
    for path in twilio_paths(app):
        response = client.post(
            path, data=PARAMS, headers={"X-Twilio-Signature": sign(PUBLIC_URL + path, PARAMS)}
        )
        assert response.status_code not in (403, 500), (path, response.status_code)


def test_the_query_string_twilio_called_is_part_of_what_it_signed(client):
    path = "/twilio/voice/status?attempt=2"
    good = sign(PUBLIC_URL + path, PARAMS)
    assert client.post(path, data=PARAMS, headers={"X-Twilio-Signature": good}).status_code == 200
    stripped = sign(PUBLIC_URL + "/twilio/voice/status", PARAMS)
    response = client.post(path, data=PARAMS, headers={"X-Twilio-Signature": stripped})
    assert response.status_code == 403
    changed = sign(PUBLIC_URL + "/twilio/voice/status?attempt=3", PARAMS)
    response = client.post(path, data=PARAMS, headers={"X-Twilio-Signature": changed})
    assert response.status_code == 403


# -- behind a TLS proxy -------------------------------------------------------------------


@pytest.fixture
def make_app(app, database_url, tmp_path):
    """Another app on the test database, configured as a deployment would be; the ``app``
    fixture empties the tables afterwards."""
    made = []

    def make(**config):
        other = app_with(database_url, tmp_path, **config)
        made.append(other)
        return other.test_client()

    yield make
    for other in made:
        dispose_engines(other)


PROXIED = {
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "hotline.example.gov",
    "X-Forwarded-Port": "443",
    "X-Forwarded-For": "203.0.113.7",
}
STATUS = "/twilio/voice/status"


def post_through_proxy(client, signed_url: str, headers: dict):
    """What reaches the app from a TLS-terminating proxy: plain HTTP to an inside host."""
    return client.post(
        STATUS,
        base_url="http://10.0.0.5:8000",
        data=PARAMS,
        headers={**headers, "X-Twilio-Signature": sign(signed_url, PARAMS)},
    )


def test_with_a_public_url_the_signature_is_checked_against_it(make_app):
    client = make_app(public_url=PUBLIC_URL, proxy_fix=0)
    assert post_through_proxy(client, PUBLIC_URL + STATUS, {}).status_code == 200
    # What the app itself sees is not what Twilio called.
    assert post_through_proxy(client, "http://10.0.0.5:8000" + STATUS, {}).status_code == 403


def test_with_a_public_url_forwarded_headers_change_nothing(make_app):
    client = make_app(public_url=PUBLIC_URL, proxy_fix=1)
    spoofed = {**PROXIED, "X-Forwarded-Host": "evil.example"}
    assert post_through_proxy(client, PUBLIC_URL + STATUS, spoofed).status_code == 200
    response = post_through_proxy(client, "https://evil.example" + STATUS, spoofed)
    assert response.status_code == 403


def test_behind_a_trusted_proxy_the_forwarded_url_is_rebuilt(make_app):
    client = make_app(public_url=None, proxy_fix=1)
    assert post_through_proxy(client, PUBLIC_URL + STATUS, PROXIED).status_code == 200
    # Without the proxy's word, the app's own URL is what Twilio would have called.
    assert post_through_proxy(client, PUBLIC_URL + STATUS, {}).status_code == 403
    assert post_through_proxy(client, "http://10.0.0.5:8000" + STATUS, {}).status_code == 200


def test_only_the_hops_of_trusted_proxies_are_believed(make_app):
    client = make_app(public_url=None, proxy_fix=1)
    # A client sent its own X-Forwarded-Host; the one proxy appended the real one.
    chained = {**PROXIED, "X-Forwarded-Host": "evil.example, hotline.example.gov"}
    assert post_through_proxy(client, PUBLIC_URL + STATUS, chained).status_code == 200
    response = post_through_proxy(client, "https://evil.example" + STATUS, chained)
    assert response.status_code == 403


def test_without_proxy_fix_forwarded_headers_are_ignored(make_app):
    client = make_app(public_url=None, proxy_fix=0)
    assert post_through_proxy(client, PUBLIC_URL + STATUS, PROXIED).status_code == 403
    assert post_through_proxy(client, "http://10.0.0.5:8000" + STATUS, PROXIED).status_code == 200


def test_proxy_fix_also_tells_the_client_address_and_scheme(make_app):
    client = make_app(public_url=None, proxy_fix=1)
    # The Open311 discovery names the URL the world uses.
    response = client.get(
        "/open311/v2/discovery.json", base_url="http://10.0.0.5:8000", headers=PROXIED
    )
    assert response.get_json()["endpoints"][0]["url"] == "https://hotline.example.gov/open311/v2"


# -- the settings -------------------------------------------------------------------------


def settings(tmp_path, **env) -> Settings:
    return Settings.from_env(
        {"HOTLINE_INSTANCE_PATH": str(tmp_path), "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, **env}
    )


def test_proxy_fix_and_body_limit_default_to_no_proxy_and_one_mebibyte(tmp_path):
    defaults = settings(tmp_path)
    assert (defaults.proxy_fix, defaults.max_body_bytes) == (0, 1024 * 1024)
    chosen = settings(tmp_path, HOTLINE_PROXY_FIX="2", HOTLINE_MAX_BODY_BYTES="65536")
    assert (chosen.proxy_fix, chosen.max_body_bytes) == (2, 65536)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOTLINE_PROXY_FIX", "yes"),
        ("HOTLINE_PROXY_FIX", "-1"),
        ("HOTLINE_PROXY_FIX", "6"),
        ("HOTLINE_PROXY_FIX", "²"),
        ("HOTLINE_MAX_BODY_BYTES", "1MB"),
        ("HOTLINE_MAX_BODY_BYTES", "100"),
        ("HOTLINE_MAX_BODY_BYTES", "9" * 5000),
        ("HOTLINE_API_RATE_LIMIT", "６０"),
    ],
)
def test_a_wrong_value_names_its_variable(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        settings(tmp_path, **{name: value})
