"""Tables of the gateway: its registry of interactions."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.seeding import define_seed_table


class Base(DeclarativeBase):
    pass


seed_versions = define_seed_table(Base.metadata)


class RegisteredService(Base):
    """A service id the gateway routes, and to whom."""

    __tablename__ = "services"

    service_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(10))
    timeout_ms: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(500))
    registry_version: Mapped[int] = mapped_column(Integer)
