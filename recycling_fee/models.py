"""Tables of the recycling fee registry (operator АО «Жасыл даму»): one fee per VIN."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, Enum, Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class PayerRole(StrEnum):
    MANUFACTURER = "MANUFACTURER"
    """Owes the fee when it posts the finished vehicle."""
    IMPORTER = "IMPORTER"
    """Owes the fee when the vehicle crosses the border."""


class FeeStatus(StrEnum):
    PAID = "PAID"
    UNPAID = "UNPAID"


class RecyclingFee(Base):
    __tablename__ = "recycling_fees"

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    payer_bin: Mapped[str] = mapped_column(String(12), index=True)
    payer_name: Mapped[str] = mapped_column(String(300))
    payer_role: Mapped[PayerRole] = mapped_column(
        Enum(PayerRole, native_enum=False, length=20, validate_strings=True)
    )
    vehicle_category: Mapped[str] = mapped_column(String(3))
    engine_volume_cc: Mapped[int | None] = mapped_column(Integer)
    """None for an electric vehicle."""
    coefficient: Mapped[float] = mapped_column(Float)
    """Multiplier of the base rate; at most two decimals, so a float holds it exactly enough."""
    obligation_date: Mapped[date] = mapped_column(Date)
    mrp_year: Mapped[int] = mapped_column(Integer)
    """The year whose МРП priced the fee: of the payment, or of the obligation while unpaid."""
    mrp: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[FeeStatus] = mapped_column(
        Enum(FeeStatus, native_enum=False, length=10, validate_strings=True), index=True
    )
    payment_date: Mapped[date | None] = mapped_column(Date)
    certificate_number: Mapped[str | None] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When the record was last written (seed or admin API), by the bus clock."""
