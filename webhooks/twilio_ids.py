"""The formats of Twilio's ids: two letters of kind, then 32 hexadecimal digits.

Twilio's signature concatenates each key with its value, so a signed
``MessageSid=SMx&NumMedia=0`` is also a valid signature of ``MessageSid=SMxNumMedia0``: only
an exact format keeps such a re-split request from being taken for another.
"""

from __future__ import annotations

import re

from flask import abort, request

# Each id parameter a webhook may carry, and the kinds (prefixes) it may be of.
KINDS = {
    "CallSid": ("CA",),
    "ParentCallSid": ("CA",),
    "DialCallSid": ("CA",),
    "MessageSid": ("SM", "MM"),
    "SmsSid": ("SM", "MM"),
    "SmsMessageSid": ("SM", "MM"),
    "RecordingSid": ("RE",),
    "AccountSid": ("AC",),
}
_HEX32 = re.compile(r"[0-9a-fA-F]{32}")


def is_sid(value: str, kinds: tuple[str, ...]) -> bool:
    return len(value) == 34 and value[:2] in kinds and _HEX32.fullmatch(value, 2) is not None


def refuse_malformed_ids() -> None:
    """400 when an id parameter of the current request is not of its kind's exact format
    (an absent one is each webhook's own business)."""
    for name, kinds in KINDS.items():
        for value in request.form.getlist(name):
            if not is_sid(value, kinds):
                abort(400, f"{name} is not a Twilio id ({' or '.join(kinds)} + 32 hex digits)")
