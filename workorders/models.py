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
    # Where the unit is told of new, urged and overdue orders: a text, else an e-mail.
    contact_phone: orm.Mapped[str | None] = orm.mapped_column(sa.String(32))
    contact_email: orm.Mapped[str | None] = orm.mapped_column(sa.String(120))

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
    # An urgent order's reply deadline in hours; None means the hotline's default.
    urgent_reply_hours: orm.Mapped[int | None]
    # Whether its orders appear in the public Open311 lists.
    publish: orm.Mapped[bool] = orm.mapped_column(default=True, server_default=sa.true())

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
    """An admin's override of the official calendar: a local holiday or typhoon day off
    (working=False), or a day declared a working day (working=True)."""

    __tablename__ = "calendar_days"

    day: orm.Mapped[date] = orm.mapped_column(sa.Date, primary_key=True)
    working: orm.Mapped[bool]
    note: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")


class TicketCounter(Base):
    """The last ticket number handed out on a day; incremented under a row lock."""

    __tablename__ = "ticket_counters"

    day: orm.Mapped[str] = orm.mapped_column(sa.String(8), primary_key=True)
    last: orm.Mapped[int] = orm.mapped_column(default=0)


class AssignmentRule(Base):
    """An admin's routing rule: orders matching its category and place go to its lead unit.

    Rules are tried by ``position``; a rule matches when every criterion it names (category,
    district, street) equals the order's. Unmatched orders follow the category's own rule.
    """

    __tablename__ = "assignment_rules"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    position: orm.Mapped[int] = orm.mapped_column(default=100)
    category_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("categories.code"))
    district_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    street_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    unit_code: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("units.code"))
    co_unit_codes: orm.Mapped[list[str]] = orm.mapped_column(sa.JSON, default=list)
    note: orm.Mapped[str] = orm.mapped_column(sa.String(200), default="")
    active: orm.Mapped[bool] = orm.mapped_column(default=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)


class WorkOrder(Base):
    __tablename__ = "work_orders"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    number: orm.Mapped[str] = orm.mapped_column(sa.String(20), unique=True)
    channel: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    status: orm.Mapped[str] = orm.mapped_column(sa.String(24), index=True)
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
    recording_url: orm.Mapped[str | None] = orm.mapped_column(sa.String(400))
    # The sender's own reference (an SMS sid, a department system's id): one order per ref.
    external_ref: orm.Mapped[str | None] = orm.mapped_column(sa.String(80), unique=True)
    parent_id: orm.Mapped[int | None] = orm.mapped_column(
        sa.ForeignKey("work_orders.id"), index=True
    )
    created_by_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow, index=True)
    dispatched_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)
    sign_deadline: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    reply_deadline: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)
    # The deadlines are provisional: they were counted across this year, whose official
    # holidays the calendar package did not know yet (Monday to Friday there). None: official.
    deadline_provisional_year: orm.Mapped[int | None]
    signed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    replied_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    callback_started_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    closed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)
    reply_text: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    satisfaction: orm.Mapped[str | None] = orm.mapped_column(sa.String(24))
    urge_count: orm.Mapped[int] = orm.mapped_column(default=0)
    notified_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    # False: a dispatcher or admin withheld this order from the public Open311 lists.
    publish: orm.Mapped[bool] = orm.mapped_column(default=True, server_default=sa.true())
    # Bumped by every UPDATE; an UPDATE that finds another version changes nothing, so of
    # two people acting on one order at once, one wins and the other is told.
    version: orm.Mapped[int] = orm.mapped_column(default=1)

    events: orm.Mapped[list[WorkOrderEvent]] = orm.relationship(
        back_populates="work_order", order_by="WorkOrderEvent.id"
    )
    co_units: orm.Mapped[list[WorkOrderCoUnit]] = orm.relationship(
        cascade="all, delete-orphan", order_by="WorkOrderCoUnit.unit_code"
    )
    attachments: orm.Mapped[list[WorkOrderAttachment]] = orm.relationship(
        order_by="WorkOrderAttachment.id"
    )
    extensions: orm.Mapped[list[ExtensionRequest]] = orm.relationship(
        order_by="ExtensionRequest.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def co_unit_codes(self) -> list[str]:
        return [co.unit_code for co in self.co_units]

    @property
    def active_deadline(self) -> datetime | None:
        """The deadline the unit is working against now: sign-for, then reply; else None."""
        if self.status == "dispatched":
            return self.sign_deadline
        if self.status in ("signed", "in_progress", "extension_requested"):
            return self.reply_deadline
        return None

    def is_overdue(self, now: datetime) -> bool:
        deadline = self.active_deadline
        return deadline is not None and deadline < now


class WorkOrderCoUnit(Base):
    """A co-unit (协办单位): it sees the order in its portal; the lead unit acts on it."""

    __tablename__ = "work_order_co_units"

    work_order_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("work_orders.id"), primary_key=True
    )
    unit_code: orm.Mapped[str] = orm.mapped_column(
        sa.ForeignKey("units.code"), primary_key=True, index=True
    )


