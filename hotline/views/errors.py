"""One answer for every refusal, registered by the factory.

Each domain error class says once what kind of refusal it is (its ``kind``); here each kind
is given its HTTP status, and each part of the site answers in its own way: JSON under
/api/, /twilio/ and /healthz, the standard's error list under /open311/, and on the
console's pages a redirect back to the form with the reason flashed (or the error page).
Each says the refusal in the request's language (:func:`said`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable

from flask import (
    Flask,
    Response,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import HTTPException, default_exceptions

from hotline.infra.database import get_session
from hotline.infra.gateway import GatewayError
from hotline.refusal import Refusal
from hotline.views.render.i18n import current_language, t
from hotline.views.render.names import unit_name
from workorders import open311
from workorders.labels import ACTION_LABELS, status_label

STATUS_OF_KIND = {
    "not_found": 404,
    "forbidden": 403,
    # A stale version, a state that no longer allows the action, a reservation taken.
    "conflict": 409,
    # The request parsed (its shape is checked with a 400 first); a value is unacceptable.
    "invalid": 422,
    # Twilio refused or could not be reached.
    "upstream": 502,
}
REFUSALS = (Refusal, GatewayError)
AnyRefusal = Refusal | GatewayError
JSON_PATHS = ("/api/", "/twilio/", "/healthz")
OPEN311_PATH = "/open311/"


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, answer)
    for refusal in REFUSALS:
        app.register_error_handler(refusal, refused)


def status_of(error: AnyRefusal) -> int:
    """The HTTP status of a domain error, from the kind its class declares."""
    return STATUS_OF_KIND[error.kind]


def back_to(target: str | Callable[[], str], *arguments: str):
    """For a console form's view: a domain error sends the user back to ``target`` (an
    endpoint, filled with the view's ``arguments``; or a function giving the URL) with the
    reason flashed. Without it, the error page answers."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if callable(target):
                g.back_to = target
            else:
                values = {name: kwargs[name] for name in arguments}
                g.back_to = functools.partial(url_for, target, **values)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def said(error: AnyRefusal) -> str:
    """Why ``error`` refused, in the page's language: the domain's Chinese template through
    ``t()``, filled with its values, each code among them said by its name."""
    if isinstance(error, Refusal):
        return error.sentence(t, name_of)
    return str(error)


def refusals(failed: Iterable[tuple[str, AnyRefusal]]) -> str:
    """What was refused of a bulk action, each "number: why" in the page's language."""
    return "; ".join(f"{number}: {said(error)}" for number, error in failed)


def name_of(field: str, value: object) -> object:
    """A value of a refusal's sentence as the page shows it: a code by its name."""
    if not isinstance(value, str):
        return value
    language = current_language()
    if field == "status":
        return status_label(value, language)
    if field == "action":
        return ACTION_LABELS["en" if language == "en" else "zh"].get(value, value)
    if field in ("unit", "lead_unit"):
        return unit_name(value) or value
    return value


def refused(error: AnyRefusal):
    """A domain error: nothing of the request's transaction is kept, and the map answers."""
    get_session().rollback()
    status = status_of(error)
    if request.path.startswith(OPEN311_PATH) and status == 422:
        status = 400  # GeoReport v2 knows only 400 for a request it cannot take
    sentence = said(error)
    http_error = default_exceptions[status](sentence or None)
    back = g.get("back_to")
    # A missing order or call has no page to go back to: that is the error page's 404.
    if back is not None and status != 404:
        sentence = http_error.description or http_error.name
        flash(f"{t('操作冲突')}: {sentence}" if status == 409 else sentence)
        return redirect(back())
    return answer(http_error)


def answer(error: HTTPException) -> Response:
    code = error.code or 500
    sentence = error.description or error.name
    if request.path.startswith(JSON_PATHS):
        response = jsonify(error=sentence, status=code)
    elif request.path.startswith(OPEN311_PATH):
        response = _open311_errors(code, sentence)
    else:
        # A refusal that says why shows it; a bare one (abort(403)) the page's own words.
        says_why = error.description != type(error).description
        response = make_response(render_template("error.html", error=error, says_why=says_why))
    response.status_code = code
    # What the error itself says beyond its body: Allow, WWW-Authenticate, Retry-After.
    response.headers.extend(
        (name, value) for name, value in error.get_headers() if name.lower() != "content-type"
    )
    return response


def _open311_errors(code: int, sentence: str) -> Response:
    errors = open311.error_list(code, sentence)
    if request.path.endswith(".xml"):
        return Response(open311.to_xml("errors", errors), content_type="text/xml; charset=utf-8")
    body = json.dumps(errors, ensure_ascii=False)
    return Response(body, content_type="application/json; charset=utf-8")
