"""Tables of the customs registry: one record of customs payments per VIN."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, Enum, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class GoodsKind(StrEnum):
    VEHICLE = "VEHICLE"
    """A finished vehicle imported into Kazakhstan."""
    VEHICLE_KIT = "VEHICLE_KIT"
    """A vehicle kit imported for industrial assembly; the Kazakh plant gives it the VIN."""


class PaymentStatus(StrEnum):
    PAID = "PAID"
    UNPAID = "UNPAID"
    PARTIALLY_PAID = "PARTIALLY_PAID"


class CustomsRecord(Base):
    """The goods declaration (ДТ) that released the vehicle, and what was paid under it.

    Amounts are whole tenge. The payment status is not stored: it follows from what is due
    (duty + VAT + excise + customs fee) and what was paid, so the two can never disagree.
    """

    __tablename__ = "customs_records"

    vin: Mapped[str] = mapped_column(String(17), primary_key=True)
    declaration_number: Mapped[str] = mapped_column(String(23), index=True)
    """Not unique: one ДТ may declare several vehicles, one goods item each."""
    declaration_date: Mapped[date] = mapped_column(Date)
    goods_kind: Mapped[GoodsKind] = mapped_column(
        Enum(GoodsKind, native_enum=False, length=20, validate_strings=True)
    )
    customs_post_code: Mapped[str] = mapped_column(String(8))
    customs_post: Mapped[str] = mapped_column(String(200))
    customs_post_kk: Mapped[str] = mapped_column(String(200))
    origin_country: Mapped[str] = mapped_column(String(2))
    customs_value: Mapped[int] = mapped_column(BigInteger)
    duty: Mapped[int] = mapped_column(BigInteger)
    vat: Mapped[int] = mapped_column(BigInteger)
    excise: Mapped[int] = mapped_column(BigInteger)
    customs_fee: Mapped[int] = mapped_column(BigInteger)
    paid_amount: Mapped[int] = mapped_column(BigInteger)
    payment_date: Mapped[date | None] = mapped_column(Date)
    payer_bin: Mapped[str | None] = mapped_column(String(12), index=True)
    payer_iin: Mapped[str | None] = mapped_column(String(12), index=True)
    payer_name: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When the record was last written (seed or admin API), by the bus clock."""

    @property
    def total(self) -> int:
        return self.duty + self.vat + self.excise + self.customs_fee

    @property
    def payment_status(self) -> PaymentStatus:
        if self.paid_amount >= self.total:
            return PaymentStatus.PAID
        return PaymentStatus.UNPAID if self.paid_amount == 0 else PaymentStatus.PARTIALLY_PAID
