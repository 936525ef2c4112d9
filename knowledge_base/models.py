"""Knowledge-base articles that agents answer from."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import Base, UTCDateTime, utcnow

ARTICLE_STATUSES = ("draft", "in_review", "published", "archived")


class Article(Base):
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
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    updated_at: orm.Mapped[datetime] = orm.mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    __table_args__ = (sa.CheckConstraint(sa.column("status").in_(ARTICLE_STATUSES), name="status"),)
