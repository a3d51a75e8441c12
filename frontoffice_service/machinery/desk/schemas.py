"""The contract of the front-office desk (M5–M9): what the worker sends."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from frontoffice_service.machinery.catalogue import Action, Applicant, MachineKind
from frontoffice_service.machinery.models import VisitorRole
from frontoffice_service.machinery.schemas import DocumentCode, MachineId, MachineryPlate
from frontoffice_service.schemas import Contract, Identification, Phone
from servicekit.identifiers import Bin, Iin


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
