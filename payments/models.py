"""Tables of ПШЭП: the МРП by year, the purposes of payment, invoices and their items."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class InvoiceState(StrEnum):
    """What is stored. EXPIRED is not stored: an UNPAID invoice past `expires_at` by the bus
    clock reads as EXPIRED, so moving the clock back and forth needs no job to keep up."""

    UNPAID = "UNPAID"
    PAID = "PAID"
    CANCELLED = "CANCELLED"


class InvoiceStatus(StrEnum):
    """What an invoice is as callers see it: its state, with EXPIRED read off the clock."""

    UNPAID = "UNPAID"
    PAID = "PAID"
    EXPIRED = "EXPIRED"
    """Unpaid past `expiresAt` (bus clock): it can no longer be paid; make a new invoice."""
    CANCELLED = "CANCELLED"


class PaymentMethod(StrEnum):
    CARD = "CARD"
    KASPI = "KASPI"
    HALYK = "HALYK"
    BANK_TRANSFER = "BANK_TRANSFER"


class MrpRate(Base):
    """The МРП (monthly calculation index) of a calendar year, set by the budget law."""

    __tablename__ = "mrp_rates"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_mrp_rates_amount_positive"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    amount: Mapped[int] = mapped_column(Integer)
    """₸, whole tenge."""
    verified: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(300))


class Purpose(Base):
    """What a payment is for, with its fee in МРП (docs/kz-reference.md §6)."""

    __tablename__ = "purposes"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_kk: Mapped[str] = mapped_column(String(200))
    fee_mrp: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    verified: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(300))


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        # The database, not only the code, keeps one invoice per idempotency key: two
        # concurrent creations with one key cannot both insert.
        UniqueConstraint("idempotency_key", name="uq_invoices_idempotency_key"),
        UniqueConstraint("receipt_number", name="uq_invoices_receipt_number"),
        CheckConstraint("(payer_iin IS NULL) <> (payer_bin IS NULL)", name="ck_invoices_one_payer"),
        CheckConstraint("total > 0", name="ck_invoices_total_positive"),
        CheckConstraint(
            "(status = 'PAID') = (receipt_number IS NOT NULL AND paid_at IS NOT NULL "
            "AND payment_key IS NOT NULL AND payment_method IS NOT NULL)",
            name="ck_invoices_paid_has_receipt",
        ),
    )

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    payer_iin: Mapped[str | None] = mapped_column(String(12), index=True)
    payer_bin: Mapped[str | None] = mapped_column(String(12), index=True)
    reference: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    request_digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the creating request: the same key with other data is refused."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    mrp_year: Mapped[int] = mapped_column(Integer)
    mrp: Mapped[int] = mapped_column(Integer)
    """The МРП the amounts were computed with (of `created_at`'s year in Asia/Almaty)."""
    total: Mapped[int] = mapped_column(Integer)
    status: Mapped[InvoiceState] = mapped_column(
        Enum(InvoiceState, native_enum=False, length=20, validate_strings=True)
    )
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    receipt_number: Mapped[str | None] = mapped_column(String(20))
    payment_method: Mapped[PaymentMethod | None] = mapped_column(
        Enum(PaymentMethod, native_enum=False, length=20, validate_strings=True)
    )
    payment_key: Mapped[str | None] = mapped_column(String(100))
    """The idempotency key of the payment that paid it: a retry with it gets the receipt."""
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    def status_at(self, now: datetime) -> InvoiceStatus:
        if self.status is InvoiceState.UNPAID and now >= self.expires_at:
            return InvoiceStatus.EXPIRED
        return InvoiceStatus(self.status.value)

    items: Mapped[list[InvoiceItem]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="InvoiceItem.position",
    )


class InvoiceItem(Base):
    __tablename__ = "invoice_items"
    __table_args__ = (
        UniqueConstraint("invoice_number", "position", name="uq_invoice_items_position"),
        CheckConstraint("quantity > 0", name="ck_invoice_items_quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    invoice_number: Mapped[str] = mapped_column(
        ForeignKey("invoices.number", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(ForeignKey("purposes.code"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    fee_mrp: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    """The purpose's fee when the invoice was made: later changes of the table do not apply."""
    unit_amount: Mapped[int] = mapped_column(Integer)
    amount: Mapped[int] = mapped_column(Integer)

    invoice: Mapped[Invoice] = relationship(back_populates="items")
