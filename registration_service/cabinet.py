"""The buyer's part in the personal cabinet, V10–V18: accept or decline, the re-checks and
fines (V11–V14), the ЦОН and plate type (V15), the number (V16), payment (V17), signature
(V18) and submission to the police (V19)."""

from __future__ import annotations

import structlog

from registration_service import signing
from registration_service.deal_checks import buyer_person, sale_contract, vehicle_passport
from registration_service.documents import buyer_document
from registration_service.models import Application
from registration_service.portal import Portal, require_state
from registration_service.schemas import PlateOffer, PlateType
from registration_service.states import State, step_of
from registration_service.submission import submit
from servicekit.clock import instant
from servicekit.errors import StepRefusal
from servicekit.messages import tenge, texts_for
from servicekit.registries.erap_fines import FINES_BY_IIN, FinesRequest
from servicekit.registries.number_bank import (
    FREE_NUMBERS,
    RELEASE,
    RESERVE,
    RESERVED_NUMBER,
    FreeNumbersRequest,
    ReleaseRequest,
    Reservation,
    ReservedNumberRequest,
    ReserveRequest,
)
from servicekit.registries.payments import (
    CREATE_INVOICE,
    INVOICE_STATUS,
    CreateInvoiceRequest,
    InvoiceStatusRequest,
    Item,
)
from servicekit.service_centres import service_centre
from servicekit.states import set_state
from servicekit.tokens import Principal

log = structlog.get_logger(__name__)

FEES = ("VEHICLE_REGISTRATION_FEE", "REGISTRATION_CERTIFICATE", "PLATE")
"""V17: the registration fee, the certificate (СРТС) and the plate (kz-reference §6)."""
PLATE_KIND = "VEHICLE_INDIVIDUAL"


def require_person(principal: Principal) -> str:
    if principal.bin is not None:
        raise StepRefusal("NOT_A_PERSON", "V10", status=403, field="Authorization")
    return principal.iin


async def accept(portal: Portal, app: Application) -> Application:
    """V10 accepted (or V14 submitted again): V11 ГБД ФЛ, V12 ЭПТС, V13 contract, V14 ЕРАП."""
    require_state(app, State.V10_AWAITING_BUYER_CONSENT, State.V14_AWAITING_FINES_PAYMENT)
    assert app.buyer_iin is not None
    if await buyer_person(portal, app, app.buyer_iin, "V11") is None:
        return await portal.save(app)
    if await vehicle_passport(portal, app, "V12") is None:
        return await portal.save(app)
    if not await sale_contract(portal, app, "V13"):
        return await portal.save(app)

    answer = await portal.checks.ask(
        "V14",
        FINES_BY_IIN,
        FinesRequest(iin=app.buyer_iin),
        application_id=app.id,
        subject=app.buyer_iin,
        judge=lambda fines: "FINES_UNPAID" if fines.unpaid_count else None,
    )
    app.accepted_at = app.accepted_at or portal.now()
    if answer.failure is not None:
        fines = answer.answer
        unpaid = [fine.model_dump(mode="json", by_alias=True) for fine in fines.unpaid]
        app.unpaid_fines = unpaid
        set_state(app, State.V14_AWAITING_FINES_PAYMENT)
        params = {"count": len(unpaid), "total": tenge(fines.unpaid_total)}
        portal.notify(app, "FINES_UNPAID", "V14", texts_for("FINES_UNPAID").render(params))
        return await portal.save(app)
    app.unpaid_fines = None
    set_state(app, State.V15_AWAITING_PICKUP_CHOICE)
    return await portal.save(app)


BEFORE_SUBMISSION = (
    State.V10_AWAITING_BUYER_CONSENT,
    State.V14_AWAITING_FINES_PAYMENT,
    State.V15_AWAITING_PICKUP_CHOICE,
    State.V16_AWAITING_PLATE,
    State.V17_AWAITING_PAYMENT,
    State.V18_AWAITING_BUYER_SIGNATURE,
)


async def decline(portal: Portal, app: Application) -> Application:
    """V10: the buyer may decline, and may still withdraw until signing (V18); the
    application ends and the number it holds goes back to БМГ."""
    require_state(app, *BEFORE_SUBMISSION)
    step = step_of(app.state)
    await release_plate(portal, app, step)
    portal.refuse(app, "BUYER_DECLINED", step, None, final=State.DECLINED)
    return await portal.save(app)


