"""Tables of ЕНИС: one row per notarised power of attorney, with its revocation if any."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, Index, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class PowerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


STATUS_LABELS = {
    PowerStatus.ACTIVE: "действует",
    PowerStatus.REVOKED: "отменена доверителем",
    PowerStatus.EXPIRED: "срок действия истёк",
}


class Power(StrEnum):
    """What a power of attorney lets the representative do for the principal."""

    MACHINERY_REGISTRATION = "MACHINERY_REGISTRATION"
    """Register, re-register and deregister tractors, self-propelled machines and their
    trailers, and receive their technical passport and plates (M4–M17)."""
    VEHICLE_REGISTRATION = "VEHICLE_REGISTRATION"
    """Register vehicles with the police and receive the СРТС and plates."""
    VEHICLE_SALE = "VEHICLE_SALE"
    """Sell or give away the principal's vehicle."""
    REAL_ESTATE = "REAL_ESTATE"
    BANK_ACCOUNTS = "BANK_ACCOUNTS"
    COURT = "COURT"
    """Represent the principal in court."""


def status_on(today: date, *, valid_until: date, revoked_at: datetime | None) -> PowerStatus:
    """A revocation stands from when it is recorded; expiry is read from the bus clock's date:
    the power serves through its last day (`valid_until`) in Almaty."""
    if revoked_at is not None:
        return PowerStatus.REVOKED
    if today > valid_until:
        return PowerStatus.EXPIRED
    return PowerStatus.ACTIVE


class PowerOfAttorney(Base):
    __tablename__ = "powers_of_attorney"
    __table_args__ = (
        # The ЦОН asks by the two persons (M6.1), with or without the number.
        Index("ix_powers_of_attorney_parties", "principal_iin", "representative_iin"),
        CheckConstraint("valid_until >= issued_on", name="ck_powers_of_attorney_validity"),
        CheckConstraint(
            "revocation_reason IS NULL OR revoked_at IS NOT NULL",
            name="ck_powers_of_attorney_revocation",
        ),
    )

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    notary_name: Mapped[str] = mapped_column(String(200))
    notary_licence: Mapped[str] = mapped_column(String(50))
    principal_iin: Mapped[str] = mapped_column(String(12))
    principal_name: Mapped[str] = mapped_column(String(200))
    representative_iin: Mapped[str] = mapped_column(String(12))
    representative_name: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    """The last day it serves."""
    powers: Mapped[list[str]] = mapped_column(JSON)
    """Codes of `Power`, in the order the document lists them."""
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(300))

    def status(self, today: date) -> PowerStatus:
        return status_on(today, valid_until=self.valid_until, revoked_at=self.revoked_at)
