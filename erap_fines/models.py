"""Tables of ЕРАП: administrative fines (decisions on cases under the КоАП) by offender ИИН."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, Integer, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class Fine(Base):
    """One decision imposing a fine. The amount in ₸ is fixed at the decision (МРП × the МРП
    of the decision's year) and never recomputed when the МРП changes."""

    __tablename__ = "fines"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_fines_amount_positive"),
        # A paid fine knows when; an unpaid one must not carry a stale payment date.
        CheckConstraint(
            "(paid AND paid_at IS NOT NULL) OR (NOT paid AND paid_at IS NULL)",
            name="ck_fines_paid_at",
        ),
    )

    case_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    iin: Mapped[str] = mapped_column(String(12), index=True)
    article: Mapped[str] = mapped_column(String(50))
    description: Mapped[str] = mapped_column(String(300))
    description_kk: Mapped[str] = mapped_column(String(300))
    decision_date: Mapped[date] = mapped_column(Date)
    amount_mrp: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    amount: Mapped[int] = mapped_column(Integer)
    """₸, whole tenge."""
    due_date: Mapped[date] = mapped_column(Date)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    payer_iin: Mapped[str | None] = mapped_column(String(12))
