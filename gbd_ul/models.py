"""Tables of ГБД ЮЛ: legal entities (with their head and address) and their ОКЭД codes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class OrganizationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    """Activity suspended (by the owner or by a court/tax authority); the entity still exists."""
    REORGANIZING = "REORGANIZING"
    IN_LIQUIDATION = "IN_LIQUIDATION"
    """A liquidation commission is at work; the entity is not yet struck off."""
    LIQUIDATED = "LIQUIDATED"


class Organization(Base):
    __tablename__ = "organizations"

    bin: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    name_kk: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str] = mapped_column(String(300))
    short_name_kk: Mapped[str] = mapped_column(String(300))
    status: Mapped[OrganizationStatus] = mapped_column(
        Enum(OrganizationStatus, native_enum=False, length=20, validate_strings=True), index=True
    )
    registration_date: Mapped[date] = mapped_column(Date)
    liquidation_date: Mapped[date | None] = mapped_column(Date)
    parent_bin: Mapped[str | None] = mapped_column(String(12))
    """The head unit of a branch or representative office."""
    head_iin: Mapped[str] = mapped_column(String(12))
    head_last_name: Mapped[str] = mapped_column(String(100))
    head_first_name: Mapped[str] = mapped_column(String(100))
    head_middle_name: Mapped[str | None] = mapped_column(String(100))
    head_position: Mapped[str] = mapped_column(String(200))
    head_position_kk: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(100))
    region_kk: Mapped[str] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    locality: Mapped[str] = mapped_column(String(100))
    street: Mapped[str] = mapped_column(String(100))
    house: Mapped[str] = mapped_column(String(20))
    office: Mapped[str | None] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    """When the record was last written (seed or admin API), by the bus clock."""

    activities: Mapped[list[Activity]] = relationship(
        back_populates="organization",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Activity.position",
    )


class Activity(Base):
    """One ОКЭД code of an entity: the main one (position 0) or a secondary one."""

    __tablename__ = "activities"

    bin: Mapped[str] = mapped_column(
        ForeignKey("organizations.bin", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(5), primary_key=True, index=True)
    is_main: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer)

    organization: Mapped[Organization] = relationship(back_populates="activities")
