"""Tables of the e-signed sale contracts: one row per contract with both parties' signatures."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class ContractStatus(StrEnum):
    DRAFT = "DRAFT"
    SIGNED_BY_SELLER = "SIGNED_BY_SELLER"
    SIGNED_BY_BOTH = "SIGNED_BY_BOTH"
    ANNULLED = "ANNULLED"


STATUS_LABELS = {
    ContractStatus.DRAFT: "проект: не подписан",
    ContractStatus.SIGNED_BY_SELLER: "подписан продавцом, ожидает подписи покупателя",
    ContractStatus.SIGNED_BY_BOTH: "подписан продавцом и покупателем",
    ContractStatus.ANNULLED: "аннулирован",
}


class SaleContract(Base):
    __tablename__ = "contracts"
    # The registry is asked by the three of them together (V8, V13).
    __table_args__ = (Index("ix_contracts_parties", "vin", "seller_bin", "buyer_iin"),)

    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    contract_date: Mapped[date] = mapped_column(Date)
    price_kzt: Mapped[int] = mapped_column(BigInteger)
    seller_bin: Mapped[str] = mapped_column(String(12))
    seller_name: Mapped[str] = mapped_column(String(200))
    buyer_iin: Mapped[str] = mapped_column(String(12))
    buyer_name: Mapped[str] = mapped_column(String(200))
    vin: Mapped[str] = mapped_column(String(17))
    make: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(100))
    year_of_manufacture: Mapped[int] = mapped_column(Integer)
    seller_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    seller_signer_iin: Mapped[str | None] = mapped_column(String(12))
    """The seller's employee who signed with the company's ЭЦП (a manager, the director)."""
    buyer_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    buyer_signer_iin: Mapped[str | None] = mapped_column(String(12))
    annulled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    @property
    def status(self) -> ContractStatus:
        """Follows from the signatures, so it can never contradict them."""
        if self.annulled_at is not None:
            return ContractStatus.ANNULLED
        if self.seller_signed_at is None:
            return ContractStatus.DRAFT
        if self.buyer_signed_at is None:
            return ContractStatus.SIGNED_BY_SELLER
        return ContractStatus.SIGNED_BY_BOTH
