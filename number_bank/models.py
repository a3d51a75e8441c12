"""Tables of БМГ: plates, their archive of events, holders of reservations, idempotency keys.

What the database itself guarantees (not only the Python above it):

- `plates` CHECK constraints: a row's holder fields agree with its status (a RESERVED plate has
  an ИИН and an expiry, an ISSUED one a recipient, an object and a time, a FREE one nothing).
- `plate_events` unique partial index `uq_plate_events_issued` on `plate` WHERE action =
  'ISSUED': a plate is issued once in its life. The archive has no foreign key, so it outlives
  a plate deleted from the bank and keeps protecting it.
- `plates` unique partial index `uq_plates_issued_vin` on `vin` WHERE status = 'ISSUED': a
  vehicle holds one issued plate at a time. A second issue for the VIN is refused by the
  database, whichever code path (an operation, the admin API, a script) tries it; an annulled
  plate (ANNULLED) no longer counts, so the vehicle may get another. Machinery is left out: a
  machine's old plate stays ISSUED in the bank when its owner replaces it (M12).
- `idempotency_keys` primary key: two requests with one key cannot both act.
- `holders` primary key: every reservation upserts its person's row first, which locks it, so a
  person's reservations take turns and the per-person limit holds under concurrency.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, Index, Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from number_bank.plates import DemandCategory, PlateKind
from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class PlateStatus(StrEnum):
    FREE = "FREE"
    RESERVED = "RESERVED"
    """Registered for a person (V16) until `reserved_until`; past it the plate is free again."""
    ISSUED = "ISSUED"
    STORED = "STORED"
    """Left on storage by its former owner: neither offered nor reservable."""
    ANNULLED = "ANNULLED"
    """Issued, then annulled before it reached the vehicle (the application was refused or
    withdrawn): the vehicle holds no plate by it, and, issued once, it is never issued again."""


class EventAction(StrEnum):
    CREATED = "CREATED"
    RESERVED = "RESERVED"
    RESERVATION_EXPIRED = "RESERVATION_EXPIRED"
    RELEASED = "RELEASED"
    ISSUED = "ISSUED"
    STORED = "STORED"
    ANNULLED = "ANNULLED"
    ADMIN_CHANGED = "ADMIN_CHANGED"
    ADMIN_DELETED = "ADMIN_DELETED"


def _enum(cls: type[StrEnum], length: int = 40) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True)


class Plate(Base):
    __tablename__ = "plates"
    __table_args__ = (
        CheckConstraint(
            "status != 'FREE' OR (iin IS NULL AND bin IS NULL AND reserved_until IS NULL"
            " AND vin IS NULL AND machine_id IS NULL AND issued_at IS NULL)",
            name="ck_plates_free_has_no_holder",
        ),
        CheckConstraint(
            "status != 'RESERVED' OR (iin IS NOT NULL AND reserved_until IS NOT NULL"
            " AND bin IS NULL AND issued_at IS NULL)",
            name="ck_plates_reserved_has_holder",
        ),
        CheckConstraint(
            "status != 'ISSUED' OR ((iin IS NULL) != (bin IS NULL)"
            " AND (vin IS NULL) != (machine_id IS NULL) AND issued_at IS NOT NULL"
            " AND reserved_until IS NULL)",
            name="ck_plates_issued_has_recipient",
        ),
        Index(
            "uq_plates_issued_vin",
            "vin",
            unique=True,
            postgresql_where=text("status = 'ISSUED'"),
            sqlite_where=text("status = 'ISSUED'"),
        ),
        Index("ix_plates_free_list", "region_code", "kind", "status", "plate"),
        Index("ix_plates_iin", "iin"),
    )

    plate: Mapped[str] = mapped_column(String(12), primary_key=True)
    kind: Mapped[PlateKind] = mapped_column(_enum(PlateKind))
    region_code: Mapped[str] = mapped_column(String(2))
    status: Mapped[PlateStatus] = mapped_column(_enum(PlateStatus, 20))
    demand_category: Mapped[DemandCategory | None] = mapped_column(_enum(DemandCategory))
    """Set for an increased-demand number (derived from the text): never offered through egov."""
    iin: Mapped[str | None] = mapped_column(String(12))
    """The person it is reserved for, or issued to."""
    bin: Mapped[str | None] = mapped_column(String(12))
    """The legal entity it is issued to."""
    reserved_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reference: Mapped[str | None] = mapped_column(String(64))
    """What a reservation is for, as the service that made it says (the portal: the
    application's number); None for a reservation made in БМГ itself."""
    vin: Mapped[str | None] = mapped_column(String(17))
    machine_id: Mapped[str | None] = mapped_column(String(30))
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status_since: Mapped[datetime] = mapped_column(UtcDateTime)


class PlateEvent(Base):
    """The archive: every change of every plate, kept after the plate leaves the bank."""

    __tablename__ = "plate_events"
    __table_args__ = (
        Index(
            "uq_plate_events_issued",
            "plate",
            unique=True,
            postgresql_where=text("action = 'ISSUED'"),
            sqlite_where=text("action = 'ISSUED'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plate: Mapped[str] = mapped_column(String(12), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    action: Mapped[EventAction] = mapped_column(_enum(EventAction, 30))
    status: Mapped[PlateStatus] = mapped_column(_enum(PlateStatus, 20))
    """The plate's status after the event."""
    iin: Mapped[str | None] = mapped_column(String(12))
    bin: Mapped[str | None] = mapped_column(String(12))
    vin: Mapped[str | None] = mapped_column(String(17))
    machine_id: Mapped[str | None] = mapped_column(String(30))


class Holder(Base):
    """A person who has reserved: the row every reservation of the person locks first."""

    __tablename__ = "holders"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    last_reserved_at: Mapped[datetime] = mapped_column(UtcDateTime)


class IdempotencyKey(Base):
    """A writing request's key with its answer: a retry gets this answer, not a second act."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    operation: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the operation and its request data: the same key with other data is refused."""
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
