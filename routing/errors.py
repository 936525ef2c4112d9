"""Errors the call router raises; entry points map them to HTTP codes or TwiML.

Each is a :class:`hotline.refusal.Refusal`: a Chinese template and the values that fill it,
and the kind of refusal its class is ("not_found", "forbidden", "conflict" or "invalid").
"""

from hotline.refusal import Refusal


class RoutingError(Refusal):
    """Base class: the sentence is meant for the user."""

    kind = "invalid"


class CallUnavailable(RoutingError):
    """The call is no longer waiting (taken by another agent, or the caller hung up)."""

    kind = "conflict"


class AgentNotReady(RoutingError):
    """The agent is not in a state that allows this."""

    kind = "conflict"


class NotEligible(RoutingError):
    """The agent lacks the skill or language the call needs."""

    kind = "forbidden"


class InvalidPhone(RoutingError):
    """An agent's phone is neither an E.164 number nor a sip: address."""

    kind = "invalid"


class InvalidNumber(RoutingError):
    """A number that cannot be written in E.164 (a short code, a SIP address, garbage): no
    text or call to it is handed to Twilio, which would refuse it (error 21211)."""

    kind = "invalid"


class UnknownWrapUpReason(RoutingError):
    """A wrap-up reason that is not (or no longer) one of the center's."""

    kind = "invalid"


class UnknownTransferTarget(RoutingError):
    """Not a queue, an agent or a number of the transfer directory."""

    kind = "not_found"
