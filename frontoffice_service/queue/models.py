"""Tables of the electronic queue (V20, M5).

What the database itself guarantees:

- `ticket_counters`: the last ticket number per office, day and kind, bumped by one upsert, so
  two receptions issuing at the same moment get two numbers; `queue_tickets` is unique on
  (office, day, kind, number) besides.
- `queue_tickets` CHECKs: a called ticket has its window and time, a finished one its end, a
  pick-up ticket its visitor and how they identified themselves.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontoffice_service.models import Base, IdentificationKind, enum_column
from servicekit.db import UtcDateTime


class TicketKind(StrEnum):
    """What a visitor came for; the letter of the ticket's number says it (P-001, S-001)."""

    VIN_PICKUP = "VIN_PICKUP"
    """V20: to collect the СРТС and the plate of a VIN registration."""
    SUBMISSION = "SUBMISSION"
    """M5: to submit documents (the machinery registration)."""

    @property
    def prefix(self) -> str:
        return _TICKET_PREFIX[self]

    @property
    def step(self) -> str:
        """The step of the process the ticket is issued at."""
        return _TICKET_STEP[self]


_TICKET_PREFIX = {TicketKind.VIN_PICKUP: "P", TicketKind.SUBMISSION: "S"}


_TICKET_STEP = {TicketKind.VIN_PICKUP: "V20", TicketKind.SUBMISSION: "M5"}


class TicketStatus(StrEnum):
    WAITING = "WAITING"
    CALLED = "CALLED"
    """Called to a window; the visitor is expected there."""
    SERVED = "SERVED"
    NO_SHOW = "NO_SHOW"
    """Called, and nobody came."""


class QueueTicket(Base):
    """A ticket of a ЦОН's electronic queue (V20, M5)."""

    __tablename__ = "queue_tickets"
    __table_args__ = (
        UniqueConstraint("office", "service_day", "kind", "number", name="uq_queue_tickets_number"),
        CheckConstraint(
            "(status = 'WAITING') = (window_number IS NULL AND called_at IS NULL)",
            name="ck_queue_tickets_called_has_window",
        ),
        CheckConstraint(
            "(status IN ('SERVED', 'NO_SHOW')) = (finished_at IS NOT NULL)",
            name="ck_queue_tickets_finished_has_time",
        ),
        CheckConstraint(
            "kind != 'VIN_PICKUP' OR (visitor_iin IS NOT NULL AND identification IS NOT NULL)",
            name="ck_queue_tickets_pickup_has_visitor",
        ),
        CheckConstraint(
            "id_card_number IS NULL OR identification = 'ID_CARD'",
            name="ck_queue_tickets_id_card_number",
        ),
        Index("ix_queue_tickets_day", "office", "service_day", "status", "issued_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office: Mapped[str] = mapped_column(String(20))
    service_day: Mapped[date] = mapped_column(Date)
    """The day in Asia/Almaty time: numbering starts again every day."""
    kind: Mapped[TicketKind] = mapped_column(enum_column(TicketKind))
    number: Mapped[int] = mapped_column(Integer)
    visitor_iin: Mapped[str | None] = mapped_column(String(12))
    identification: Mapped[IdentificationKind | None] = mapped_column(
        enum_column(IdentificationKind)
    )
    id_card_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus))
    window_number: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_by: Mapped[str] = mapped_column(String(12))
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    called_by: Mapped[str | None] = mapped_column(String(12))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_by: Mapped[str | None] = mapped_column(String(12))

    @property
    def code(self) -> str:
        """What the visitor's ticket and the hall's screen show: P-001, S-014."""
        return f"{self.kind.prefix}-{self.number:03d}"


class TicketCounter(Base):
    __tablename__ = "ticket_counters"

    office: Mapped[str] = mapped_column(String(20), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[TicketKind] = mapped_column(enum_column(TicketKind), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)
