"""Tables of ГБД ФЛ: persons and their identity documents."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import Date, Enum, ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class LifeStatus(StrEnum):
    ALIVE = "ALIVE"
    DECEASED = "DECEASED"
    IIN_INVALIDATED = "IIN_INVALIDATED"
    """The ИИН was annulled (issued twice, by mistake…): nothing may be done under it."""


class Biometrics(StrEnum):
    """How a face-match request for the person turns out (the emulator's stand-in for a real
    biometric template)."""

    ENROLLED = "ENROLLED"
    MISMATCH = "MISMATCH"
    """Enrolled, but the live photo never matches: the M7 refusal."""
    NOT_ENROLLED = "NOT_ENROLLED"


class DocumentStatus(StrEnum):
    VALID = "VALID"
    EXPIRED = "EXPIRED"
    LOST = "LOST"


class Person(Base):
    __tablename__ = "persons"

    iin: Mapped[str] = mapped_column(String(12), primary_key=True)
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    last_name_kk: Mapped[str] = mapped_column(String(100))
    first_name_kk: Mapped[str] = mapped_column(String(100))
    middle_name_kk: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    citizenship: Mapped[str] = mapped_column(String(2))
    life_status: Mapped[LifeStatus] = mapped_column(
        Enum(LifeStatus, native_enum=False, length=20, validate_strings=True)
    )
    death_date: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(2))
    region: Mapped[str] = mapped_column(String(100))
    region_kk: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100))
    locality: Mapped[str] = mapped_column(String(100))
    street: Mapped[str] = mapped_column(String(100))
    house: Mapped[str] = mapped_column(String(20))
    flat: Mapped[str | None] = mapped_column(String(20))
    biometrics: Mapped[Biometrics] = mapped_column(
        Enum(Biometrics, native_enum=False, length=20, validate_strings=True),
        default=Biometrics.ENROLLED,
        server_default=Biometrics.ENROLLED.value,
    )

    documents: Mapped[list[Document]] = relationship(
        back_populates="person",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Document.id",
    )


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    iin: Mapped[str] = mapped_column(ForeignKey("persons.iin", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(20))
    issued_by: Mapped[str] = mapped_column(String(100))
    issue_date: Mapped[date] = mapped_column(Date)
    expiry_date: Mapped[date] = mapped_column(Date)
    status: Mapped[DocumentStatus] = mapped_column(
        Enum(DocumentStatus, native_enum=False, length=20, validate_strings=True)
    )

    person: Mapped[Person] = relationship(back_populates="documents")
