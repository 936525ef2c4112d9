"""Errors the call router raises; entry points map them to HTTP codes or TwiML."""


class RoutingError(Exception):
    """Base class: the message is meant for the user."""


class CallUnavailable(RoutingError):
    """The call is no longer waiting (taken by another agent, or the caller hung up)."""


class AgentNotReady(RoutingError):
    """The agent is not in a state that allows this."""


class NotEligible(RoutingError):
    """The agent lacks the skill or language the call needs."""
