"""Tables of the gateway: its registry of interactions (services, senders, access rights) and
its message log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from servicekit.db import UtcDateTime
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
    delivery: Mapped[str] = mapped_column(String(10), default="push", server_default="push")
    """Async services: `push` (the gateway POSTs to the provider) or `pull` (getMessages)."""
    async_protocol: Mapped[str] = mapped_column(String(10), default="json", server_default="json")
    """How the gateway pushes to the provider: `json` (the JSON message) or `soap` (sendMessage
    of its IAsyncChannelClient)."""
    soap_endpoint: Mapped[str | None] = mapped_column(String(500), default=None)
    """The URL of a SOAP 1.1 provider the sync channel calls with SendMessage instead of the
    provider's JSON endpoint (a tester's own stub, or a real system)."""


class Sender(Base):
    """A system that may send messages through the gateway."""

    __tablename__ = "senders"

    sender_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    require_signature: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=sa_false()
    )
    """Its SOAP calls must carry a WS-Security signature over the Body."""


class AccessRight(Base):
    """Sender × service; service "*" means every service."""

    __tablename__ = "access_rights"

    sender_id: Mapped[str] = mapped_column(
        ForeignKey("senders.sender_id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class MessageLogRecord(Base):
    """One request the gateway answered and its response, chained to the record before it.

    `seq` is assigned by the gateway's single log writer, contiguous from 1, so a missing record
    shows as a gap. Free-form values (codes, run ids) are unbounded strings: a record that the
    database refuses for its length would stall the writer, which never drops a record.
    See `gateway.message_log.chain` for how `hash` is computed.
    """

    __tablename__ = "message_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    operation: Mapped[str] = mapped_column(String)
    session_id: Mapped[str] = mapped_column(String)
    message_id: Mapped[str | None] = mapped_column(String)
    correlation_id: Mapped[str | None] = mapped_column(String, index=True)
    service_id: Mapped[str | None] = mapped_column(String, index=True)
    sender_id: Mapped[str | None] = mapped_column(String)
    provider: Mapped[str | None] = mapped_column(String)
    run_id: Mapped[str | None] = mapped_column(String)
    status: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String)
    duration_ms: Mapped[float] = mapped_column(Float)
    request_body: Mapped[str] = mapped_column(Text)
    response_body: Mapped[str] = mapped_column(Text)
    request_digest: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the request's raw bytes, before masking: an auditor with the original can
    prove it is the one logged."""
    response_digest: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class MessageLogAnchor(Base):
    """The last record retention deleted (one row at most): where what remains chains from."""

    __tablename__ = "message_log_anchor"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    pruned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BusClockRow(Base):
    """The bus clock as testers last set it (one row at most): a restarted gateway takes it up
    again and announces it, rather than going back to real time while the others stay where
    they were."""

    __tablename__ = "bus_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    offset_us: Mapped[int] = mapped_column(BigInteger)
    """Offset from real time in microseconds: exact, unlike a float of seconds."""
    frozen_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    version: Mapped[int] = mapped_column(BigInteger)
