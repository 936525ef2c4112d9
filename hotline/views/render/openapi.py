"""The OpenAPI document of everything under /api/v1."""

from __future__ import annotations

from typing import Any

# Security requirements: each names a scheme, with the scopes it needs (none).
Security = list[dict[str, list[str]]]
SESSION: Security = [{"session": []}]
BEARER: Security = [{"bearer": []}]

_AGENT_STATUS = {"$ref": "#/components/schemas/AgentStatus"}
_ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(properties: dict[str, Any], required: list[str] | None = None) -> dict:
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": properties,
                    "required": required or [],
                }
            }
        },
    }


def _query(name: str, description: str, schema: dict | None = None, required=False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path_id(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    }


def _op(summary: str, security, responses: dict, **extra) -> dict:
    codes = {"401": _json(_ERROR, "not logged in / no valid token")}
    if security is SESSION:
        codes["403"] = _json(_ERROR, "this login may not do this")
    return {"summary": summary, "security": security, "responses": {**responses, **codes}, **extra}


# What the error map (hotline.views.errors) answers for the domain's refusals.
_CONFLICT = _json(
    _ERROR,
    "the call, the agent or the order is not in a state that allows this any more (the "
    "reservation was taken, the order changed meanwhile…)",
)
_UNACCEPTABLE = _json(_ERROR, "the request parsed, but a value in it is unacceptable")
_NOT_FOUND = _json(_ERROR, "no such call")


def _agent_action(summary: str, parameters=(), body=None, **responses) -> dict:
    extra: dict[str, Any] = {"parameters": list(parameters)}
    if body is not None:
        extra["requestBody"] = body
    if parameters:
        responses = {"404": _NOT_FOUND, **responses}
    return {
        "post": _op(
            summary,
            SESSION,
            {
                "200": _json(_AGENT_STATUS, "the agent's status after the action"),
                "409": _CONFLICT,
                "415": _json(_ERROR, "the request was not JSON"),
                "422": _UNACCEPTABLE,
                **responses,
            },
            **extra,
        )
    }


PATHS: dict[str, dict] = {
    "/api/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3.1 document"}},
        }
    },
    "/api/v1/session": {
        "post": {
            "summary": "Log in (sets the session cookie the console endpoints use)",
            "security": [],
            "requestBody": _body(
                {"username": {"type": "string"}, "password": {"type": "string"}},
                ["username", "password"],
            ),
            "responses": {
                "200": _json({"type": "object"}),
                "401": _json(_ERROR, "wrong username or password"),
                "429": {
                    "description": "too many failed logins for this username or address; "
                    "refused until the Retry-After header's seconds have passed",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                    "content": {"application/json": {"schema": _ERROR}},
                },
            },
        },
        "delete": {
            "summary": "Log out (send JSON, as every change)",
            "security": SESSION,
            "requestBody": _body({}),
            "responses": {
                "204": {"description": "logged out"},
                "415": _json(_ERROR, "the request was not JSON"),
            },
        },
    },
    "/api/v1/agent/status": {
        "get": _op(
            "The agent's state, offered call, current call and caller history",
            SESSION,
            {"200": _json(_AGENT_STATUS)},
            parameters=[
                _query(
                    "waiting",
                    "1 adds `waiting`: the calls in the agent's queues, next served first",
                    {"enum": ["1"]},
                )
            ],
        )
    },
    "/api/v1/agent/state": _agent_action(
        "Set the agent's state (available, break, offline); available ends wrap-up, with "
        "what became of the call (a wrap-up reason's code)",
        body=_body(
            {
                "state": {"enum": ["available", "break", "offline"]},
                "wrap_up": {"type": "string", "description": "a wrap-up reason's code"},
            },
            ["state"],
        ),
    ),
    "/api/v1/agent/reservations/{call_id}/accept": _agent_action(
        "Accept the offered call; the citizen is bridged to the agent",
        [_path_id("call_id")],
        _body({}),
        **{"502": _json(_ERROR, "Twilio refused or could not be reached; the call waits again")},
    ),
    "/api/v1/agent/reservations/{call_id}/decline": _agent_action(
        "Decline the offered call; it goes to the next agent", [_path_id("call_id")], _body({})
    ),
    "/api/v1/agent/calls/{call_id}/transfer": _agent_action(
        "Pass the caller on (cold): to a skill's queue, a named agent or a number of the "
        "transfer directory, with a note the next agent sees; the agent goes to wrap-up",
        [_path_id("call_id")],
        _body(
            {
                "kind": {"enum": ["queue", "agent", "outside"]},
                "target": {
                    "type": "string",
                    "description": "a skill code, an agent's id, or a directory entry's id",
                },
                "note": {"type": "string", "maxLength": 500},
                "warm": {
                    "type": "boolean",
                    "description": "consult the agent or outside number first: the caller "
                    "waits (hold message) while Twilio calls them into a room with the agent; "
                    "then complete or cancel the consultation",
                },
            },
            ["kind", "target"],
        ),
        **{"502": _json(_ERROR, "Twilio refused the redirect; the call is the agent's again")},
    ),
    "/api/v1/agent/calls/{call_id}/consult/complete": _agent_action(
        "Put the caller through to the party consulted (a warm transfer): a colleague's "
        "call from now on, or out of the hotline; the agent goes to wrap-up",
        [_path_id("call_id")],
        _body({}),
        **{"502": _json(_ERROR, "Twilio refused to move the consulted party's call")},
    ),
    "/api/v1/agent/calls/{call_id}/consult/cancel": _agent_action(
        "End the consultation and take the caller back: the consulted party's call is hung up",
        [_path_id("call_id")],
        _body({}),
    ),
    "/api/v1/agent/calls/{call_id}/hold": _agent_action(
        "Put the caller on hold: they hear the hold message; the call stays the agent's",
        [_path_id("call_id")],
        _body({}),
    ),
    "/api/v1/agent/calls/{call_id}/resume": _agent_action(
        "Take the caller back from hold: the agent's phone rings again",
        [_path_id("call_id")],
        _body({}),
    ),
    "/api/v1/agent/calls/{call_id}/resolve": _agent_action(
        "Record the call as resolved (with a knowledge-base article, or on the call)",
        [_path_id("call_id")],
        _body({"article_id": {"type": "string"}}),
    ),
    "/api/v1/agent/calls/{call_id}/work-orders": {
        "post": _op(
            "File a work order from the call",
            SESSION,
            {
                "201": _json(
                    {
                        "type": "object",
                        "properties": {
                            "number": {"type": "string"},
                            "status": {"type": "string"},
                            "unit": {"type": ["string", "null"]},
                            "deadline": {"type": ["string", "null"], "format": "date-time"},
                        },
                    }
                ),
                "404": _NOT_FOUND,
                "409": _CONFLICT,
                "415": _json(_ERROR, "the request was not JSON"),
                "422": _json(_ERROR, "the order is invalid (the message says why)"),
            },
            parameters=[_path_id("call_id")],
            requestBody=_body(
                {
                    "category": {"type": "string"},
                    "description": {"type": "string", "maxLength": 4000},
                    "citizen_phone": {"type": "string"},
                    "citizen_name": {"type": "string"},
                    "district": {"type": "string"},
                    "street": {"type": "string"},
                    "address": {"type": "string"},
                    "urgent": {"type": "boolean"},
                },
                ["category", "description"],
            ),
        )
    },
    "/api/v1/agent/finish": _agent_action("End the current call and start wrap-up", body=_body({})),
    "/api/v1/agent/voice-token": {
        "get": _op(
            "A Twilio Voice access token for the agent's browser client",
            SESSION,
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "token": {"type": "string"},
                            "identity": {"type": "string"},
                            "ttl": {"type": "integer"},
                        },
                    }
                ),
                "503": _json(_ERROR, "the browser voice client is not configured"),
            },
        )
    },
    "/api/v1/kb/search": {
        "get": _op(
            "Knowledge-base articles for what the citizen said, best first",
            SESSION,
            {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {"query": {"type": "string"}, "results": {"type": "array"}},
                    }
                ),
                "400": _json(_ERROR, "q is missing"),
            },
            parameters=[_query("q", "what the citizen said", required=True)],
        )
    },
    "/api/v1/wallboard": {
        "get": _op(
            "Queues, agents, today's figures and staffing, for supervisors",
            SESSION,
            {"200": _json({"type": "object"})},
        )
    },
    "/api/v1/reports/closure": {
        "get": _op(
            "Work orders dispatched and closed, and the closure rate, overall and per unit",
            BEARER,
            {
                "200": _json({"$ref": "#/components/schemas/ClosureReport"}),
                "400": _json(_ERROR, "a bad date"),
            },
            parameters=[
                _query(
                    "start", "first local day (YYYY-MM-DD)", {"type": "string", "format": "date"}
                ),
                _query(
                    "end", "day after the last (YYYY-MM-DD)", {"type": "string", "format": "date"}
                ),
            ],
        )
    },
    "/api/v1/reports/calls": {
        "get": _op(
            "Call figures per skill, entry line or interval",
            BEARER,
            {
                "200": _json({"$ref": "#/components/schemas/CallsReport"}),
                "400": _json(_ERROR, "a bad date or grouping"),
            },
            parameters=[
                _query("from", "first local day, or an ISO date-time"),
                _query("to", "last local day (included), or an ISO date-time"),
                _query(
                    "by", "grouping", {"enum": ["total", "skill", "line", "15min", "hour", "day"]}
                ),
            ],
        )
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {
            "error": {"type": "string", "description": "a sentence saying why"},
            "status": {"type": "integer", "description": "the HTTP status again"},
        },
    },
    "AgentStatus": {
        "type": "object",
        "properties": {
            "state": {"enum": ["offline", "available", "reserved", "on_call", "wrap_up", "break"]},
            "state_reason": {"type": "string"},
            "state_since": {"type": "string", "format": "date-time"},
            "reservation": {"type": ["object", "null"]},
            "call": {"type": ["object", "null"]},
            "history": {"type": "array"},
            "open_work_orders": {"type": "array"},
            "ratings_today": {"type": "object"},
            "waiting": {"type": "array", "description": "only with ?waiting=1"},
        },
    },
    "ClosureReport": {
        "type": "object",
        "properties": {
            "dispatched": {"type": "integer"},
            "closed": {"type": "integer"},
            "closure_rate": {"type": ["number", "null"]},
            "by_unit": {"type": "array"},
        },
    },
    "CallsReport": {
        "type": "object",
        "properties": {
            "by": {"type": "string"},
            "service_level_seconds": {"type": "integer"},
            "short_abandon_seconds": {"type": "integer"},
            "callback_attempts": {
                "type": "integer",
                "description": "unanswered calls after which a callback counts as unreached",
            },
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        name: {"type": ["number", "null"]}
                        for name in (
                            "offered",
                            "answered",
                            "abandoned",
                            "short_abandoned",
                            "callbacks_requested",
                            "callbacks_unreached",
                            "answer_rate",
                            "abandonment_rate",
                            "service_level",
                            "asa_seconds",
                            "aht_seconds",
                            "first_contact_resolution",
                            "occupancy",
                        )
                    },
                },
            },
        },
    },
}