async def release_plate(portal: Portal, app: Application, step: str) -> None:
    """Give the application's number back to БМГ; if БМГ is away, its hold runs out."""
    if app.plate is None or app.buyer_iin is None:
        return
    release = ReleaseRequest(
        plate=app.plate, iin=app.buyer_iin, idempotency_key=f"{app.id}:release"
    )
    try:
        await portal.checks.ask(step, RELEASE, release, application_id=app.id, subject=app.plate)
    except StepRefusal:
        log.warning("plate not released, its hold will expire", application=app.number)


async def choose_pickup(
    portal: Portal, app: Application, centre_id: str, plate_type: PlateType
) -> Application:
    """V15: the ЦОН of the pilot where the documents will be handed out, and the plate type."""
    require_state(app, State.V15_AWAITING_PICKUP_CHOICE, State.V16_AWAITING_PLATE)
    centre = service_centre(centre_id)
    if centre is None:
        raise StepRefusal("CENTRE_UNKNOWN", "V15", field="centreId", centre=centre_id)
    app.centre_id, app.region_code, app.plate_type = centre.id, centre.region_code, plate_type
    set_state(app, State.V16_AWAITING_PLATE)
    return await portal.save(app)


async def plate_offer(
    portal: Portal, app: Application, after: str | None, pattern: str | None
) -> PlateOffer:
    """V16: the number reserved for the buyer in БМГ, or else free numbers of the region."""
    require_state(app, State.V16_AWAITING_PLATE)
    reserved = await _reserved(portal, app)
    if reserved is not None:
        return PlateOffer(reserved=reserved.plate, free=[], next_after=None)
    query = FreeNumbersRequest(
        region_code=app.region_code,
        kind=PLATE_KIND,
        limit=20,
        after=after or None,
        pattern=pattern or None,
    )
    answer = await portal.checks.ask(
        "V16", FREE_NUMBERS, query, application_id=app.id, subject=app.region_code or ""
    )
    if answer.value is None or not answer.passed:
        raise StepRefusal("PLATE_NOT_OFFERED", "V16", field="pattern", plate=pattern or "—")
    return PlateOffer(reserved=None, free=answer.value.plates, next_after=answer.value.next_after)


async def _reserved(portal: Portal, app: Application) -> Reservation | None:
    """The buyer's live reservation in БМГ in the ЦОН's region, if there is one."""
    assert app.buyer_iin is not None
    answer = await portal.checks.ask(
        "V16",
        RESERVED_NUMBER,
        ReservedNumberRequest(iin=app.buyer_iin),
        application_id=app.id,
        subject=app.buyer_iin,
    )
    # A number the portal reserved for another application (БМГ keeps the application's
    # number as the reference) or one another application took is not this one's.
    taken = await portal.applications.plates_of_buyer(app.buyer_iin, app.id)
    reservations = answer.value.reservations if answer.value is not None else []
    for reservation in reservations:
        plate = reservation.plate
        ours = reservation.reference in (None, app.number)
        if ours and plate.endswith(app.region_code or "--") and plate not in taken:
            return reservation
    return None


