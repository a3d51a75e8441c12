"""Tables of the portal (ПЭП): applications, the history of their checks, cabinet
notifications, the police desk's cases, printed certificates (СРТС), and the kit's outbox and
idempotency keys."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from registration_service.states import FINAL, State
from servicekit.db import UtcDateTime
from servicekit.idempotency import define_idempotency_table
from servicekit.outbox import define_outbox_table


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


outbox = define_outbox_table(Base.metadata)
idempotency_keys = define_idempotency_table(Base.metadata)

_OPEN = "state NOT IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(FINAL)))
_HOLDS_PLATE = (
    f"plate IS NOT NULL AND state NOT IN ('{State.REFUSED.value}', '{State.DECLINED.value}')"
)


class Application(Base):
    """One application for the primary registration of one vehicle (V1–V22)."""

    __tablename__ = "applications"
    __table_args__ = (
        # One open application per VIN: the database decides a race between two dealers.
        Index(
            "uq_applications_open_vin",
            "vin",
            unique=True,
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
        # One number, one application: two applications of one buyer may both see the number
        # БМГ holds for that buyer; the one that commits second loses (PLATE_ALREADY_TAKEN).
        Index(
            "uq_applications_open_plate",
            "plate",
            unique=True,
            postgresql_where=text(_HOLDS_PLATE),
            sqlite_where=text(_HOLDS_PLATE),
        ),
        Index("ix_applications_dealer", "dealer_bin", "created_at"),
        Index("ix_applications_buyer", "buyer_iin", "created_at"),
        Index("ix_applications_state_region", "state", "region_code"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    state: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)

    dealer_bin: Mapped[str] = mapped_column(String(12))
    dealer_name: Mapped[str] = mapped_column(String(300))
    created_by_iin: Mapped[str] = mapped_column(String(12))

    vin: Mapped[str | None] = mapped_column(String(17))
    vehicle: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """From ЭПТС (V3): make, model, year, category, colour, engine, passport number."""

    buyer_iin: Mapped[str | None] = mapped_column(String(12))
    buyer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """From ГБД ФЛ (V7, V11): names, phone, region; never the whole record."""

    contract: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """From the e-signing system (V8, V13): number, date, price."""

    seller_signer_iin: Mapped[str | None] = mapped_column(String(12))
    seller_signed_at: Mapped[datetime | None]
    seller_signature: Mapped[str | None] = mapped_column(Text)

    accepted_at: Mapped[datetime | None]
    unpaid_fines: Mapped[list[Any] | None] = mapped_column(JSON)
    """V14: the buyer's unpaid fines from ЕРАП that hold the application back."""
    centre_id: Mapped[str | None] = mapped_column(String(40))
    region_code: Mapped[str | None] = mapped_column(String(2))
    plate_type: Mapped[str | None] = mapped_column(String(20))
    plate: Mapped[str | None] = mapped_column(String(20))
    plate_source: Mapped[str | None] = mapped_column(String(20))
    plate_reserved_until: Mapped[datetime | None]

    invoice_number: Mapped[str | None] = mapped_column(String(40))
    invoice: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    paid_at: Mapped[datetime | None]

    buyer_signed_at: Mapped[datetime | None]
    buyer_signature: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]

    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """V19: APPROVED or REFUSED, by whom, when, why, the officer's signature."""
    certificate_number: Mapped[str | None] = mapped_column(String(20))
    handed_over_at: Mapped[datetime | None]

    refusal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """A motivated refusal: code, step, registry, messageId, params."""

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it as is)


class Check(Base):
    """The outcome of one registry call made for an application: the audit trail of V1–V18."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_application", "application_id", "checked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str | None] = mapped_column(String(36))
    """None for a V1 check that refused before any application existed."""
    subject: Mapped[str] = mapped_column(String(20))
    """Whose data was asked: a БИН, ИИН, VIN or invoice number."""
    step: Mapped[str] = mapped_column(String(8))
    service_id: Mapped[str] = mapped_column(String(80))
    message_id: Mapped[str] = mapped_column(String(36))
    session_id: Mapped[str | None] = mapped_column(String(36))
    outcome: Mapped[str] = mapped_column(String(20))
    """PASSED, FAILED (the registry said no), UNAVAILABLE (no answer: try again)."""
    code: Mapped[str | None] = mapped_column(String(60))
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    checked_at: Mapped[datetime]


class Notification(Base):
    """A message in the buyer's personal cabinet (V10, V14, V19…)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "recipient_iin", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient_iin: Mapped[str] = mapped_column(String(12))
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(8))
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]


class PoliceCase(Base):
    """An application in the inbox of the administrative police of its region (V19), put there
    by the `registration.submitted.<region>` message; the event id makes a redelivery a no-op."""

    __tablename__ = "police_cases"
    __table_args__ = (Index("ix_police_cases_inbox", "region_code", "decided_at", "received_at"),)

    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    number: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(2))
    received_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(10))
    """APPROVED or REFUSED."""
    officer_iin: Mapped[str | None] = mapped_column(String(12))
    """None when the auto-decision rule approved."""
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)


class CertificateSeries(Base):
    """The last СРТС number printed in a series (one series per region): bumped by one
    UPDATE, so two printers never print the same number."""

    __tablename__ = "certificate_series"

    series: Mapped[str] = mapped_column(String(2), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Certificate(Base):
    """An СРТС printed by the printing centre (ИПЦ): a digital document of the owner."""

    __tablename__ = "certificates"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("applications.id"), unique=True)
    owner_iin: Mapped[str] = mapped_column(String(12), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