# Work orders: departments' own systems with a department bearer token (their unit's orders
# only), agents and dispatchers with their console session.
SESSION_OR_BEARER: Security = [{"session": []}, {"bearer": []}]
_ORDER = {"$ref": "#/components/schemas/WorkOrder"}
_NUMBER = {
    "name": "number",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": r"^\d{8}-\d{6}$"},
}
_ORDER_ERRORS = {
    "401": _json(_ERROR, "no valid department token and no login"),
    "403": _json(_ERROR, "this login or token may not do this (e.g. a co-unit acting)"),
    "404": _json(_ERROR, "no such order, or not one of this unit's"),
}
WORK_ORDER_ACTIONS = [
    "sign",
    "start",
    "reply",
    "return",
    "request_extension",
    "dispatch",
    "determine",
    "approve_extension",
    "deny_extension",
    "urge",
    "callback",
    "close",
    "reopen",
    "merge",
    "cancel",
    "add_facts",
    "attach",
]
PATHS.update(
    {
        "/api/v1/workorders": {
            "get": {
                "summary": "Work orders, most pressing deadline first (a department token: its "
                "unit's and co-assisted orders only)",
                "security": SESSION_OR_BEARER,
                "parameters": [
                    _query("status", "only orders in this status"),
                    _query("open", "1: only orders still open"),
                    _query("limit", "at most this many (1-500, default 100)", {"type": "integer"}),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "orders": {"type": "array", "items": _ORDER},
                                "count": {"type": "integer"},
                            },
                        }
                    ),
                    "400": _json(_ERROR, "a bad filter"),
                    **_ORDER_ERRORS,
                },
            },
            "post": {
                "summary": "Open a work order (agents and dispatchers); the rules assign its unit",
                "security": SESSION,
                "requestBody": _body(
                    {
                        "category": {"type": "string"},
                        "description": {"type": "string", "maxLength": 4000},
                        "citizen_phone": {"type": "string"},
                        "citizen_name": {"type": "string"},
                        "district": {"type": "string"},
                        "street": {"type": "string"},
                        "address": {"type": "string"},
                        "latitude": {"type": "number"},
                        "longitude": {"type": "number"},
                        "urgent": {"type": "boolean"},
                        "call_id": {"type": "integer"},
                        "attachments": {
                            "type": "array",
                            "items": {"type": "string", "format": "uri"},
                        },
                        "external_ref": {
                            "type": "string",
                            "maxLength": 80,
                            "description": "the sender's id: sent twice, one order",
                        },
                    },
                    ["category", "description"],
                ),
                "responses": {
                    "201": _json(_ORDER, "the order, dispatched when a rule decided its unit"),
                    "200": _json(_ORDER, "an order was already opened for this external_ref"),
                    "400": _json(_ERROR, "a field is not of its type or out of range"),
                    "409": _CONFLICT,
                    "415": _json(_ERROR, "the request was not JSON"),
                    "422": _json(_ERROR, "the order is invalid (the message says why)"),
                    **_ORDER_ERRORS,
                },
            },
        },
        "/api/v1/workorders/{number}": {
            "get": {
                "summary": (
                    "One work order with its attachments, extension requests and audit trail"
                ),
                "security": SESSION_OR_BEARER,
                "parameters": [_NUMBER],
                "responses": {"200": _json(_ORDER), **_ORDER_ERRORS},
            }
        },
        "/api/v1/workorders/{number}/actions": {
            "post": {
                "summary": "Act on a work order: the unit signs, replies, returns or asks for more "
                "time; the dispatcher dispatches, settles disputes, decides extensions and urges; "
                "the hotline records callbacks, merges, cancels and adds facts",
                "security": SESSION_OR_BEARER,
                "parameters": [_NUMBER],
                "requestBody": _body(
                    {
                        "action": {"enum": WORK_ORDER_ACTIONS},
                        "note": {
                            "type": "string",
                            "maxLength": 4000,
                            "description": "reply text, reason, determination or note",
                        },
                        "unit": {"type": "string", "description": "dispatch, determine"},
                        "co_units": {"type": "array", "items": {"type": "string"}},
                        "working_days": {"type": "integer", "minimum": 1, "maximum": 30},
                        "attachments": {
                            "type": "array",
                            "items": {"type": "string", "format": "uri"},
                        },
                        "into": {"type": "string", "description": "merge: the parent's number"},
                        "satisfaction": {
                            "enum": ["satisfied", "basically_satisfied", "unsatisfied", "no_answer"]
                        },
                        "version": {
                            "type": "integer",
                            "description": "the version read; another means a conflict",
                        },
                    },
                    ["action"],
                ),
                "responses": {
                    "200": _json(_ORDER, "the order after the action"),
                    "400": _json(_ERROR, "a field is not of its type or out of range"),
                    "409": _json(
                        _ERROR,
                        "the order's status does not allow this, a joint "
                        "determination binds the unit, or someone changed it meanwhile",
                    ),
                    "415": _json(_ERROR, "the request was not JSON"),
                    "422": _json(_ERROR, "a value is unacceptable (the message says why)"),
                    **_ORDER_ERRORS,
                },
            }
        },
    }
)
SCHEMAS["WorkOrder"] = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "status": {"type": "string"},
        "category": {"type": "string"},
        "urgent": {"type": "boolean"},
        "unit": {"type": ["string", "null"]},
        "co_units": {"type": "array", "items": {"type": "string"}},
        "role": {"type": ["string", "null"], "description": "lead or co, for a unit"},
        "sign_deadline": {"type": ["string", "null"], "format": "date-time"},
        "reply_deadline": {"type": ["string", "null"], "format": "date-time"},
        "deadline_provisional_year": {
            "type": ["integer", "null"],
            "description": "the deadlines are provisional: counted Monday to Friday across "
            "this year, whose official holiday arrangement is not known yet",
        },
        "deadline": {"type": ["string", "null"], "format": "date-time"},
        "remaining_seconds": {"type": ["integer", "null"]},
        "overdue": {"type": "boolean"},
        "version": {"type": "integer"},
        "actions": {"type": "array", "items": {"type": "string"}},
        "events": {"type": "array", "description": "the audit trail (detail only)"},
    },
}

