"""The registries the machinery desks ask through the gateway (G2): ГБД ФЛ (the person, the
face), ГБД ЮЛ (the legal entity), ЕНИС (the power of attorney), ПШЭП (the fees) and ЭПСМ (the
machine's passport).

Each call reads only the part of the answer the desk needs (`extra="ignore"`, so a registry's
contract may grow). A registry's refusal of the request is passed on as the registry's own
(its code and texts, on the desk's field); a registry out of reach, slow or failing is a 503
naming it: no check, no decision (G3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from frontoffice_service.problems import Refusal, RegistryRefusal
from servicekit.gateway_client import GatewayClient, GatewayFault, GatewayUnreachable

log = structlog.get_logger(__name__)

GBD_FL, GBD_UL, ENIS, PAYMENTS, EPSM = "ГБД ФЛ", "ГБД ЮЛ", "ЕНИС", "ПШЭП", "ЭПСМ"


class Answer(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Person(Answer):
    iin: str
    last_name: str
    first_name: str
    middle_name: str | None = None
    life_status: str

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)


class PersonAnswer(Answer):
    found: bool
    person: Person | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class Organization(Answer):
    bin: str
    name: str
    status: str


class OrganizationAnswer(Answer):
    found: bool
    organization: Organization | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class BiometricAnswer(Answer):
    verdict: str
    match: bool
    score: float
    threshold: float
    code: str | None = None
    messages: dict[str, str] | None = None


class PowerOfAttorneyAnswer(Answer):
    found: bool
    valid: bool
    power_of_attorney: dict[str, Any] | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


class Receipt(Answer):
    invoice_number: str
    receipt_number: str
    reference: str | None = None
    """The invoice's reference: the application it was made for, if any."""
    paid_at: str
    amount: int


class PaymentAnswer(Answer):
    paid: bool
    purpose: str
    receipts: list[Receipt]


class MachinePassportAnswer(Answer):
    found: bool
    passport: dict[str, Any] | None = None
    code: str | None = None
    messages: dict[str, str] | None = None


async def ask(
    gateway: GatewayClient,
    service: str,
    data: dict[str, Any],
    *,
    registry: str,
    step: str,
    fields: Mapping[str, str] | None = None,
    unavailable: str = "REGISTRY_UNAVAILABLE",
) -> dict[str, Any]:
    """The registry's answer to `data`. Its refusal of the request is the desk's refusal as the
    registry put it (`RegistryRefusal`: its status, code and texts, on the desk's field named in
    `fields` for each field of `data`). Anything else that is not an answer — the registry or
    the gateway down, slow or failing, whatever the status — is a 503 `unavailable` to try
    again: no check, no decision (G3)."""
    try:
        answer: dict[str, Any] = (await gateway.call(service, data)).response_data.data
    except GatewayFault as exc:
        if exc.refusal is None:
            raise _unavailable(unavailable, registry, service, step, exc) from None
        log.info(
            "registry refused the request", service=service, code=exc.refusal.error_code, step=step
        )
        raise RegistryRefusal(
            exc.refusal, status=exc.status, step=step, registry=registry, fields=fields or {}
        ) from None
    except GatewayUnreachable as exc:
        raise _unavailable(unavailable, registry, service, step, exc) from None
    return answer


def _unavailable(code: str, registry: str, service: str, step: str, exc: Exception) -> Refusal:
    log.warning(
        "registry unavailable", registry=registry, service=service, step=step, error=str(exc)
    )
    return Refusal(code, step=step, status=503, registry=registry)


async def person(gateway: GatewayClient, iin: str, *, step: str) -> PersonAnswer:
    data = await ask(
        gateway, "GBDFL_UniversalServiceSync", {"iin": iin}, registry=GBD_FL, step=step
    )
    return PersonAnswer.model_validate(data)


async def organization(gateway: GatewayClient, bin_: str, *, step: str) -> OrganizationAnswer:
    data = await ask(
        gateway, "GBDUL_UniversalServiceSync", {"bin": bin_}, registry=GBD_UL, step=step
    )
    return OrganizationAnswer.model_validate(data)


async def face_match(gateway: GatewayClient, iin: str, photo: str) -> BiometricAnswer:
    data = await ask(
        gateway,
        "GBDFL_BiometricVerification",
        {"iin": iin, "photo": photo},
        registry=GBD_FL,
        step="M6.1",
        fields={"iin": "visitor.iin", "photo": "visitor.photo"},
    )
    return BiometricAnswer.model_validate(data)


async def power_of_attorney(
    gateway: GatewayClient, principal_iin: str, representative_iin: str, number: str | None
) -> PowerOfAttorneyAnswer:
    request = {"principalIin": principal_iin, "representativeIin": representative_iin}
    if number is not None:
        request["number"] = number
    data = await ask(
        gateway,
        "NOTARY_PowerOfAttorney",
        request,
        registry=ENIS,
        step="M6.1",
        fields={
            "principalIin": "applicant.iin",
            "representativeIin": "visitor.iin",
            "number": "visitor.powerOfAttorney",
        },
    )
    return PowerOfAttorneyAnswer.model_validate(data)


async def payments(
    gateway: GatewayClient, *, payer_iin: str | None, payer_bin: str | None, purpose: str
) -> PaymentAnswer:
    request: dict[str, Any] = {"purpose": purpose}
    if payer_iin is not None:
        request["payerIin"] = payer_iin
    if payer_bin is not None:
        request["payerBin"] = payer_bin
    data = await ask(
        gateway, "PAYMENTS_CheckByPayerPurpose", request, registry=PAYMENTS, step="M6.3"
    )
    return PaymentAnswer.model_validate(data)


async def machine_passport(gateway: GatewayClient, vin: str, *, step: str) -> MachinePassportAnswer:
    data = await ask(
        gateway,
        "EPSM_PassportByVin",
        {"vin": vin},
        registry=EPSM,
        step=step,
        fields={"vin": "machine.id"},
    )
    return MachinePassportAnswer.model_validate(data)


async def create_invoice(
    gateway: GatewayClient,
    *,
    payer_iin: str | None,
    payer_bin: str | None,
    purposes: list[str],
    reference: str,
    key: str,
) -> dict[str, Any]:
    request: dict[str, Any] = {
        "items": [{"purpose": p, "quantity": 1} for p in purposes],
        "reference": reference,
        "idempotencyKey": key,
    }
    if payer_iin is not None:
        request["payerIin"] = payer_iin
    if payer_bin is not None:
        request["payerBin"] = payer_bin
    data = await ask(gateway, "PAYMENTS_CreateInvoice", request, registry=PAYMENTS, step="M6.3")
    invoice: dict[str, Any] = data["invoice"]
    return invoice
