"""Tables of the machinery application (M3–M17): the applications the front office forms and
the provider decides, their scans and fee receipts.

What the database itself guarantees:

- `machinery_applications.number` is unique, and numbers come from one upsert per office and
  day (`application_counters`), so two desks at one moment get two numbers;
- a receipt (`machinery_fee_receipts`: invoice and purpose) pays for one application only, so
  one payment cannot serve two registrations (M6.3);
- one scan per document of an application (M6.4), its SHA-256 beside the bytes;
- an application is in at most one acceptance act (M17: `act_id`, the archive's table).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from frontoffice_service.machinery.catalogue import Action, Applicant, MachineKind
from frontoffice_service.models import Base, IdentificationKind, enum_column
from servicekit.db import UtcDateTime
from servicekit.states import transitions


class ApplicationStatus(StrEnum):
    IDENTIFIED = "IDENTIFIED"
    """M6.1: the visitor is identified (and, for a representative, the power checked)."""
    PACKAGE_ACCEPTED = "PACKAGE_ACCEPTED"
    """M6.2: the package is complete."""
    FEES_CONFIRMED = "FEES_CONFIRMED"
    """M6.3: ПШЭП has the payments (or the action has no fee)."""
    SENT = "SENT"
    """M6.5, M9: signed by the worker and on its way to the provider."""
    RECEIVED = "RECEIVED"
    """In the provider's desk (АРМ ГО), unaltered (M3): the term runs (M14)."""
    APPROVED = "APPROVED"
    """M10.4: the provider approved; the data are entered next (M12)."""
    ISSUED = "ISSUED"
    """M11, M12, M15: entered in the registry, the SMS sent, the digital document issued."""
    REFUSED = "REFUSED"
    """A motivated refusal: at the desk (M7, M8, M6.1) or by the provider (M13)."""
    DELIVERY_REJECTED = "DELIVERY_REJECTED"
    """M3: what arrived is not what the worker signed; the provider never saw it."""


APPLICATION_MOVES = transitions(
    ApplicationStatus,
    {
        ApplicationStatus.IDENTIFIED: {
            ApplicationStatus.PACKAGE_ACCEPTED,
            ApplicationStatus.REFUSED,
        },
        ApplicationStatus.PACKAGE_ACCEPTED: {ApplicationStatus.FEES_CONFIRMED},
        ApplicationStatus.FEES_CONFIRMED: {ApplicationStatus.SENT},
        ApplicationStatus.SENT: {ApplicationStatus.RECEIVED, ApplicationStatus.DELIVERY_REJECTED},
        ApplicationStatus.RECEIVED: {ApplicationStatus.APPROVED, ApplicationStatus.REFUSED},
        ApplicationStatus.APPROVED: {ApplicationStatus.ISSUED},
        ApplicationStatus.ISSUED: set(),
        ApplicationStatus.REFUSED: set(),
        ApplicationStatus.DELIVERY_REJECTED: set(),
    },
    attribute="status",
)
"""Which status may follow which (`servicekit.states.set_state`): the desk's M6 in order, a
refusal at M6.1/M7/M8 or by the provider (M13), M3's rejection on arrival."""


class VisitorRole(StrEnum):
    APPLICANT = "APPLICANT"
    REPRESENTATIVE = "REPRESENTATIVE"
    """Acts for the applicant by a notarised power of attorney (ЕНИС)."""


class ArchiveStatus(StrEnum):
    AT_OFFICE = "AT_OFFICE"
    """M16: the paper basis is kept at the front office."""
    HANDED_OVER = "HANDED_OVER"
    """M17: the provider took it by a signed acceptance act."""