# Reports for monitors (issue 7): read-only, bearer token, limited per token, JSON or CSV.
_TOO_MANY = {
    "description": "over the token's rate limit; the Retry-After header says when to try again",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": _ERROR}},
}
_FORMAT = _query("format", "json (default) or csv", {"enum": ["json", "csv"]})
_START = _query("start", "first local day (YYYY-MM-DD)", {"type": "string", "format": "date"})
_END = _query("end", "day after the last (YYYY-MM-DD)", {"type": "string", "format": "date"})


def _report(summary: str, schema: str, parameters: list[dict]) -> dict:
    ok = {
        "description": "OK",
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
    return {
        "get": _op(
            summary,
            BEARER,
            {"200": ok, "400": _json(_ERROR, "a bad argument"), "429": _TOO_MANY},
            parameters=[*parameters, _FORMAT],
        )
    }


PATHS.update(
    {
        "/api/v1/reports/closure": _report(
            "Work orders dispatched and closed, and the closure rate, overall and per unit",
            "ClosureReport",
            [_START, _END],
        ),
        "/api/v1/reports/work-orders": _report(
            "Closure, on-time, satisfaction, return and reopen figures per unit, category, "
            "district, channel, day or month (orders dispatched in [start, end))",
            "WorkOrderReport",
            [
                _START,
                _END,
                _query(
                    "by",
                    "grouping",
                    {"enum": ["total", "unit", "category", "district", "channel", "day", "month"]},
                ),
            ],
        ),
        "/api/v1/reports/bulletin": _report(
            "The monthly bulletin: units ranked by on-time rate and satisfaction, with the change "
            "from the month before",
            "Bulletin",
            [_query("month", "YYYY-MM; the last complete month by default")],
        ),
        "/api/v1/reports/call-trend": _report(
            "Call figures (answer rate, abandonment, service level, first-contact resolution…) per "
            "local day or month",
            "CallsReport",
            [_START, _END, _query("by", "grouping", {"enum": ["day", "month"]})],
        ),
    }
)
PATHS["/api/v1/reports/calls"]["get"]["responses"]["429"] = _TOO_MANY
_FIGURES = {
    name: {"type": ["number", "null"]}
    for name in (
        "dispatched",
        "closed",
        "closed_on_time",
        "open_overdue",
        "rated",
        "satisfied",
        "returned",
        "reopened",
        "closure_rate",
        "on_time_rate",
        "satisfaction_rate",
        "return_rate",
        "reopen_rate",
    )
}
SCHEMAS["WorkOrderReport"] = {
    "type": "object",
    "properties": {
        "by": {"type": "string"},
        "refreshed_at": {"type": ["string", "null"], "format": "date-time"},
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "name": {"type": "string"}, **_FIGURES},
            },
        },
    },
}
SCHEMAS["Bulletin"] = {
    "type": "object",
    "properties": {
        "month": {"type": "string"},
        "previous_month": {"type": "string"},
        "totals": {"type": "object", "properties": _FIGURES},
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "unit": {"type": "string"},
                    "name": {"type": "string"},
                    "on_time_rank": {"type": ["integer", "null"]},
                    "on_time_change": {"type": ["number", "null"]},
                    "satisfaction_rank": {"type": ["integer", "null"]},
                    "satisfaction_change": {"type": ["number", "null"]},
                    **_FIGURES,
                },
            },
        },
    },
}


# What any request may get before its handler runs (hotline.app refuses these everywhere).
COMMON_RESPONSES = {
    "400": _json(
        _ERROR,
        "the request is malformed (a NUL character in it, or a body that is "
        "not what the operation takes)",
    ),
    "413": _json(_ERROR, "the request body is larger than the server accepts"),
}


def _with_common_responses(paths: dict[str, dict]) -> dict[str, dict]:
    return {
        path: {
            method: {**operation, "responses": {**COMMON_RESPONSES, **operation["responses"]}}
            for method, operation in operations.items()
        }
        for path, operations in paths.items()
    }


def document(extra_paths: dict[str, dict] | None = None) -> dict:
    """The OpenAPI 3.1 document; ``extra_paths`` lets other blueprints add their routes."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "12345 hotline API",
            "version": "1",
            "description": "Agent console actions (session login), supervisor data, and "
            "read-only reports for third-party monitors (bearer tokens from "
            "`hotline token create`). Reports carry no personal data.",
        },
        "paths": _with_common_responses({**PATHS, **(extra_paths or {})}),
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "schemas": SCHEMAS,
        },
    }
