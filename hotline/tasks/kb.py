"""Background jobs of the knowledge base. Each takes ids, reloads its rows, and is safe to
run again."""

from __future__ import annotations

import sqlalchemy as sa

from hotline.db import utcnow
from hotline.infra.database import new_session
from hotline.services import texts
from knowledge_base.models import Article, Feedback
from routing.models import Call

# One text carries at most this much of an answer; longer ones point to the hotline.
SMS_ANSWER_LIMIT = 480


def text_kb_answer(feedback_id: int) -> None:
    """Text the caller the answer an agent chose for them (a "texted" feedback row)."""
    with new_session() as session:
        sent = session.get(Feedback, feedback_id)
        if sent is None or sent.kind != "texted":
            return
        article = session.get(Article, sent.article_id)
        call = session.get(Call, sent.call_id) if sent.call_id else None
        if article is None or call is None or not call.from_number:
            return
        # Marked sent in the transaction that records the text: a retry finds both or neither,
        # and of two attempts at once only one marks it.
        claimed = session.execute(
            sa.update(Feedback)
            .where(Feedback.id == sent.id, Feedback.sent_at.is_(None))
            .values(sent_at=utcnow())
        )
        if claimed.rowcount == 1:
            texts.send(session, call.from_number, sms_body(article))


def sms_body(article: Article) -> str:
    """The text of an answer: title and answer, cut at a boundary to fit, with the hotline to
    call back."""
    answer = article.answer
    if len(answer) > SMS_ANSWER_LIMIT:
        answer = texts.shorten(answer, SMS_ANSWER_LIMIT).rstrip(texts.CLAUSE_ENDS) + "……"
    if article.lang == "en":
        return f"[12345] {article.title}: {answer} Call 12345 for more ({article.id})."
    return f"【12345】{article.title}：{answer} 详询12345（{article.id}）。"
