"""The documents of the «Цифровые документы» service the provider issues (M15)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from frontoffice_service.models import Base
from servicekit.db import UtcDateTime


class DigitalDocument(Base):
    """A document of the «Цифровые документы» service (M15): the technical passport of a
    registered machine, or the certificate of a deregistration."""

    __tablename__ = "digital_documents"
    __table_args__ = (Index("ix_digital_documents_holder", "holder_iin", "holder_bin"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    holder_iin: Mapped[str | None] = mapped_column(String(12))
    holder_bin: Mapped[str | None] = mapped_column(String(12))
    application_number: Mapped[str] = mapped_column(String(40), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
