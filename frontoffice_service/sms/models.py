"""The SMS centre's inbox; the event id is unique, so a redelivered text is kept once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from frontoffice_service.models import Base
from servicekit.db import UtcDateTime


class SmsMessage(Base):
    """A text the SMS centre took for a phone (what a tester reads instead of a handset)."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_sms_messages_event_id"),
        Index("ix_sms_messages_phone", "phone", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    """Arrival order: the inbox lists the newest first by it."""
    event_id: Mapped[str] = mapped_column(String(36))
    phone: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(String(1000))
    sender: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
