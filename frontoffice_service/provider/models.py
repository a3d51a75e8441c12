"""The provider's record of the applications' arrivals (M9): the event id is the key, so a
redelivered application is received once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from frontoffice_service.models import Base
from servicekit.db import UtcDateTime


class Delivery(Base):
    """One arrival of an application at the provider's desk (M9) and its M3 verdict."""

    __tablename__ = "machinery_deliveries"

    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_number: Mapped[str] = mapped_column(String(40), index=True)
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(300))
    arrived_at: Mapped[datetime] = mapped_column(UtcDateTime)
