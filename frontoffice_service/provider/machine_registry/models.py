"""Tables of the provider's machinery registry (M10.3, M12).

What the database itself guarantees: a plate and a technical passport number exist once; a
machine has at most one valid technical passport and one plate on it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from frontoffice_service.machinery.catalogue import Action, MachineKind
from frontoffice_service.models import Base, enum_column
from servicekit.db import UtcDateTime


class MachineStatus(StrEnum):
    REGISTERED = "REGISTERED"
    DEREGISTERED = "DEREGISTERED"
    """In the data archive: once registered, now off the register."""


class PassportStatus(StrEnum):
    VALID = "VALID"
    REPLACED = "REPLACED"
    """A newer one was issued (re-registration, duplicate)."""
    ANNULLED = "ANNULLED"
    """The machine was deregistered."""


class PlateStatus(StrEnum):
    ACTIVE = "ACTIVE"
    """On a registered machine."""
    ARCHIVED = "ARCHIVED"
    """Taken off a machine (deregistration, a replaced plate): kept in the data archive and
    never given again."""


class Machine(Base):
    __tablename__ = "registry_machines"
    __table_args__ = (Index("ix_registry_machines_owner", "owner_iin", "owner_bin"),)

    machine_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    """The VIN, or the factory number of a machine without one."""
    kind: Mapped[MachineKind] = mapped_column(enum_column(MachineKind, length=24))
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(2))
    owner_iin: Mapped[str | None] = mapped_column(String(12))
    owner_bin: Mapped[str | None] = mapped_column(String(12))
    owner_name: Mapped[str] = mapped_column(String(300))
    status: Mapped[MachineStatus] = mapped_column(enum_column(MachineStatus, length=24))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TechnicalPassport(Base):
    __tablename__ = "registry_passports"
    __table_args__ = (
        Index(
            "uq_registry_passports_valid",
            "machine_id",
            unique=True,
            postgresql_where=text("status = 'VALID'"),
            sqlite_where=text("status = 'VALID'"),
        ),
    )

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    machine_id: Mapped[str] = mapped_column(ForeignKey("registry_machines.machine_id"))
    duplicate: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[PassportStatus] = mapped_column(enum_column(PassportStatus, length=24))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RegistryPlate(Base):
    __tablename__ = "registry_plates"
    __table_args__ = (
        Index(
            "uq_registry_plates_active",
            "machine_id",
            unique=True,
            postgresql_where=text("status = 'ACTIVE'"),
            sqlite_where=text("status = 'ACTIVE'"),
        ),
    )

    plate: Mapped[str] = mapped_column(String(20), primary_key=True)
    machine_id: Mapped[str] = mapped_column(ForeignKey("registry_machines.machine_id"))
    region: Mapped[str] = mapped_column(String(2))
    status: Mapped[PlateStatus] = mapped_column(enum_column(PlateStatus, length=24))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RegistryEvent(Base):
    """The history of a machine in the registry: every registration act, seeded or decided."""

    __tablename__ = "registry_history"
    __table_args__ = (Index("ix_registry_history_machine", "machine_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    machine_id: Mapped[str] = mapped_column(ForeignKey("registry_machines.machine_id"))
    action: Mapped[Action] = mapped_column(enum_column(Action, length=24))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    owner_iin: Mapped[str | None] = mapped_column(String(12))
    owner_bin: Mapped[str | None] = mapped_column(String(12))
    owner_name: Mapped[str] = mapped_column(String(300))
    plate: Mapped[str | None] = mapped_column(String(20))
    passport_number: Mapped[str | None] = mapped_column(String(20))
    application_number: Mapped[str | None] = mapped_column(String(40))
    """None for the history seeded from before the pilot."""
