"""Call-router services: load and lock state, call the pure decisions, persist them.

Reservations are made under row locks (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL;
SQLite serialises writers with BEGIN IMMEDIATE), so two web workers can never reserve the
same agent or the same call. A worker that finds a row locked skips it rather than waits:
the other worker is already deciding about it.

Split by what they do: ``entry`` (arrival and menus), ``queueing`` (reservations, offers,
the tick, the wait), ``calls`` (call records and their idempotent events), ``legs`` (the
outcome of the agent's leg and of a placed callback), ``callbacks`` (callbacks and
messages), ``agents`` (their states), ``locks``. Callers import from here.
"""

from routing.services.agents import (
    MANUAL_STATES,
    agent_for_user,
    agent_view,
    create_agent,
    end_overdue_wrap_ups,
    ready,
    set_agent_state,
    set_phone,
    wrap_up_reasons,
)
from routing.services.callbacks import (
    CALLBACK_PRIORITY,
    choose_while_waiting,
    dialled_back,
    give_up_callback,
    record_message,
)
from routing.services.calls import (
    FINAL_STATUSES,
    RESOLUTIONS,
    apply_event,
    caller_history,
    current_call,
    end_call,
    end_turned_away,
    finish_call,
    record_call_status,
    record_queue_result,
    record_rating,
    resolve_call,
)
from routing.services.entry import (
    GENERAL_SKILL,
    URGENT_PRIORITY,
    choose_language,
    choose_topic,
    enqueue_call,
    get_call,
    menu_options,
    number_plan,
    record_arrival,
)
from routing.services.legs import (
    LEG_CONNECTED,
    LEG_MISSED,
    agent_leg_answered,
    agent_leg_missed,
    end_gone_call,
    record_callback_status,
)
from routing.services.locks import FRESH
from routing.services.queueing import (
    DEFAULT_HANDLE_SECONDS,
    MAX_CANDIDATE_CALLS,
    RouterSettings,
    accept_reservation,
    average_handle_seconds,
    call_view,
    callbacks_due,
    decline_reservation,
    dispatch_waiting,
    expected_wait,
    expire_reservations,
    offer_work,
    queue_position,
    release_call,
    reservation_for,
    route_call,
    skill_rules,
    tick,
    waiting_calls,
)
from routing.services.transfers import (
    all_agents,
    transfer_out,
    transfer_targets,
    transfer_to_agent,
    transfer_to_queue,
    undo_transfer,
)

# How many waiting calls offer_work reads at a time, in serving order.
QUEUE_PAGE = 500

__all__ = [
    "CALLBACK_PRIORITY",
    "DEFAULT_HANDLE_SECONDS",
    "FINAL_STATUSES",
    "FRESH",
    "GENERAL_SKILL",
    "LEG_CONNECTED",
    "LEG_MISSED",
    "MANUAL_STATES",
    "MAX_CANDIDATE_CALLS",
    "QUEUE_PAGE",
    "RESOLUTIONS",
    "URGENT_PRIORITY",
    "RouterSettings",
    "accept_reservation",
    "agent_for_user",
    "agent_leg_answered",
    "agent_leg_missed",
    "agent_view",
    "all_agents",
    "apply_event",
    "average_handle_seconds",
    "call_view",
    "callbacks_due",
    "caller_history",
    "choose_language",
    "choose_topic",
    "choose_while_waiting",
    "create_agent",
    "current_call",
    "decline_reservation",
    "dialled_back",
    "dispatch_waiting",
    "end_call",
    "end_gone_call",
    "end_overdue_wrap_ups",
    "end_turned_away",
    "enqueue_call",
    "expected_wait",
    "expire_reservations",
    "finish_call",
    "get_call",
    "give_up_callback",
    "menu_options",
    "number_plan",
    "offer_work",
    "queue_position",
    "ready",
    "record_arrival",
    "record_call_status",
    "record_callback_status",
    "record_message",
    "record_queue_result",
    "record_rating",
    "release_call",
    "reservation_for",
    "resolve_call",
    "route_call",
    "set_agent_state",
    "set_phone",
    "skill_rules",
    "tick",
    "transfer_out",
    "transfer_targets",
    "transfer_to_agent",
    "transfer_to_queue",
    "undo_transfer",
    "waiting_calls",
    "wrap_up_reasons",
]
