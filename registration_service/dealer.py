"""The dealer's part, V1–V9: start, VIN (V3–V5), buyer (V7) and contract (V8), signature (V9).
The checks of V3, V7 and V8 are `deal_checks`'s: the buyer's cabinet makes them again (V11–V13)."""

from __future__ import annotations

import uuid
from typing import Any

from registration_service import signing
from registration_service.deal_checks import buyer_person, sale_contract, vehicle_passport
from registration_service.documents import seller_document
from registration_service.models import Application
from registration_service.portal import Portal, new_number, require_state
from registration_service.states import REGISTERED, State
from servicekit.errors import StepRefusal
from servicekit.labels import past
from servicekit.registries.customs import PAYMENTS_BY_VIN, PaymentsRequest
from servicekit.registries.gbd_ul import (
    ORGANIZATION_BY_BIN,
    OrganizationAnswer,
    OrganizationRequest,
)
from servicekit.registries.passports import (
    Passport,
)
from servicekit.registries.recycling_fee import FEE_BY_VIN, FeeRequest
from servicekit.signatures import ROLE_CEO, ROLE_MAY_SIGN
from servicekit.states import set_state
from servicekit.tokens import Principal


def require_dealer(principal: Principal) -> str:
    """The legal entity the employee acts for (the БИН in the token)."""
    if principal.bin is None or not principal.has("dealer_employee"):
        raise StepRefusal("NOT_A_DEALER", "V1", status=403, field="Authorization")
    return principal.bin


async def start(portal: Portal, principal: Principal) -> Application:
    """V1: the pilot's period, then the seller's ОКЭД in ГБД ЮЛ. A refusal keeps nothing."""
    dealer_bin = require_dealer(principal)
    settings, today = portal.settings, portal.today()
    if not settings.pilot_start <= today <= settings.pilot_end:
        raise StepRefusal(
            "PILOT_NOT_ACTIVE",
            "V1",
            status=422,
            start=settings.pilot_start.strftime("%d.%m.%Y"),
            end=settings.pilot_end.strftime("%d.%m.%Y"),
        )
    application_id = str(uuid.uuid4())

    def judge(answer: OrganizationAnswer) -> str | None:
        organization = answer.organization
        if not answer.found or organization is None:
            return "SELLER_NOT_FOUND"
        if organization.status != "ACTIVE":
            return "SELLER_NOT_ACTIVE"
        if not any(oked.code in settings.vehicle_trade_okeds for oked in organization.okeds):
            return "SELLER_NOT_VEHICLE_TRADER"
        return None

    answer = await portal.checks.ask(
        "V1",
        ORGANIZATION_BY_BIN,
        OrganizationRequest(bin=dealer_bin),
        application_id=application_id,
        subject=dealer_bin,
        judge=judge,
    )
    organization = answer.value.organization if answer.value is not None else None
    if answer.failure is not None:
        status = organization.status if organization is not None else None
        raise StepRefusal(answer.failure, "V1", status=422, bin=dealer_bin, org_status=status)
    assert organization is not None
    now = portal.now()
    application = Application(
        id=application_id,
        number=new_number(portal.today()),
        state=State.V2_AWAITING_VIN,
        dealer_bin=dealer_bin,
        dealer_name=organization.name,
        created_by_iin=principal.iin,
        created_at=now,
        updated_at=now,
    )
    portal.applications.add(application)
    await portal.applications.save(application)
    return application


async def enter_vin(portal: Portal, app: Application, vin: str) -> Application:
    """V2: the VIN; V3 ЭПТС, V4 customs, V5 recycling fee, in that order."""
    require_state(app, State.V2_AWAITING_VIN)
    other = await portal.applications.other_for_vin(vin, app.id)
    if other is not None:
        code = "VIN_ALREADY_REGISTERED" if other.state in REGISTERED else "VIN_APPLICATION_OPEN"
        raise StepRefusal(code, "V2", status=409, field="vin", vin=vin, number=other.number)
    app.vin = vin
    passport = await vehicle_passport(portal, app, "V3")
    if passport is None:
        return await portal.save(app)
    customs = await portal.checks.ask(
        "V4",
        PAYMENTS_BY_VIN,
        PaymentsRequest(vin=vin),
        application_id=app.id,
        subject=vin,
        judge=lambda a: _paid(a.found, a.paid, "CUSTOMS_RECORD_MISSING", "CUSTOMS_UNPAID"),
    )
    if customs.failure is not None:
        service_id = PAYMENTS_BY_VIN.service_id
        portal.refuse(app, customs.failure, "V4", service_id, customs.message_id, vin=vin)
        return await portal.save(app)
    fee = await portal.checks.ask(
        "V5",
        FEE_BY_VIN,
        FeeRequest(vin=vin),
        application_id=app.id,
        subject=vin,
        judge=lambda a: _paid(a.found, a.paid, "RECYCLING_FEE_MISSING", "RECYCLING_FEE_UNPAID"),
    )
    if fee.failure is not None:
        portal.refuse(app, fee.failure, "V5", FEE_BY_VIN.service_id, fee.message_id, vin=vin)
        return await portal.save(app)
    app.vehicle = _vehicle(passport)
    set_state(app, State.V6_AWAITING_BUYER)
    return await portal.save(app)