ATTACHMENT_KINDS = ("intake", "reply", "facts")


class WorkOrderAttachment(Base):
    """A file kept elsewhere (photo, document, recording), linked by its http(s) URL."""

    __tablename__ = "work_order_attachments"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    work_order_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("work_orders.id"), index=True)
    url: orm.Mapped[str] = orm.mapped_column(sa.String(1000))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    added_by: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    added_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(ATTACHMENT_KINDS), name="kind"),)


EXTENSION_STATES = ("pending", "approved", "denied")


class ExtensionRequest(Base):
    """A unit's request for more working days, and the dispatcher's decision on it."""

    __tablename__ = "work_order_extensions"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    work_order_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("work_orders.id"), index=True)
    unit_code: orm.Mapped[str] = orm.mapped_column(sa.ForeignKey("units.code"))
    working_days: orm.Mapped[int]
    reason: orm.Mapped[str] = orm.mapped_column(sa.Text)
    requested_by: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    requested_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    state: orm.Mapped[str] = orm.mapped_column(sa.String(16), default="pending", index=True)
    decided_by: orm.Mapped[str | None] = orm.mapped_column(sa.String(80))
    decided_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    decision_note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    previous_deadline: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    new_deadline: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)

    __table_args__ = (sa.CheckConstraint(sa.column("state").in_(EXTENSION_STATES), name="state"),)


NOTICE_KINDS = ("assigned", "urged", "reply_due", "sign_overdue", "reply_overdue", "survey")


class WorkOrderNotice(Base):
    """A message owed about an order (to its unit, the supervisors or the citizen).

    One row per (order, kind, deadline or event time): whoever inserts it first sends it,
    so a reminder is never sent twice for the same order and deadline.
    """

    __tablename__ = "work_order_notices"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    work_order_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("work_orders.id"))
    kind: orm.Mapped[str] = orm.mapped_column(sa.String(24))
    due_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime)
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    sent_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime, index=True)
    channel: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))

    __table_args__ = (
        sa.UniqueConstraint("work_order_id", "kind", "due_at"),
        sa.CheckConstraint(sa.column("kind").in_(NOTICE_KINDS), name="kind"),
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
    from_status: orm.Mapped[str | None] = orm.mapped_column(sa.String(24))
    to_status: orm.Mapped[str] = orm.mapped_column(sa.String(24))
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")
    # The reply deadline in force after this step (none on events recorded before 0019).
    reply_deadline: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)

    work_order: orm.Mapped[WorkOrder] = orm.relationship(back_populates="events")


@sa.event.listens_for(WorkOrderEvent, "before_update")
@sa.event.listens_for(WorkOrderEvent, "before_delete")
def _events_are_written_once(_mapper, _connection, event: WorkOrderEvent) -> None:
    raise sa.exc.InvalidRequestError(
        f"work-order event {event.id} is part of the audit trail and cannot be changed"
    )


ROLLUP_DIMENSIONS = ("all", "unit", "category", "district", "channel")


class WorkOrderRollup(Base):
    """The figures of the orders dispatched on one local day, per unit, category, district
    or channel (``all``: every order). Kept current by the reports job; reports read these.
    """

    __tablename__ = "work_order_rollups"

    dimension: orm.Mapped[str] = orm.mapped_column(sa.String(16), primary_key=True)
    day: orm.Mapped[date] = orm.mapped_column(sa.Date, primary_key=True)
    key: orm.Mapped[str] = orm.mapped_column(sa.String(48), primary_key=True)
    dispatched: orm.Mapped[int] = orm.mapped_column(default=0)
    closed: orm.Mapped[int] = orm.mapped_column(default=0)
    closed_on_time: orm.Mapped[int] = orm.mapped_column(default=0)
    open_overdue: orm.Mapped[int] = orm.mapped_column(default=0)
    rated: orm.Mapped[int] = orm.mapped_column(default=0)
    satisfied: orm.Mapped[int] = orm.mapped_column(default=0)
    returned: orm.Mapped[int] = orm.mapped_column(default=0)
    reopened: orm.Mapped[int] = orm.mapped_column(default=0)
    # When open_overdue was counted: an open order becomes overdue without any event.
    refreshed_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(sa.column("dimension").in_(ROLLUP_DIMENSIONS), name="dimension"),
    )


class RollupRefresh(Base):
    """How far a roll-up has read the work-order trail, and when it last ran."""

    __tablename__ = "rollup_refreshes"

    name: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    last_event_id: orm.Mapped[int] = orm.mapped_column(default=0)
    refreshed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)


# The reports ask which orders were ever returned or reopened (workorders.rollups).
sa.Index(
    "ix_work_order_events_action_work_order_id",
    WorkOrderEvent.action,
    WorkOrderEvent.work_order_id,
)
