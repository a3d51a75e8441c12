"""Tables of ЭПТС / ЭПСМ: one row per electronic passport (vehicle, chassis or machine)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, Date, Enum, Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class PassportKind(StrEnum):
    """The first digit of the passport number (docs/kz-reference.md §4)."""

    EPTS = "EPTS"
    EPSHTS = "EPSHTS"
    EPSM = "EPSM"


KIND_DIGITS = {PassportKind.EPTS: "1", PassportKind.EPSHTS: "2", PassportKind.EPSM: "3"}
KIND_LABELS = {
    PassportKind.EPTS: "ЭПТС — электронный паспорт транспортного средства",
    PassportKind.EPSHTS: "ЭПШТС — электронный паспорт шасси транспортного средства",
    PassportKind.EPSM: "ЭПСМ — электронный паспорт самоходной машины и других видов техники",
}


class PassportStatus(StrEnum):
    INCOMPLETE = "INCOMPLETE"
    VALID = "VALID"
    REDEEMED = "REDEEMED"
    """Погашенный: the vehicle left the EAEU's circulation (export, or a new passport)."""
    ANNULLED = "ANNULLED"
    RECYCLED = "RECYCLED"


STATUS_LABELS = {
    PassportStatus.INCOMPLETE: "незавершенный",
    PassportStatus.VALID: "действующий",
    PassportStatus.REDEEMED: "погашенный",
    PassportStatus.ANNULLED: "аннулированный",
    PassportStatus.RECYCLED: "утилизированный",
}

VEHICLE_CATEGORIES = {
    "L": "мототранспортные средства",
    "M1": "легковые, не более 8 мест для сидения кроме водителя",
    "M2": "автобусы массой до 5 т",
    "M3": "автобусы массой более 5 т",
    "N1": "грузовые массой до 3,5 т",
    "N2": "грузовые массой от 3,5 до 12 т",
    "N3": "грузовые массой более 12 т",
    "O1": "прицепы массой до 0,75 т",
    "O2": "прицепы массой от 0,75 до 3,5 т",
    "O3": "прицепы массой от 3,5 до 10 т",
    "O4": "прицепы массой более 10 т",
}
"""EAEU categories of ЭПТС/ЭПШТС (ТР ТС 018/2011)."""

MACHINE_CATEGORIES = {
    "TRACTOR": "трактор",
    "COMBINE": "зерноуборочный комбайн",
    "TRAILER": "прицеп тракторный",
    "ROAD_BUILDING": "дорожно-строительная машина",
    "SPECIAL": "специальная техника повышенной проходимости",
}
"""Kinds of machines that ЭПСМ covers and the akimats register (docs/kz-reference.md §7)."""


class EngineType(StrEnum):
    PETROL = "PETROL"
    DIESEL = "DIESEL"
    GAS = "GAS"
    HYBRID = "HYBRID"
    ELECTRIC = "ELECTRIC"


class ConformityDocumentType(StrEnum):
    OTTS = "OTTS"
    """Одобрение типа транспортного средства: series production."""
    SBKTS = "SBKTS"
    """Свидетельство о безопасности конструкции ТС: a single vehicle."""
    CERTIFICATE = "CERTIFICATE"
    """Сертификат соответствия ТР ТС 010/031: machines and tractors."""


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, validate_strings=True)


class Passport(Base):
    __tablename__ = "passports"

    number: Mapped[str] = mapped_column(String(15), primary_key=True)
    kind: Mapped[PassportKind] = mapped_column(_enum(PassportKind))
    status: Mapped[PassportStatus] = mapped_column(_enum(PassportStatus))
    status_reason: Mapped[str | None] = mapped_column(String(300))
    # Not unique: an annulled passport stays on record beside the one issued instead.
    vin: Mapped[str] = mapped_column(String(17), index=True)
    make: Mapped[str] = mapped_column(String(100))
    commercial_name: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    year_of_manufacture: Mapped[int] = mapped_column(Integer)
    engine_type: Mapped[EngineType | None] = mapped_column(_enum(EngineType))
    engine_model: Mapped[str | None] = mapped_column(String(100))
    engine_volume_cc: Mapped[int | None] = mapped_column(Integer)
    engine_power_kw: Mapped[float | None] = mapped_column(Float)
    eco_class: Mapped[str | None] = mapped_column(String(20))
    colour: Mapped[str | None] = mapped_column(String(50))
    conformity_type: Mapped[ConformityDocumentType] = mapped_column(_enum(ConformityDocumentType))
    conformity_number: Mapped[str] = mapped_column(String(60))
    conformity_date: Mapped[date] = mapped_column(Date)
    manufacturer_bin: Mapped[str | None] = mapped_column(String(12))
    manufacturer_name: Mapped[str] = mapped_column(String(200))
    manufacturer_country: Mapped[str] = mapped_column(String(2))
    owner_iin: Mapped[str | None] = mapped_column(String(12))
    owner_bin: Mapped[str | None] = mapped_column(String(12))
    owner_name: Mapped[str | None] = mapped_column(String(200))
    customs_declaration: Mapped[str | None] = mapped_column(String(40))
    customs_restrictions: Mapped[bool] = mapped_column(Boolean)
    recycling_fee_mark: Mapped[str | None] = mapped_column(String(60))
    issued_by: Mapped[str] = mapped_column(String(200))
    issue_date: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
