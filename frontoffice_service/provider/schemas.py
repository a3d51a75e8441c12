"""The contract of the provider's desk (M10–M15): what the officer sends."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from frontoffice_service.machinery.schemas import MachineId, MachineryPlate, PassportNumber, SignIn
from frontoffice_service.schemas import Contract


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
