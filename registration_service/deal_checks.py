"""The deal's checks in the registries, each made twice: by the dealer before signing (V3 the
ЭПТС, V7 the buyer, V8 the contract) and again for the buyer after their consent (V12, V11,
V13), because the registries may have changed in between. A failed check refuses the
application at the step it was made for."""

from __future__ import annotations

from typing import Any

from registration_service.models import Application
from registration_service.portal import Portal
from registration_service.problems import StepProblem


async def vehicle_passport(portal: Portal, app: Application, step: str) -> dict[str, Any] | None:
    """V3 / V12: the ЭПТС must exist and be valid; in the pilot, the vehicle made in Kazakhstan.
    None when the application was refused."""
    assert app.vin is not None
    made_here_only = portal.settings.made_in_kazakhstan_only

    def judge(answer: dict[str, Any]) -> str | None:
        passport = answer.get("passport")
        if not answer.get("found") or passport is None:
            return "VEHICLE_PASSPORT_MISSING"
        if passport["status"] != "VALID":
            return "VEHICLE_PASSPORT_INVALID"
        if made_here_only and passport["manufacturer"]["country"] != "KZ":
            return "VEHICLE_NOT_MADE_IN_KAZAKHSTAN"
        return None

    answer = await portal.checks.ask(
        step,
        "EPTS_PassportByVin",
        {"vin": app.vin},
        application_id=app.id,
        subject=app.vin,
        judge=judge,
    )
    passport = answer.data.get("passport") or {}
    if answer.failure is not None:
        portal.refuse(
            app,
            answer.failure,
            step,
            "EPTS_PassportByVin",
            answer.message_id,
            vin=app.vin,
            status=passport.get("statusLabel", passport.get("status")),
            country=(passport.get("manufacturer") or {}).get("country"),
        )
        return None
    return passport


async def buyer_person(
    portal: Portal, app: Application, iin: str, step: str
) -> dict[str, Any] | None:
    """V7 / V11: the buyer in ГБД ФЛ. None when refused. At V7 no data is not a refusal: the
    dealer may enter the ИИН again (422); at V11 it is."""

    def judge(answer: dict[str, Any]) -> str | None:
        person = answer.get("person")
        if not answer.get("found") or person is None:
            return "BUYER_DATA_MISSING"
        if person["lifeStatus"] == "DECEASED":
            return "BUYER_DECEASED"
        if person["lifeStatus"] == "IIN_INVALIDATED":
            return "BUYER_IIN_INVALIDATED"
        return None

    answer = await portal.checks.ask(
        step,
        "GBDFL_UniversalServiceSync",
        {"iin": iin},
        application_id=app.id,
        subject=iin,
        judge=judge,
    )
    if answer.failure == "BUYER_DATA_MISSING" and step == "V7":
        raise StepProblem("BUYER_NOT_FOUND", "V7", status=422, field="iin")
    if answer.failure is not None:
        portal.refuse(app, answer.failure, step, "GBDFL_UniversalServiceSync", answer.message_id)
        return None
    person = answer.data["person"]
    return {
        "lastName": person["lastName"],
        "firstName": person["firstName"],
        "middleName": person.get("middleName"),
        "phone": person.get("phone"),
        "regionCode": person["address"]["regionCode"],
    }


async def sale_contract(portal: Portal, app: Application, step: str) -> bool:
    """V8 / V13: a contract for this VIN between this seller and this buyer, signed by both."""
    assert app.vin is not None
    assert app.buyer_iin is not None

    def judge(answer: dict[str, Any]) -> str | None:
        contract = answer.get("contract")
        if not answer.get("found") or contract is None:
            return "SALE_CONTRACT_MISSING"
        if contract["status"] != "SIGNED_BY_BOTH":
            return "SALE_CONTRACT_NOT_SIGNED"
        return None

    answer = await portal.checks.ask(
        step,
        "EDO_SaleContract",
        {"vin": app.vin, "sellerBin": app.dealer_bin, "buyerIin": app.buyer_iin},
        application_id=app.id,
        subject=app.vin,
        judge=judge,
    )
    contract = answer.data.get("contract") or {}
    if answer.failure is not None:
        portal.refuse(
            app,
            answer.failure,
            step,
            "EDO_SaleContract",
            answer.message_id,
            vin=app.vin,
            number=contract.get("number", "—"),
        )
        return False
    app.contract = {
        "number": contract["number"],
        "contractDate": contract["contractDate"],
        "priceKzt": contract["priceKzt"],
    }
    return True
