"""Tables of the gateway: its registry of interactions (services, senders, access rights)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
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
    routes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    """routeId → provider, for a service served by several providers (regions, versions)."""


class Sender(Base):
    """A system that may send messages through the gateway."""

    __tablename__ = "senders"

    sender_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class AccessRight(Base):
    """Sender × service; service "*" means every service."""

    __tablename__ = "access_rights"

    sender_id: Mapped[str] = mapped_column(
        ForeignKey("senders.sender_id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(String(100), primary_key=True)
