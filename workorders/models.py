"""Work orders, the units that handle them, the categories that route them, the calendar."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import Base, UTCDateTime, utcnow

UNIT_KINDS = ("municipal_department", "district", "street", "enterprise")
ROUTING_RULES = ("municipal", "territorial")


class Unit(Base):
    """A responsible unit (承办单位): department, district, street or enterprise, as a tree."""

    __tablename__ = "units"

    code: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    name_en: orm.Mapped[str] = orm.mapped_column(sa.String(160), default="")
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    parent_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"), index=True)
    active: orm.Mapped[bool] = orm.mapped_column(default=True)

    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(UNIT_KINDS), name="kind"),)


class Category(Base):
    """What citizens call about; a leaf names its skill, routing rule, unit and deadline."""

    __tablename__ = "categories"

    code: orm.Mapped[str] = orm.mapped_column(sa.String(48), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(120))
    name_en: orm.Mapped[str] = orm.mapped_column(sa.String(160), default="")
    parent_code: orm.Mapped[str | None] = orm.mapped_column(
        sa.ForeignKey("categories.code"), index=True
    )
    skill_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("skills.code"))
    routing: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    deadline_working_days: orm.Mapped[int | None]
    urgent: orm.Mapped[bool] = orm.mapped_column(default=False)

    __table_args__ = (
        sa.CheckConstraint(
            sa.or_(sa.column("routing").is_(None), sa.column("routing").in_(ROUTING_RULES)),
            name="routing",
        ),
    )

    @property
    def is_leaf(self) -> bool:
        return self.parent_code is not None


class CalendarDay(Base):
    """An exception to the Monday–Friday week: a public holiday, or a make-up working day."""

    __tablename__ = "calendar_days"

    day: orm.Mapped[date] = orm.mapped_column(sa.Date, primary_key=True)
    working: orm.Mapped[bool]
    note: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")


class TicketCounter(Base):
    """The last ticket number handed out on a day; incremented under a row lock."""

    __tablename__ = "ticket_counters"

    day: orm.Mapped[str] = orm.mapped_column(sa.String(8), primary_key=True)
    last: orm.Mapped[int] = orm.mapped_column(default=0)


class WorkOrder(Base):
    __tablename__ = "work_orders"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    number: orm.Mapped[str] = orm.mapped_column(sa.String(20), unique=True)
    channel: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(16), index=True)
    citizen_name: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    citizen_phone: orm.Mapped[str] = orm.mapped_column(sa.String(32), default="")
    category_code: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("categories.code"), index=True)
    description: orm.Mapped[str] = orm.mapped_column(sa.Text)
    district_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    street_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    address: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    latitude: orm.Mapped[float | None]
    longitude: orm.Mapped[float | None]
    urgent: orm.Mapped[bool] = orm.mapped_column(default=False)
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"), index=True)
    assignment_reason: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    call_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("calls.id"), index=True)
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow, index=True)
    dispatched_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)
    sign_deadline: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    reply_deadline: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)
    signed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    replied_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    closed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)
    reply_text: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    satisfaction: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    notified_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)

    events: orm.Mapped[list[WorkOrderEvent]] = orm.relationship(
        back_populates="work_order", order_by="WorkOrderEvent.id"
    )


class WorkOrderEvent(Base):
    """One entry of a work order's audit trail; written once, never updated or deleted."""

    __tablename__ = "work_order_events"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    work_order_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("work_orders.id"), index=True)
    at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    actor: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    actor_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    from_status: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    to_status: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")

    work_order: orm.Mapped[WorkOrder] = orm.relationship(back_populates="events")
