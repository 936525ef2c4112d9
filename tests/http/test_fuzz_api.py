"""Property-based tests of /api/v1 generated from its own OpenAPI document (Schemathesis).

Every documented operation gets requests that fit the document (positive) and requests that
do not (negative), with the credentials its ``security`` names: a console login (an agent,
or a dispatcher with an agent seat), a department token or a monitor token. No answer may be
a 5xx; an answer to a well-formed request must have a documented status, content type and
body. The number of requests is printed and recorded as the test's ``requests`` property.
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotline.infra import context
from hotline.infra.tokens import create_token
from tests.conftest import override
from tests.factories import PASSWORD, make_agent, make_user, open_order
from tests.voice_flow import Caller
from workorders import services as workorders

# HOTLINE_TEST_FUZZ_SCALE=10 runs ten times as many, at random rather than the same each time.
SCALE = int(os.environ.get("HOTLINE_TEST_FUZZ_SCALE", "1"))
POSITIVE_EXAMPLES = 25 * SCALE
NEGATIVE_EXAMPLES = 10 * SCALE
# Checking a password is deliberately slow: fewer tries at logging in.
FEW = {"POST /api/v1/session": 6}
POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [not_a_server_error]

REAL_VALUES = {"category": "SOCINS.PENSION", "unit": "GZ-RSJ", "district": "GZ-YX"}
FUZZ = settings(
    deadline=None,
    database=None,
    derandomize=SCALE == 1,
    suppress_health_check=list(HealthCheck),
)


def _session_cookie(client, username: str) -> str:
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.data
    return client.get_cookie("session").value


@pytest.fixture
def world(app, observer):
    """Logins and tokens of every kind, and a call and a work order for the paths to name."""
    # Every figure, not the 429 of a token over its limit; the browser voice client configured
    # (its 503 says only that it is not).
    override(
        app,
        api_rate_limit=1_000_000,
        twilio_account_sid="AC" + "0" * 32,
        twilio_api_key="SK" + "0" * 32,
        twilio_api_secret="s" * 32,
        twilio_twiml_app_sid="AP" + "0" * 32,
    )
    with app.app_context(), context.sessions(app)() as arrange:
        dispatcher, _ = make_agent(arrange, role="supervisor")
        agent, _ = make_agent(arrange)
        make_user(arrange, "department", "GZ-RSJ", username="fuzz-dept")
        order = open_order(arrange, channel="phone", actor=workorders.SYSTEM)
        _, monitor = create_token(arrange, "monitor", "fuzz monitor")
        _, department = create_token(arrange, "department", "fuzz dept", "GZ-RSJ")
        arrange.commit()
        number, dispatcher, agent = order.number, dispatcher.username, agent.username
    caller = Caller(app.test_client(), observer)
    caller.dial(to="12333")  # a call waiting in the queue
    client = app.test_client()
    sessions = {
        name: {"cookies": {"session": _session_cookie(client, name)}}
        for name in (dispatcher, agent, "fuzz-dept")
    }
    bearer = {
        "monitor": {"headers": {"Authorization": f"Bearer {monitor}"}},
        "department": {"headers": {"Authorization": f"Bearer {department}"}},
    }
    return {
        "call_id": caller.call.id,
        "number": number,
        "console": [sessions[dispatcher], sessions[agent]],
        "work_orders": [
            sessions[dispatcher],
            sessions[agent],
            sessions["fuzz-dept"],
            bearer["department"],
        ],
        "monitor": [bearer["monitor"]],
    }


def _credentials(operation, world) -> list[dict]:
    schemes = {name for requirement in operation.definition.raw["security"] for name in requirement}
    if not schemes:
        return [{}]
    if schemes == {"session", "bearer"}:
        return world["work_orders"]
    if schemes == {"bearer"}:
        return world["monitor"]
    return world["console"]


def _known_paths(operation, world) -> dict:
    names = {parameter.name for parameter in operation.path_parameters}
    known = {"call_id": world["call_id"], "number": world["number"]}
    return {name: known[name] for name in names if name in known}


def _fuzz(operation, world, mode: GenerationMode, examples: int, checks, counter: dict) -> None:
    strategy = operation.as_strategy(generation_mode=mode)
    known = _known_paths(operation, world)
    if known and mode is GenerationMode.POSITIVE:
        # Half the requests name a call or an order that exists, so the handlers run deep.
        strategy = st.one_of(strategy, operation.as_strategy(path_parameters=known))

    @settings(FUZZ, max_examples=examples)
    @given(
        case=strategy,
        auth=st.sampled_from(_credentials(operation, world)),
        real=st.booleans() if mode is GenerationMode.POSITIVE else st.just(False),
    )
    def run(case, auth, real):
        # The credentials are ours: not an Authorization header or cookie made up from the
        # security schemes.
        case.headers.pop("Authorization", None)
        case.cookies.pop("session", None)
        if real and isinstance(case.body, dict):
            # Half the positive bodies name a category and a unit that exist.
            for name, value in REAL_VALUES.items():
                if name in case.body:
                    case.body[name] = value
        response = case.call(headers=auth.get("headers"), cookies=auth.get("cookies"))
        counter[(operation.label, mode.value, response.status_code)] += 1
        case.validate_response(response, checks=checks)

    run()


def test_every_operation_survives_generated_requests(app, world, backend, record_property):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) >= 20
    counter = Counter()
    started = time.monotonic()
    for operation in operations:
        positive = FEW.get(operation.label, POSITIVE_EXAMPLES)
        _fuzz(operation, world, GenerationMode.POSITIVE, positive, POSITIVE_CHECKS, counter)
        negative = FEW.get(operation.label, NEGATIVE_EXAMPLES)
        _fuzz(operation, world, GenerationMode.NEGATIVE, negative, NEGATIVE_CHECKS, counter)
    elapsed = time.monotonic() - started
    requests = sum(counter.values())
    record_property("requests", requests)
    print(
        f"\nschemathesis on {backend}: {requests} requests to {len(operations)} operations "
        f"in {elapsed:.1f} s"
    )
    if SCALE > 1:
        for key, count in sorted(counter.items()):
            print(*key, count)
    assert requests >= len(operations) * 10
    # The generated requests reach the handlers, not only their refusals.
    assert sum(n for (_, mode, status), n in counter.items() if status < 300) > requests // 4
