"""Requests and answers of the portal's REST API: the contract for dealers, buyers and the
police desk (JSON in camelCase)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from registration_service.models import Application, Certificate, Check, Notification, PoliceCase
from registration_service.states import step_of
from servicekit.identifiers import Iin, Vin


class Contract(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class PlateType(StrEnum):
    """The form of the plate (V15): the same number, a different blank."""

    STANDARD = "STANDARD"
    """Type 1, 520 × 112 mm."""
    SQUARE = "SQUARE"
    """Type 1А, 290 × 170 mm, for a vehicle with a square niche."""


class VinIn(Contract):
    vin: Vin


class BuyerIn(Contract):
    iin: Iin


class SignatureIn(Contract):
    cms: str = Field(
        min_length=16,
        max_length=64_000,
        description="detached CMS (base64 of DER) over the document of GET …/document",
    )


class PickupIn(Contract):
    centre_id: str = Field(min_length=1, max_length=40, description="from GET /centres")
    plate_type: PlateType


class PlateIn(Contract):
    plate: str | None = Field(
        default=None,
        max_length=20,
        description="the number chosen from the offer; leave out to take the number reserved "
        "for you in БМГ",
    )


class DecisionIn(Contract):
    approve: bool
    reason: str | None = Field(
        default=None, min_length=3, max_length=1000, description="required to refuse"
    )
    cms: str = Field(
        min_length=16, max_length=64_000, description="detached CMS over GET …/decision-document"
    )


class CheckView(Contract):
    step: str
    service_id: str
    message_id: str
    outcome: str
    code: str | None
    answer: dict[str, Any] | None
    checked_at: datetime

    @classmethod
    def of(cls, check: Check) -> CheckView:
        return cls(
            step=check.step,
            service_id=check.service_id,
            message_id=check.message_id,
            outcome=check.outcome,
            code=check.code,
            answer=check.answer,
            checked_at=check.checked_at,
        )


class ApplicationView(Contract):
    id: str
    number: str
    state: str
    step: str = Field(description="the step the application waits in (V2…V22)")
    dealer_bin: str
    dealer_name: str
    vin: str | None
    vehicle: dict[str, Any] | None
    buyer_iin: str | None
    buyer_name: str | None
    contract: dict[str, Any] | None
    seller_signed_at: datetime | None
    accepted_at: datetime | None
    unpaid_fines: list[Any] | None
    centre_id: str | None
    region_code: str | None
    plate_type: str | None
    plate: str | None
    plate_source: str | None
    plate_reserved_until: datetime | None
    invoice: dict[str, Any] | None
    paid_at: datetime | None
    buyer_signed_at: datetime | None
    submitted_at: datetime | None
    decision: dict[str, Any] | None
    certificate_number: str | None
    handed_over_at: datetime | None
    refusal: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    checks: list[CheckView] | None = Field(
        default=None, description="every registry check with its messageId (one application)"
    )

    @classmethod
    def of(cls, app: Application, checks: list[Check] | None = None) -> ApplicationView:
        buyer = app.buyer or {}
        name = " ".join(
            part
            for part in (buyer.get("lastName"), buyer.get("firstName"), buyer.get("middleName"))
            if part
        )
        decision = dict(app.decision) if app.decision else None
        if decision:
            decision.pop("signature", None)
        return cls(
            id=app.id,
            number=app.number,
            state=app.state,
            step=step_of(app.state),
            dealer_bin=app.dealer_bin,
            dealer_name=app.dealer_name,
            vin=app.vin,
            vehicle=app.vehicle,
            buyer_iin=app.buyer_iin,
            buyer_name=name or None,
            contract=app.contract,
            seller_signed_at=app.seller_signed_at,
            accepted_at=app.accepted_at,
            unpaid_fines=app.unpaid_fines,
            centre_id=app.centre_id,
            region_code=app.region_code,
            plate_type=app.plate_type,
            plate=app.plate,
            plate_source=app.plate_source,
            plate_reserved_until=app.plate_reserved_until,
            invoice=app.invoice,
            paid_at=app.paid_at,
            buyer_signed_at=app.buyer_signed_at,
            submitted_at=app.submitted_at,
            decision=decision,
            certificate_number=app.certificate_number,
            handed_over_at=app.handed_over_at,
            refusal=app.refusal,
            created_at=app.created_at,
            updated_at=app.updated_at,
            checks=[CheckView.of(c) for c in checks] if checks is not None else None,
        )


class SigningDocument(Contract):
    """Sign `document` (base64) as it is, with a detached CMS (NCALayer's
    `createCAdESFromBase64(…, attach=false)`); `content` is the same document, readable."""

    document: str
    sha256: str
    content: dict[str, Any]


class NotificationView(Contract):
    id: int
    application_id: str
    kind: str
    step: str
    messages: dict[str, str]
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, n: Notification) -> NotificationView:
        return cls(
            id=n.id,
            application_id=n.application_id,
            kind=n.kind,
            step=n.step,
            messages=n.texts,
            created_at=n.created_at,
            read_at=n.read_at,
        )


class CentreView(Contract):
    id: str
    region_code: str
    name: str
    name_kk: str
    address: str


class PlateOffer(Contract):
    """V16: the number reserved for the buyer in БМГ, or free numbers of the ЦОН's region.
    Increased-demand and stored numbers are never offered."""

    reserved: str | None
    free: list[str]
    next_after: str | None


class PoliceCaseView(Contract):
    """V19: an application in the police desk's inbox, with what the officer decides on."""

    application_id: str
    number: str
    region_code: str
    received_at: datetime
    decided_at: datetime | None
    decision: str | None
    automatic: bool
    application: ApplicationView

    @classmethod
    def of(
        cls, case: PoliceCase, app: Application, checks: list[Check] | None = None
    ) -> PoliceCaseView:
        return cls(
            application_id=case.application_id,
            number=case.number,
            region_code=case.region_code,
            received_at=case.received_at,
            decided_at=case.decided_at,
            decision=case.decision,
            automatic=case.automatic,
            application=ApplicationView.of(app, checks),
        )


class DigitalDocument(Contract):
    """The owner's СРТС as a digital document (V19): the data printed on it; the PDF is at
    `pdfUrl`."""

    number: str
    kind: str = "VEHICLE_REGISTRATION_CERTIFICATE"
    application_id: str
    issued_on: date
    data: dict[str, Any]
    pdf_sha256: str
    pdf_url: str

    @classmethod
    def of(cls, certificate: Certificate) -> DigitalDocument:
        return cls(
            number=certificate.number,
            application_id=certificate.application_id,
            issued_on=certificate.issued_on,
            data=certificate.data,
            pdf_sha256=hashlib.sha256(certificate.pdf).hexdigest(),
            pdf_url=f"/cabinet/documents/{certificate.number}/pdf",
        )


class PolicyView(Contract):
    """The portal's policy that testers may change at run time (admin API)."""

    auto_decision: bool = Field(description="the police desk approves clean applications (V19)")
