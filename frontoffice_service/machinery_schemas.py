"""The contract of the machinery service (M3–M17): what the front-office desk, the provider's
desk (АРМ ГО) and the archive take and give back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from frontoffice_service.machinery import Action, Applicant, MachineKind
from frontoffice_service.machinery_models import (
    ActStatus,
    ApplicationStatus,
    ArchiveStatus,
    VisitorRole,
)
from frontoffice_service.schemas import Contract, Identification, Phone
from servicekit.documents import b64, canonical, sha256
from servicekit.identifiers import Bin, Iin

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


# --- the front-office desk (M5–M9) ----------------------------------------------------------


class ApplicantIn(Contract):
    kind: Applicant
    iin: Iin | None = Field(default=None, description="a person's ИИН (kind PERSON)")
    bin: Bin | None = Field(default=None, description="a legal entity's БИН (kind LEGAL_ENTITY)")

    @model_validator(mode="after")
    def _one_identifier(self) -> ApplicantIn:
        if self.kind is Applicant.PERSON and (self.iin is None or self.bin is not None):
            raise PydanticCustomError("APPLICANT_ID", "a person has an ИИН and no БИН")
        if self.kind is Applicant.LEGAL_ENTITY and (self.bin is None or self.iin is not None):
            raise PydanticCustomError("APPLICANT_ID", "a legal entity has a БИН and no ИИН")
        return self


class VisitorIn(Contract):
    """Who stands at the window (M6.1): the applicant, or their representative."""

    iin: Iin
    role: VisitorRole
    identification: Identification
    photo: str = Field(
        min_length=1,
        max_length=2_800_000,
        description="the live photo taken at the desk, base64 of a JPEG or PNG (at most 2 MB): "
        "ГБД ФЛ matches it against the enrolled face",
    )
    power_of_attorney: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        description="a representative's power of attorney number in ЕНИС (optional: without "
        "it ЕНИС finds the valid one from the applicant to this representative)",
    )


class MachineIn(Contract):
    id: MachineId
    kind: MachineKind
    plate: MachineryPlate | None = Field(
        default=None,
        description="the plate the machine carries now: required for every action but a "
        "registration",
    )


class MachineryApplicationIn(Contract):
    """M6.1: open an application for the called submission ticket."""

    ticket_id: UUID
    action: Action
    first_registration: bool = Field(
        default=True,
        description="a registration of a machine never registered in Kazakhstan (the "
        "producer's obligations document is then required, M6.2)",
    )
    applicant: ApplicantIn
    phone: Phone
    visitor: VisitorIn
    machine: MachineIn

    @model_validator(mode="after")
    def _plate_goes_with_a_registered_machine(self) -> MachineryApplicationIn:
        if self.action is not Action.REGISTRATION and self.machine.plate is None:
            raise PydanticCustomError("PLATE_REQUIRED", "the machine's current plate is needed")
        return self


class PresentedIn(Contract):
    code: DocumentCode
    present: bool
    valid: bool = Field(description="not expired, not altered, the right person's")


class PackageIn(Contract):
    """M6.2: every document of the action's checklist as the worker found it."""

    documents: list[PresentedIn] = Field(max_length=40)


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


# --- the provider's desk (M10–M15) ----------------------------------------------------------


class DecisionIn(SignIn):
    """M10.4: approve, or refuse with a motivated reason (M13), signed with ЭЦП over the
    decision document (`GET …/decision-document` with the same `approve` and `reason`)."""

    approve: bool
    reason: str | None = Field(default=None, min_length=5, max_length=1000)


class EntryIn(Contract):
    """M12: what the provider enters by hand after the approval, and when and where the
    documents are issued (M11). Which fields an action needs: a registration a new technical
    passport and a new plate; a re-registration a new technical passport (and a new plate only
    if the old one is replaced); a duplicate a new technical passport; a plate a new plate; a
    deregistration none."""

    technical_passport: PassportNumber | None = None
    plate: MachineryPlate | None = None
    machine_id: MachineId = Field(
        description="the machine's identifier as read from its documents: must be the application's"
    )
    issue_at: datetime = Field(
        description="when the applicant may collect the documents and plates at the office"
    )


# --- the archive (M16–M17) ------------------------------------------------------------------


class ActIn(Contract):
    office: str = Field(min_length=1, max_length=20, pattern=r"^[A-Z]{3}-[A-Z]+$")


class ActRecord(Contract):
    id: UUID
    number: str
    office: str
    region: str
    status: ActStatus
    document: str = Field(
        description="what both parties sign, base64 of the canonical bytes of `content`, "
        "as every signed document of the bus (SigningDocument)"
    )
    sha256: str
    content: dict[str, Any] = Field(description="the act: the number, both parties, the list")
    created_at: datetime
    provider_signed_by: str | None
    provider_signed_at: datetime | None
    head_signed_by: str | None
    head_signed_at: datetime | None


class ArchiveItemRecord(Contract):
    """M16: the paper basis of one application kept at its front office."""

    application_id: UUID
    number: str
    office: str
    region: str
    applicant_name: str
    action: Action
    machine_id: str
    documents: list[str] = Field(description="codes of the documents the office holds")
    sent_at: datetime | None
    keep_until: date = Field(description="the last day the office keeps it (Asia/Almaty)")
    leave_from: date = Field(description="the first day it may leave: the day after keepUntil")
    due: bool = Field(description="the month is over: it may be taken away today")
    act_id: UUID | None = Field(description="the acceptance act it is listed in, if any")