async def choose_plate(portal: Portal, app: Application, plate: str | None) -> Application:
    """V16: take the reserved number, or reserve the chosen free one (atomically, in БМГ);
    then V17: the invoice for the fees in ПШЭП."""
    require_state(app, State.V16_AWAITING_PLATE)
    assert app.buyer_iin is not None
    reserved = await _reserved(portal, app)
    if reserved is not None:
        if plate is not None and plate != reserved.plate:
            raise StepRefusal("PLATE_NOT_OFFERED", "V16", field="plate", plate=plate)
        app.plate, app.plate_source = reserved.plate, "RESERVED_FOR_BUYER"
        app.plate_reserved_until = reserved.reserved_until
    else:
        if plate is None:
            raise StepRefusal("PLATE_NOT_OFFERED", "V16", field="plate", plate="—")
        plate = " ".join(plate.upper().split())
        if not plate.endswith(app.region_code or "--"):
            raise StepRefusal("PLATE_NOT_OFFERED", "V16", field="plate", plate=plate)
        answer = await portal.checks.ask(
            "V16",
            RESERVE,
            ReserveRequest(
                plate=plate,
                iin=app.buyer_iin,
                idempotency_key=f"{app.id}:V16:{plate}",
                hold_minutes=portal.settings.plate_hold_minutes,
                reference=app.number,
            ),
            application_id=app.id,
            subject=plate,
        )
        if answer.failure == "PLATE_TAKEN":
            raise StepRefusal("PLATE_ALREADY_TAKEN", "V16", status=409, field="plate", plate=plate)
        if answer.failure == "RESERVATION_LIMIT":
            raise StepRefusal("PLATE_RESERVATION_LIMIT", "V16", status=409, field="plate")
        if answer.failure is not None:
            log.info("БМГ refused the number", application=app.number, code=answer.failure)
            raise StepRefusal("PLATE_NOT_OFFERED", "V16", field="plate", plate=plate)
        app.plate, app.plate_source = plate, "CHOSEN"
        app.plate_reserved_until = answer.answer.reserved_until
    await _invoice(portal, app, attempt=1)
    set_state(app, State.V17_AWAITING_PAYMENT)
    return await portal.save(app)


async def _invoice(portal: Portal, app: Application, attempt: int) -> None:
    """V17: one invoice per application (and per expiry): the key makes a retry harmless."""
    answer = await portal.checks.ask(
        "V17",
        CREATE_INVOICE,
        CreateInvoiceRequest(
            payer_iin=app.buyer_iin,
            items=[Item(purpose=purpose) for purpose in FEES],
            reference=app.number,
            idempotency_key=f"{app.id}:V17:{attempt}",
        ),
        application_id=app.id,
        subject=app.buyer_iin or "",
    )
    if answer.value is None or not answer.passed:
        raise StepRefusal(
            "REGISTRY_UNAVAILABLE", "V17", status=503, registry=CREATE_INVOICE.registry
        )
    invoice = answer.value.invoice
    app.invoice_number = invoice.number
    app.invoice = {
        "number": invoice.number,
        "items": [item.model_dump(mode="json", by_alias=True) for item in invoice.items],
        "total": invoice.total,
        "mrp": invoice.mrp,
        "status": invoice.status,
        "expiresAt": instant(invoice.expires_at),
        "attempt": attempt,
    }


async def check_payment(portal: Portal, app: Application) -> Application:
    """V17: the application goes on only when ПШЭП says the invoice is paid. An expired
    invoice is replaced by a new one (and the answer says so)."""
    require_state(app, State.V17_AWAITING_PAYMENT)
    assert app.invoice is not None
    assert app.invoice_number is not None
    answer = await portal.checks.ask(
        "V17",
        INVOICE_STATUS,
        InvoiceStatusRequest(invoice_number=app.invoice_number),
        application_id=app.id,
        subject=app.invoice_number,
        judge=lambda a: None if a.status == "PAID" else "INVOICE_NOT_PAID",
    )
    known = answer.value
    status = known.status if known is not None else None
    if status == "EXPIRED":
        await _invoice(portal, app, attempt=int(app.invoice.get("attempt", 1)) + 1)
        return await portal.save(app)
    if status != "PAID" or known is None or known.paid_at is None:
        raise StepRefusal(
            "INVOICE_NOT_PAID",
            "V17",
            status=409,
            invoice=app.invoice_number,
        )
    app.invoice = {
        **app.invoice,
        "status": "PAID",
        "receiptNumber": known.receipt_number,
    }
    app.paid_at = known.paid_at
    set_state(app, State.V18_AWAITING_BUYER_SIGNATURE)
    return await portal.save(app)


async def sign(portal: Portal, app: Application, cms: str) -> Application:
    """V18: the buyer's ЭЦП over the application (the ИИН must be the buyer's); then V19: the
    application goes to the administrative police of the ЦОН's region."""
    require_state(app, State.V18_AWAITING_BUYER_SIGNATURE)
    signer = await signing.verify(portal, "V18", app.id, buyer_document(app), cms)
    if signer.iin != app.buyer_iin or signer.bin is not None:
        raise StepRefusal("SIGNER_NOT_BUYER", "V18", field="cms")
    app.buyer_signed_at, app.buyer_signature = portal.now(), cms
    await submit(portal, app)
    return await portal.save(app)
