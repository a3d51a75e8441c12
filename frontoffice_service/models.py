"""Tables of ИИС ЦОН 2.0: documents ready for pick-up, the electronic queue, the SMS centre's
inbox, and the kit's outbox and idempotency keys.

What the database itself guarantees (not only the Python above it):

- `pickups`: the application number is the key and the event id is unique, so a
  `registration.documents_ready` delivered twice (or sent again under a new id) inserts
  nothing the second time; a CHECK keeps who handed the documents over, when and on which
  ticket exactly on the HANDED_OVER rows.
- `ticket_counters`: the last ticket number per office, day and kind, bumped by one upsert, so
  two receptions issuing at the same moment get two numbers; `queue_tickets` is unique on
  (office, day, kind, number) besides.
- `queue_tickets` CHECKs: a called ticket has its window and time, a finished one its end, a
  pick-up ticket its visitor and how they identified themselves.
- `sms_messages`: the event id is unique.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, Enum, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
from servicekit.idempotency import define_idempotency_table
from servicekit.outbox import define_outbox_table
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


outbox = define_outbox_table(Base.metadata)
idempotency_keys = define_idempotency_table(Base.metadata)
seed_versions = define_seed_table(Base.metadata)
"""The provider's machinery registry is seeded once per version of its seed (M10.3)."""


def _enum(cls: type[StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, validate_strings=True)


class PickupStatus(StrEnum):
    READY = "READY"
    """The СРТС is printed and the plate issued (V19): the ЦОН may hand them out."""
    HANDED_OVER = "HANDED_OVER"
    """The owner took them (V22)."""


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


class IdentificationKind(StrEnum):
    ID_CARD = "ID_CARD"
    """The identity card: its number must be a valid document of the ИИН in ГБД ФЛ."""
    DIGITAL_DOCUMENT = "DIGITAL_DOCUMENT"
    """The ID shown in the «Цифровые документы» service: the person must exist in ГБД ФЛ."""


class Pickup(Base):
    """Documents of one VIN registration waiting at a ЦОН for their owner (V19 → V22)."""

    __tablename__ = "pickups"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_pickups_event_id"),
        CheckConstraint(
            "(status = 'HANDED_OVER') = (handed_over_at IS NOT NULL "
            "AND handed_over_by IS NOT NULL AND ticket_id IS NOT NULL)",
            name="ck_pickups_handed_over_has_who_and_when",
        ),
        Index("ix_pickups_owner", "owner_iin", "status"),
        Index("ix_pickups_office", "office", "status", "ready_at"),
    )

    application_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    """The `registration.documents_ready` event that brought it."""
    office: Mapped[str] = mapped_column(String(20))
    owner_iin: Mapped[str] = mapped_column(String(12))
    owner_name: Mapped[str] = mapped_column(String(300))
    vin: Mapped[str] = mapped_column(String(17))
    plate: Mapped[str] = mapped_column(String(20))
    certificate_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[PickupStatus] = mapped_column(_enum(PickupStatus))
    ready_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When the portal said the documents were ready (the event's time)."""
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handed_over_by: Mapped[str | None] = mapped_column(String(12))
    """The issuance worker's ИИН."""
    ticket_id: Mapped[str | None] = mapped_column(String(36))


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
    kind: Mapped[TicketKind] = mapped_column(_enum(TicketKind))
    number: Mapped[int] = mapped_column(Integer)
    visitor_iin: Mapped[str | None] = mapped_column(String(12))
    identification: Mapped[IdentificationKind | None] = mapped_column(_enum(IdentificationKind))
    id_card_number: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus))
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
    kind: Mapped[TicketKind] = mapped_column(_enum(TicketKind), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class SmsMessage(Base):
    """A text the SMS centre took for a phone (what a tester reads instead of a handset)."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_sms_messages_event_id"),
        Index("ix_sms_messages_phone", "phone", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """Arrival order: the inbox lists the newest first by it."""
    event_id: Mapped[str] = mapped_column(String(36))
    phone: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(String(1000))
    sender: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
