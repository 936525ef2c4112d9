"""Checking that a webhook really comes from Twilio (X-Twilio-Signature)."""

from __future__ import annotations

import functools

from flask import abort, request
from twilio.request_validator import RequestValidator, compare

from hotline.infra import context
from webhooks.twilio_ids import refuse_malformed_ids


def public_url_of_request() -> str:
    """The URL Twilio called: HOTLINE_PUBLIC_URL + path and query when set (behind a proxy)."""
    public = context.settings().public_url
    path = request.full_path.rstrip("?")
    if public:
        return public + path
    # The query string as sent (still percent-encoded, as Twilio signed it); cheaper than
    # request.url, which re-encodes the whole URL and decodes it into an IRI.
    return f"{request.scheme}://{request.host}{request.root_path}{path}"


def signature_is_valid() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(context.settings().twilio_auth_token)
    # Every value of every parameter is signed: one added twice makes another request.
    url, params = public_url_of_request(), request.form
    # The URL as we rebuilt it is what Twilio signs: one HMAC. Otherwise let the library
    # also try it with and without the port, as Twilio's signing is inconsistent there.
    return compare(validator.compute_signature(url, params), signature) or validator.validate(
        url, params, signature
    )


def twilio_signed(view):
    """Refuse (403) any request whose Twilio signature is missing or wrong, then (400) one
    whose Twilio ids are malformed: a signed request re-split into other parameters."""

    @functools.wraps(view)
    def checked(*args, **kwargs):
        if not signature_is_valid():
            abort(403, "missing or invalid X-Twilio-Signature")
        refuse_malformed_ids()
        return view(*args, **kwargs)

    return checked
