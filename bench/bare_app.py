"""A bare Flask app: the baseline for bench.voice_webhooks.

It answers ``POST /twilio/voice`` with a constant TwiML text (the product's own answer to a
new 12345 call, captured by the benchmark and passed in the file named by
``BENCH_TWIML_FILE``). It parses the form like any webhook must, but checks no signature and
touches no database: the same server, framework and payload, without the product's work.

    BENCH_TWIML_FILE=answer.xml gunicorn --workers 4 'bench.bare_app:create_app()'
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, abort, request


def create_app() -> Flask:
    twiml_file = os.environ.get("BENCH_TWIML_FILE")
    if not twiml_file:
        raise RuntimeError("BENCH_TWIML_FILE must name the file with the TwiML to serve")
    body = Path(twiml_file).read_text(encoding="utf-8")
    app = Flask(__name__)

    @app.post("/twilio/voice")
    def incoming():
        if not request.form.get("CallSid"):
            abort(400)
        return Response(body, mimetype="text/xml")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
