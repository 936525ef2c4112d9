"""Text conversations in the console: agents read threads, take them over and reply."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for

from hotline.infra.database import get_session
from hotline.services import conversations as threads
from hotline.services import texts
from hotline.views.auth import roles_required
from hotline.views.common import form_text
from hotline.views.console import current_agent
from hotline.views.render.i18n import t
from routing import messaging
from routing.messaging import Conversation
from workorders import services as workorders

bp = Blueprint("conversations", __name__, url_prefix="/console/conversations")


def _conversation(conversation_id: int) -> Conversation:
    conversation = get_session().get(Conversation, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


@bp.get("/")
@roles_required("agent", "supervisor")
def index():
    return render_template(
        "conversations.html", conversations=messaging.recent_conversations(get_session())
    )


@bp.get("/<int:conversation_id>")
@roles_required("agent", "supervisor")
def thread(conversation_id: int):
    conversation = _conversation(conversation_id)
    # The orders this number opened or is named in, each a link from the thread.
    orders = workorders.orders_for_phone(
        get_session(), conversation.phone, open_only=False, limit=10
    )
    return render_template(
        "conversation.html",
        conversation=conversation,
        agent=current_agent(),
        orders=orders,
        max_body=messaging.MAX_BODY,
        kb_query=_question(conversation),
    )


def _question(conversation: Conversation) -> str:
    """The citizen's last words that ask something (not "0" for an agent, nor a keyword):
    where the knowledge base beside the reply starts its search."""
    for message in reversed(conversation.messages):
        if message.direction == "in" and not texts.is_keyword(message.body):
            return message.body
    return ""


@bp.get("/<int:conversation_id>/version")
@roles_required("agent", "supervisor")
def version(conversation_id: int):
    """What the open thread page polls: the newest message and who has the thread."""
    conversation = _conversation(conversation_id)
    last = conversation.messages[-1] if conversation.messages else None
    return jsonify(
        last_message=last.id if last else None,
        status=last.status if last else None,
        agent=conversation.agent_id,
    )


@bp.post("/<int:conversation_id>/take-over")
@roles_required("agent", "supervisor")
def take_over(conversation_id: int):
    _conversation(conversation_id)
    threads.take_over(get_session(), conversation_id, current_agent().id)
    return redirect(url_for("conversations.thread", conversation_id=conversation_id))


@bp.post("/<int:conversation_id>/release")
@roles_required("agent", "supervisor")
def release(conversation_id: int):
    _conversation(conversation_id)
    threads.release(get_session(), conversation_id)
    return redirect(url_for("conversations.thread", conversation_id=conversation_id))


@bp.post("/<int:conversation_id>/reply")
@roles_required("agent", "supervisor")
def reply(conversation_id: int):
    conversation = _conversation(conversation_id)
    agent = current_agent()
    if conversation.agent_id != agent.id:
        flash(t("请先接管此会话"))
    elif conversation.opted_out_at is not None:
        flash(t("该号码已退订短信"))
    else:
        body = form_text("body", messaging.MAX_BODY)
        if body:
            threads.reply(get_session(), conversation, body, agent.id)
    return redirect(url_for("conversations.thread", conversation_id=conversation_id))