class MachineryApplication(Base):
    """One application of the machinery service, from the desk (M6) to the decision (M10–M15)
    and the archive (M16–M17)."""

    __tablename__ = "machinery_applications"
    __table_args__ = (
        UniqueConstraint("number", name="uq_machinery_applications_number"),
        CheckConstraint(
            "(applicant_kind = 'PERSON') = (applicant_iin IS NOT NULL AND applicant_bin IS NULL)",
            name="ck_machinery_applications_applicant_id",
        ),
        CheckConstraint(
            "(visitor_role = 'REPRESENTATIVE') = (power_of_attorney IS NOT NULL) "
            "OR status = 'REFUSED'",
            name="ck_machinery_applications_representative_has_power",
        ),
        CheckConstraint(
            "status NOT IN ('SENT', 'RECEIVED', 'APPROVED', 'ISSUED', 'DELIVERY_REJECTED') "
            "OR (digest IS NOT NULL AND worker_cms IS NOT NULL AND sent_at IS NOT NULL)",
            name="ck_machinery_applications_sent_is_signed",
        ),
        CheckConstraint(
            "status NOT IN ('RECEIVED', 'APPROVED', 'ISSUED') OR "
            "(received_at IS NOT NULL AND due_at IS NOT NULL)",
            name="ck_machinery_applications_received_has_term",
        ),
        CheckConstraint(
            "status != 'REFUSED' OR refusal IS NOT NULL",
            name="ck_machinery_applications_refusal_is_motivated",
        ),
        Index("ix_machinery_applications_office", "office", "status", "created_at"),
        Index("ix_machinery_applications_region", "region", "status", "due_at"),
        Index("ix_machinery_applications_archive", "office", "archive_status", "keep_until"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    office: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(2))
    """The office's region: the provider (akimat) of this region decides (M9)."""
    ticket_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus, length=24))

    action: Mapped[Action] = mapped_column(enum_column(Action, length=24))
    machine_kind: Mapped[MachineKind] = mapped_column(enum_column(MachineKind, length=24))
    first_registration: Mapped[bool] = mapped_column(Boolean)
    machine_id: Mapped[str] = mapped_column(String(30))
    """The VIN, or the factory number of a machine without one."""
    plate: Mapped[str | None] = mapped_column(String(20))
    """The plate the machine carries now (every action but a registration)."""

    applicant_kind: Mapped[Applicant] = mapped_column(enum_column(Applicant, length=24))
    applicant_iin: Mapped[str | None] = mapped_column(String(12))
    applicant_bin: Mapped[str | None] = mapped_column(String(12))
    applicant_name: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(12))
    """Where the SMS of M11 goes."""
    visitor_iin: Mapped[str] = mapped_column(String(12))
    visitor_name: Mapped[str] = mapped_column(String(300))
    visitor_role: Mapped[VisitorRole] = mapped_column(enum_column(VisitorRole, length=24))
    identification: Mapped[IdentificationKind] = mapped_column(
        enum_column(IdentificationKind, length=24)
    )
    id_card_number: Mapped[str | None] = mapped_column(String(20))
    power_of_attorney: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """ЕНИС's record of the power the representative acts by (M6.1)."""
    biometrics: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """ГБД ФЛ's verdict on the live photo (M6.1, M7): verdict, score, threshold."""

    package: Mapped[list[Any] | None] = mapped_column(JSON)
    """M6.2: the documents as the worker found them (code, present, valid)."""
    fees: Mapped[list[Any] | None] = mapped_column(JSON)
    """M6.3: the ПШЭП receipts this application used."""

    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """M6.5: the electronic application as the worker signed it."""
    digest: Mapped[str | None] = mapped_column(String(64))
    """SHA-256 of the canonical bytes of `document` (M3)."""
    worker_cms: Mapped[str | None] = mapped_column(Text)
    signed_by: Mapped[str | None] = mapped_column(String(12))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    counts_from: Mapped[date | None] = mapped_column(Date)
    """M14: the working day the term counts from (the arrival day by 17:00, else the next)."""
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """M14: the end of the first working day after `counts_from`, Asia/Almaty."""
    checks: Mapped[list[Any] | None] = mapped_column(JSON)
    """M10.1–M10.3 as last run: each check's step, outcome and findings."""
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(12))
    decision_cms: Mapped[str | None] = mapped_column(Text)
    refusal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """Step, code, the texts in ru/kk/en, and the provider's reason for an M13 refusal."""

    entry: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """M12: what the provider entered (technical passport, plate, the time and place of
    issue)."""
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    digital_document_id: Mapped[str | None] = mapped_column(String(36))

    archive_status: Mapped[ArchiveStatus | None] = mapped_column(
        enum_column(ArchiveStatus, length=24)
    )
    """Set when the paper basis stays at the office (sent to the provider)."""
    keep_until: Mapped[date | None] = mapped_column(Date)
    """M16: the last day of the month the office keeps the paper basis (Asia/Almaty)."""
    act_id: Mapped[str | None] = mapped_column(ForeignKey("archive_acts.id"))

    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(12))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApplicationCounter(Base):
    __tablename__ = "application_counters"

    office: Mapped[str] = mapped_column(String(20), primary_key=True)
    service_day: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class MachineryScan(Base):
    """The scan of one document of an application (M6.4), kept as the bytes that arrived."""

    __tablename__ = "machinery_scans"
    __table_args__ = (
        UniqueConstraint("application_id", "document_code", name="uq_machinery_scans_document"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("machinery_applications.id"))
    document_code: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(12))


class FeeReceipt(Base):
    """A ПШЭП payment counted for one application (M6.3)."""

    __tablename__ = "machinery_fee_receipts"

    invoice_number: Mapped[str] = mapped_column(String(40), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(60), primary_key=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("machinery_applications.id"))
    amount: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime)
