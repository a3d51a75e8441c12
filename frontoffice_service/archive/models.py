"""Tables of the archive (M17): the acceptance acts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontoffice_service.models import Base, enum_column
from servicekit.db import UtcDateTime


class ActStatus(StrEnum):
    DRAFT = "DRAFT"
    """Drawn up: waits for both signatures."""
    SIGNED = "SIGNED"
    """Signed by the provider and the head of the front office: the documents left."""


class ArchiveAct(Base):
    """An acceptance act of the archive (M17): the documents of an office's applications whose
    month is over, handed to the provider; two signatures with ЭЦП."""

    __tablename__ = "archive_acts"
    __table_args__ = (
        UniqueConstraint("number", name="uq_archive_acts_number"),
        CheckConstraint(
            "status != 'SIGNED' OR (provider_cms IS NOT NULL AND head_cms IS NOT NULL)",
            name="ck_archive_acts_signed_by_both",
        ),
        Index("ix_archive_acts_office", "office", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(2))
    status: Mapped[ActStatus] = mapped_column(enum_column(ActStatus, length=24))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    """What both sign: the act's number, date, parties and the list of documents."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(12))
    provider_signed_by: Mapped[str | None] = mapped_column(String(12))
    provider_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider_cms: Mapped[str | None] = mapped_column(Text)
    head_signed_by: Mapped[str | None] = mapped_column(String(12))
    head_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    head_cms: Mapped[str | None] = mapped_column(Text)


class Party(StrEnum):
    PROVIDER = "PROVIDER"
    """The provider's officer (akimat of the office's region)."""
    HEAD = "HEAD"
    """The head of the front office, or the deputy."""
