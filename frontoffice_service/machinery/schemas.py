"""The contract shared by the machinery rooms: identifiers of a machine, the document to sign,
and the application as every desk answers it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field

from frontoffice_service.machinery.catalogue import Action, Applicant, MachineKind
from frontoffice_service.machinery.models import ApplicationStatus, ArchiveStatus, VisitorRole
from frontoffice_service.schemas import Contract
from servicekit.documents import b64, canonical, sha256

MachineId = Annotated[
    str,
    Field(
        min_length=5,
        max_length=30,
        pattern=r"^[0-9A-Z][0-9A-Z.\-]*$",
        description="the machine's VIN (17 characters, ISO 3779 check digit) or, for a machine "
        "without one, its factory number (letters, digits, dots and hyphens)",
        examples=["Y4R082104SB010321", "MTZ-82.1-0801234"],
    ),
]


MachineryPlate = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{3} [A-Z] [0-9]{3}$",
        description="a machinery plate (МТНБ): three letters, the region's letter, three digits",
        examples=["AGR P 001"],
    ),
]


PassportNumber = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{2} [0-9]{7}$",
        description="a technical passport of a machine: series (two letters) and seven digits "
        "(this project's model of the form)",
        examples=["KS 0000321"],
    ),
]


DocumentCode = Annotated[str, Field(pattern=r"^[A-Z_]{3,40}$", examples=["APPLICATION_FORM"])]


class SignIn(Contract):
    cms: str = Field(
        min_length=1,
        max_length=200_000,
        description="detached CMS (base64 DER) over the canonical bytes of the document",
    )


class SigningDocument(Contract):
    """Sign `document` (base64) as it is, with a detached CMS (NCALayer's
    `createCAdESFromBase64(…, attach=false)`); `content` is the same document, readable."""

    document: str
    sha256: str
    content: dict[str, Any]

    @classmethod
    def of(cls, content: dict[str, Any]) -> SigningDocument:
        text = canonical(content)
        return cls(document=b64(text), sha256=sha256(text), content=content)


class ChecklistItem(Contract):
    code: str
    names: dict[str, str]
    source: str


class ScanRecord(Contract):
    document_code: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class CheckRecord(Contract):
    step: str
    name: str
    passed: bool
    code: str | None = None
    messages: dict[str, str] | None = None
    details: dict[str, Any] = Field(default_factory=dict)


class MachineryApplicationRecord(Contract):
    id: UUID
    number: str
    office: str
    region: str
    ticket_id: UUID = Field(description="the queue ticket it was opened for (M5)")
    status: ApplicationStatus
    action: Action
    machine_kind: MachineKind
    machine_id: str
    plate: str | None
    first_registration: bool
    applicant_kind: Applicant
    applicant_iin: str | None
    applicant_bin: str | None
    applicant_name: str
    phone: str
    visitor_iin: str
    visitor_name: str
    visitor_role: VisitorRole
    power_of_attorney: dict[str, Any] | None
    checklist: list[ChecklistItem]
    package: list[dict[str, Any]] | None
    fees: list[dict[str, Any]] | None
    scans: list[ScanRecord]
    digest: str | None
    sent_at: datetime | None
    received_at: datetime | None
    counts_from: date | None
    due_at: datetime | None
    overdue: bool
    checks: list[CheckRecord] | None
    decided_at: datetime | None
    refusal: dict[str, Any] | None
    entry: dict[str, Any] | None
    issued_at: datetime | None
    digital_document_id: UUID | None
    archive_status: ArchiveStatus | None
    keep_until: date | None
    created_at: datetime
