"""Knowledge-base articles, their versions and history, synonyms, searches and feedback."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import Base, UTCDateTime, utcnow

ARTICLE_STATUSES = ("draft", "in_review", "published", "archived")
# A version is worked on (draft, in_review), live (published), replaced by a newer live
# one (superseded), or dropped with its article (archived).
VERSION_STATUSES = ("draft", "in_review", "published", "superseded", "archived")
FEEDBACK_KINDS = ("not_helpful", "inserted", "texted")
LANGUAGES = ("zh", "en")


class Article(Base):
    """An article as agents and citizens see it: the live content under its public id.

    Editing a published article works on a newer :class:`ArticleVersion`; the columns here
    change only when a version is published.
    """

    __tablename__ = "kb_articles"

    id: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    questions: orm.Mapped[list[str]] = orm.mapped_column(sa.JSON, default=list)
    answer: orm.Mapped[str] = orm.mapped_column(sa.Text)
    category_code: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("categories.code"), index=True
    )
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    keywords: orm.Mapped[list[str]] = orm.mapped_column(sa.JSON, default=list)
    lang: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="zh")
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="published", index=True)
    valid_from: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    valid_until: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    version: orm.Mapped[int] = orm.mapped_column(default=1)
    published_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    versions: orm.Mapped[list[ArticleVersion]] = orm.relationship(
        back_populates="article",
        order_by="ArticleVersion.number",
        cascade="all, delete-orphan",
    )

    __table_args__ = (sa.CheckConstraint(sa.column("status").in_(ARTICLE_STATUSES), name="status"),)


class ArticleVersion(Base):
    """One version of an article's content, with who made, submitted and published it."""

    __tablename__ = "kb_article_versions"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    article_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("kb_articles.id"))
    number: orm.Mapped[int]
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    title: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    questions: orm.Mapped[list[str]] = orm.mapped_column(sa.JSON, default=list)
    answer: orm.Mapped[str] = orm.mapped_column(sa.Text)
    category_code: orm.Mapped[str | None] = orm.mapped_column(sa.String(48))
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    keywords: orm.Mapped[list[str]] = orm.mapped_column(sa.JSON, default=list)
    lang: orm.Mapped[str] = orm.mapped_column(sa.String(8), default="zh")
    valid_from: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    valid_until: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    note: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    created_by: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    article: orm.Mapped[Article] = orm.relationship(back_populates="versions")
    events: orm.Mapped[list[ArticleEvent]] = orm.relationship(
        back_populates="version", order_by="ArticleEvent.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("article_id", "number"),
        sa.CheckConstraint(sa.column("status").in_(VERSION_STATUSES), name="status"),
    )


class ArticleEvent(Base):
    """Who did what to which version, when: the history of an article; never changed."""

    __tablename__ = "kb_article_events"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    article_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("kb_articles.id"), index=True)
    version_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("kb_article_versions.id"))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    actor: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    note: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)

    version: orm.Mapped[ArticleVersion | None] = orm.relationship(back_populates="events")


class Synonym(Base):
    """One word of a synonym group; the group is named by its first word."""

    __tablename__ = "kb_synonyms"

    term: orm.Mapped[str] = orm.mapped_column(sa.String(64), primary_key=True)
    group_name: orm.Mapped[str] = orm.mapped_column(sa.String(64), index=True)
    position: orm.Mapped[int] = orm.mapped_column(default=0)


class IndexState(Base):
    """The one row every process reads to know whether its search index is current.

    ``generation`` goes up with each change to what search sees (a publish, an archive, an
    import, a synonym edit); ``synonyms_edited`` says the synonyms table replaces the
    built-in defaults.
    """

    __tablename__ = "kb_index_state"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    generation: orm.Mapped[int] = orm.mapped_column(default=0)
    synonyms_edited: orm.Mapped[bool] = orm.mapped_column(default=False)
    changed_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)


class SearchLog(Base):
    """A search as an agent made it, and what it found: the raw material of the gap report."""

    __tablename__ = "kb_searches"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    query: orm.Mapped[str] = orm.mapped_column(sa.String(200))
    normalized: orm.Mapped[str] = orm.mapped_column(sa.String(200), index=True)
    top_article_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    confidence: orm.Mapped[float] = orm.mapped_column(default=0.0)
    confident: orm.Mapped[bool] = orm.mapped_column(default=False)
    actor: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow, index=True)


class Feedback(Base):
    """What an agent did with an article: found it not helpful, inserted it, texted it."""

    __tablename__ = "kb_feedback"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    article_id: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("kb_articles.id"), index=True)
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    query: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    call_id: orm.Mapped[int | None]
    actor: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))
    at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow, index=True)
    # For "texted": when the text went out, so that a retried job does not send it twice.
    sent_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(FEEDBACK_KINDS), name="kind"),)