def _paid(found: bool, paid: bool, missing: str, unpaid: str) -> str | None:
    """V4 / V5: a record of the payment, and the payment made."""
    if not found:
        return missing
    return None if paid else unpaid


async def enter_buyer(portal: Portal, app: Application, iin: str) -> Application:
    """V6: the buyer's ИИН; V7 ГБД ФЛ (no data: enter a correct ИИН), then V8 the contract."""
    require_state(app, State.V6_AWAITING_BUYER)
    person = await buyer_person(portal, app, iin, "V7")
    if person is None:
        return await portal.save(app)
    app.buyer_iin, app.buyer = iin, person
    if await sale_contract(portal, app, "V8"):
        set_state(app, State.V9_AWAITING_SELLER_SIGNATURE)
    return await portal.save(app)


SIGNING_ROLES = frozenset({ROLE_CEO, ROLE_MAY_SIGN})
"""НУЦ РК sub-roles that may sign for a legal entity: its head, or a person with the right."""


async def sign(portal: Portal, app: Application, principal: Principal, cms: str) -> Application:
    """V9: the dealer's ЭЦП over the application, by the employee signed in, with a certificate
    that gives the right to sign for the dealer's БИН (G4). Then V10: the buyer is notified."""
    require_state(app, State.V9_AWAITING_SELLER_SIGNATURE)
    signer = await signing.verify(portal, "V9", app.id, seller_document(app), cms)
    if signer.bin != app.dealer_bin:
        raise StepRefusal("SIGNER_NOT_SELLER", "V9", field="cms", bin=signer.bin or "—")
    if signer.iin != principal.iin:
        raise StepRefusal("SIGNER_NOT_SIGNED_IN", "V9", field="cms", iin=signer.iin or "—")
    # The БИН is in the certificate's subject (OU=BIN…), so these roles are for that БИН.
    if not SIGNING_ROLES.intersection(signer.roles):
        raise StepRefusal("SIGNER_NO_SIGNING_RIGHT", "V9", field="cms", bin=app.dealer_bin)
    now = portal.now()
    app.seller_signer_iin, app.seller_signed_at, app.seller_signature = signer.iin, now, cms
    set_state(app, State.V10_AWAITING_BUYER_CONSENT)
    portal.notify(app, "APPLICATION_TO_ACCEPT", "V10", _to_accept(app))
    return await portal.save(app)


def _to_accept(app: Application) -> dict[str, str]:
    vehicle = app.vehicle or {}
    what = f"{vehicle.get('make', '')} {vehicle.get('model', '')}, VIN {app.vin}".strip()
    return {
        "ru": f"{app.dealer_name} {past('подал', app.dealer_name)} заявку {app.number} на "
        f"регистрацию {what} на ваше имя: "
        "примите её или откажитесь",
        "kk": f"{app.dealer_name} сіздің атыңызға {what} тіркеуге {app.number} өтінім берді: "
        "қабылдаңыз немесе бас тартыңыз",
        "en": f"{app.dealer_name} filed application {app.number} to register {what} in your "
        "name: accept or decline it",
    }


def _vehicle(passport: Passport) -> dict[str, Any]:
    engine = passport.engine
    return {
        "vin": passport.vin,
        "passportNumber": passport.number,
        "make": passport.make,
        "model": passport.commercial_name,
        "category": passport.category,
        "year": passport.year_of_manufacture,
        "colour": passport.colour,
        "engineType": engine.type if engine is not None else None,
        "engineVolumeCc": engine.volume_cc if engine is not None else None,
        "enginePowerKw": engine.power_kw if engine is not None else None,
        "manufacturer": passport.manufacturer.name,
        "country": passport.manufacturer.country,
    }
