"""The deal's checks in the registries, each made twice: by the dealer before signing (V3 the
ЭПТС, V7 the buyer, V8 the contract) and again for the buyer after their consent (V12, V11,
V13), because the registries may have changed in between. A failed check refuses the
application at the step it was made for."""

from __future__ import annotations

from typing import Any

from registration_service.models import Application
from registration_service.portal import Portal
from servicekit.errors import StepRefusal
from servicekit.registries.gbd_fl import PERSON_BY_IIN, PersonAnswer, PersonRequest
from servicekit.registries.passports import (
    VEHICLE_PASSPORT,
    Passport,
    PassportAnswer,
    PassportRequest,
)
from servicekit.registries.sale_contracts import (
    SALE_CONTRACT,
    SaleContract,
    SaleContractAnswer,
    SaleContractRequest,
)


async def vehicle_passport(portal: Portal, app: Application, step: str) -> Passport | None:
    """V3 / V12: the ЭПТС must exist and be valid; in the pilot, the vehicle made in Kazakhstan.
    None when the application was refused."""
    assert app.vin is not None
    made_here_only = portal.settings.made_in_kazakhstan_only

    def judge(answer: PassportAnswer) -> str | None:
        passport = answer.passport
        if not answer.found or passport is None:
            return "VEHICLE_PASSPORT_MISSING"
        if passport.status != "VALID":
            return "VEHICLE_PASSPORT_INVALID"
        if made_here_only and passport.manufacturer.country != "KZ":
            return "VEHICLE_NOT_MADE_IN_KAZAKHSTAN"
        return None

    answer = await portal.checks.ask(
        step,
        VEHICLE_PASSPORT,
        PassportRequest(vin=app.vin),
        application_id=app.id,
        subject=app.vin,
        judge=judge,
    )
    passport = answer.value.passport if answer.value is not None else None
    if answer.failure is not None:
        portal.refuse(
            app,
            answer.failure,
            step,
            VEHICLE_PASSPORT.service_id,
            answer.message_id,
            vin=app.vin,
            status=passport.status_label if passport is not None else None,
            country=passport.manufacturer.country if passport is not None else None,
        )
        return None
    assert passport is not None
    return passport


async def buyer_person(
    portal: Portal, app: Application, iin: str, step: str
) -> dict[str, Any] | None:
    """V7 / V11: the buyer in ГБД ФЛ. None when refused. At V7 no data is not a refusal: the
    dealer may enter the ИИН again (422); at V11 it is."""

    def judge(answer: PersonAnswer) -> str | None:
        person = answer.person
        if not answer.found or person is None:
            return "BUYER_DATA_MISSING"
        if person.life_status == "DECEASED":
            return "BUYER_DECEASED"
        if person.life_status == "IIN_INVALIDATED":
            return "BUYER_IIN_INVALIDATED"
        return None

    answer = await portal.checks.ask(
        step,
        PERSON_BY_IIN,
        PersonRequest(iin=iin),
        application_id=app.id,
        subject=iin,
        judge=judge,
    )
    if answer.failure == "BUYER_DATA_MISSING" and step == "V7":
        raise StepRefusal("BUYER_NOT_FOUND", "V7", status=422, field="iin")
    if answer.failure is not None:
        portal.refuse(app, answer.failure, step, PERSON_BY_IIN.service_id, answer.message_id)
        return None
    person = answer.answer.person
    assert person is not None
    return {
        "lastName": person.last_name,
        "firstName": person.first_name,
        "middleName": person.middle_name,
        "phone": person.phone,
        "regionCode": person.address.region_code,
    }


async def sale_contract(portal: Portal, app: Application, step: str) -> bool:
    """V8 / V13: a contract for this VIN between this seller and this buyer, signed by both."""
    assert app.vin is not None
    assert app.buyer_iin is not None

    def judge(answer: SaleContractAnswer) -> str | None:
        contract = answer.contract
        if not answer.found or contract is None:
            return "SALE_CONTRACT_MISSING"
        if contract.status != "SIGNED_BY_BOTH":
            return "SALE_CONTRACT_NOT_SIGNED"
        return None

    answer = await portal.checks.ask(
        step,
        SALE_CONTRACT,
        SaleContractRequest(vin=app.vin, seller_bin=app.dealer_bin, buyer_iin=app.buyer_iin),
        application_id=app.id,
        subject=app.vin,
        judge=judge,
    )
    contract: SaleContract | None = answer.value.contract if answer.value is not None else None
    if answer.failure is not None:
        portal.refuse(
            app,
            answer.failure,
            step,
            SALE_CONTRACT.service_id,
            answer.message_id,
            vin=app.vin,
            number=contract.number if contract is not None else "—",
        )
        return False
    assert contract is not None
    app.contract = {
        "number": contract.number,
        "contractDate": contract.contract_date.isoformat(),
        "priceKzt": contract.price_kzt,
    }
    return True
