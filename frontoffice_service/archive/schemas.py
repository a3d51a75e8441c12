"""The contract of the archive (M16–M17)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import Field

from frontoffice_service.archive.models import ActStatus
from frontoffice_service.machinery.catalogue import Action
from frontoffice_service.schemas import Contract


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
