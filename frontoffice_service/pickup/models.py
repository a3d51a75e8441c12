"""Tables of the pick-up (V19 → V22).

What the database itself guarantees: the application number is the key and the event id is
unique, so a `registration.documents_ready` delivered twice (or sent again under a new id)
inserts nothing the second time; a CHECK keeps who handed the documents over, when and on
which ticket exactly on the HANDED_OVER rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontoffice_service.models import Base, enum_column
from servicekit.db import UtcDateTime


class PickupStatus(StrEnum):
    READY = "READY"
    """The СРТС is printed and the plate issued (V19): the ЦОН may hand them out."""
    HANDED_OVER = "HANDED_OVER"
    """The owner took them (V22)."""


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
    application_id: Mapped[str | None] = mapped_column(String(36))
    """The application's id, the correlationId of the pick-up's registry calls; NULL when
    the event that brought it predates the field."""
    event_id: Mapped[str] = mapped_column(String(36))
    """The `registration.documents_ready` event that brought it."""
    office: Mapped[str] = mapped_column(String(20))
    owner_iin: Mapped[str] = mapped_column(String(12))
    owner_name: Mapped[str] = mapped_column(String(300))
    vin: Mapped[str] = mapped_column(String(17))
    plate: Mapped[str] = mapped_column(String(20))
    certificate_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[PickupStatus] = mapped_column(enum_column(PickupStatus))
    ready_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When the portal said the documents were ready (the event's time)."""
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    handed_over_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handed_over_by: Mapped[str | None] = mapped_column(String(12))
    """The issuance worker's ИИН."""
    ticket_id: Mapped[str | None] = mapped_column(String(36))
