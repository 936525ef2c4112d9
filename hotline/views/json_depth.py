"""A limit on how deeply a JSON body nests, checked on its bytes before anything parses it."""

from __future__ import annotations

import re

from flask import abort, request

# No request of ours nests beyond three or four levels; Python's JSON parser (and any code
# walking the result) recurses once per level and fails past about a thousand.
MAX_JSON_DEPTH = 32
# Strings, whose brackets are text, and the brackets outside them.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


def json_depth(body: bytes) -> int:
    """How deeply ``body`` nests arrays and objects (0 for a scalar), valid JSON or not."""
    depth = deepest = 0
    for match in _STRING_OR_BRACKET.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


def refuse_deep_json():
    """Answer 400 to a JSON body nested deeper than MAX_JSON_DEPTH."""
    if request.is_json and json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
        abort(400, f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels")
