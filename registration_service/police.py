"""V19, the administrative police (УАП ДП) of the ЦОН's region: the desk's inbox, fed by the
`registration.submitted.<region>` messages; the decision, signed with the officer's ЭЦП; the
optional auto-decision rule for clean applications; on approval the plate issued in БМГ and
the СРТС ordered from the printing centre.

An officer sees and decides only the applications of the region in their token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from registration_service import signing
from registration_service.documents import decision_document
from registration_service.events import ApplicationSubmitted, PrintOrdered
from registration_service.models import Application, PoliceCase
from registration_service.portal import Portal, require_state
from registration_service.repository import PoliceCaseRepository
from registration_service.states import State
from servicekit.clock import instant
from servicekit.errors import StepRefusal
from servicekit.messages import Texts
from servicekit.registries.number_bank import (
    ANNUL,
    ISSUE,
    RELEASE,
    RESERVE,
    PlateOfObject,
    ReleaseRequest,
    ReserveRequest,
)
from servicekit.states import set_state
from servicekit.tokens import Principal

log = structlog.get_logger(__name__)

POLICE_ROLE = "police_officer"
AUTO_RULE = "AUTO_CLEAN_APPLICATION"
"""The auto-decision rule: every check of V1–V18 passed (which is how an application reaches
the desk), the fees paid and both signatures in place."""


@dataclass(frozen=True, slots=True)
class Officer:
    iin: str
    region_code: str


def require_officer(principal: Principal) -> Officer:
    region = principal.attributes.get("region")
    if not principal.has(POLICE_ROLE) or not region:
        raise StepRefusal("NOT_A_POLICE_OFFICER", "V19", status=403, field="Authorization")
    return Officer(principal.iin, region)


async def receive(session: AsyncSession, event: ApplicationSubmitted, now: datetime) -> bool:
    """Put the submitted application in its region's inbox; False for a redelivery."""
    return await PoliceCaseRepository(session).add_if_new(
        PoliceCase(
            application_id=event.application_id,
            event_id=str(event.event_id),
            number=event.number,
            region_code=event.region_code,
            received_at=now,
            automatic=False,
        )
    )


async def case_of(portal: Portal, officer: Officer, application_id: str) -> PoliceCase:
    """The case in the officer's inbox; another region's is as good as absent (404)."""
    case = await PoliceCaseRepository(portal.session).get(application_id)
    if case is None or case.region_code != officer.region_code:
        raise StepRefusal("APPLICATION_NOT_FOUND", "V19", status=404, field="applicationId")
    return case


async def decide(
    portal: Portal,
    case: PoliceCase,
    app: Application,
    *,
    officer: Officer,
    approve: bool,
    reason: str | None,
    cms: str,
) -> Application:
    """The officer's decision, signed with ЭЦП over GET …/decision-document."""
    require_state(app, State.V19_AWAITING_DECISION)
    if not approve and not reason:
        raise StepRefusal("POLICE_REASON_REQUIRED", "V19", field="reason")
    document = decision_document(app, approve, reason)
    signer = await signing.verify(portal, "V19", app.id, document, cms)
    if signer.iin != officer.iin:
        raise StepRefusal("SIGNER_NOT_OFFICER", "V19", field="cms")
    decided_by = {"officerIin": officer.iin, "certificateSerial": signer.serial_number}
    if approve:
        await _approve(portal, case, app, decided_by, signature=cms)
    else:
        assert reason is not None
        await _refuse(portal, case, app, decided_by, reason, signature=cms)
    case.officer_iin = officer.iin
    return await portal.save(app)


async def auto_decide(portal: Portal, case: PoliceCase, app: Application) -> bool:
    """The auto-decision rule (setting `auto_decision`): approve a clean application. False
    when the rule does not apply and the case waits for an officer."""
    clean = (
        app.state == State.V19_AWAITING_DECISION
        and app.paid_at is not None
        and app.seller_signature is not None
        and app.buyer_signature is not None
        and not app.unpaid_fines
    )
    if not clean or case.decided_at is not None:
        return False
    await portal.claim(app)
    # Set with the decision, so the case is written once.
    case.automatic = True
    await _approve(portal, case, app, {"rule": AUTO_RULE}, signature=None)
    await portal.save(app)
    return True


async def _approve(
    portal: Portal,
    case: PoliceCase,
    app: Application,
    decided_by: dict[str, str],
    *,
    signature: str | None,
) -> None:
    """The plate is issued to the owner in БМГ (once: the key is the application's, so an
    approval asked again after an issue whose answer was lost gets that issue's answer), and
    the СРТС is ordered from the printing centre."""
    await _issue_plate(portal, app)
    now = portal.now()
    app.decision = {
        "decision": "APPROVED",
        "at": instant(now),
        **decided_by,
        "signature": signature,
    }
    set_state(app, State.V19_PRINTING)
    case.decided_at, case.decision = now, "APPROVED"
    await portal.outbox.stage(
        portal.session,
        PrintOrdered(occurred_at=now, application_id=app.id, number=app.number),
    )
    portal.notify(app, "REGISTRATION_APPROVED", "V19", _APPROVED.render(_params(app)))
    log.info("registration approved", application=app.number, automatic=not signature)


async def _issue_plate(portal: Portal, app: Application) -> None:
    assert app.plate is not None
    assert app.buyer_iin is not None
    issue = PlateOfObject(
        plate=app.plate,
        iin=app.buyer_iin,
        vin=app.vin,
        idempotency_key=f"{app.id}:V19:issue",
    )
    answer = await portal.checks.ask("V19", ISSUE, issue, application_id=app.id, subject=app.plate)
    if answer.failure == "PLATE_NOT_RESERVED":
        # The buyer's hold ran out while the application waited: hold it again, then issue.
        hold = ReserveRequest(
            plate=app.plate,
            iin=app.buyer_iin,
            idempotency_key=f"{app.id}:V19:reserve",
            reference=app.number,
        )
        again = await portal.checks.ask(
            "V19", RESERVE, hold, application_id=app.id, subject=app.plate
        )
        if again.passed:
            # The same key: БМГ keeps no refusal under it, and a retry of this approval must
            # find whichever issue happened, not ask for a second one.
            answer = await portal.checks.ask(
                "V19", ISSUE, issue, application_id=app.id, subject=app.plate
            )
    if answer.failure is not None:
        raise StepRefusal(
            "PLATE_NOT_ISSUED", "V19", status=409, plate=app.plate, reason=answer.failure
        )


async def _refuse(
    portal: Portal,
    case: PoliceCase,
    app: Application,
    decided_by: dict[str, str],
    reason: str,
    *,
    signature: str,
) -> None:
    """A motivated refusal: the plate goes back to БМГ first, then the buyer is told why in
    the cabinet and by SMS."""
    now = portal.now()
    app.decision = {
        "decision": "REFUSED",
        "at": instant(now),
        "reason": reason,
        **decided_by,
        "signature": signature,
    }
    case.decided_at, case.decision = now, "REFUSED"
    await _give_back_plate(portal, app)
    portal.refuse(app, "POLICE_REFUSED", "V19", None, reason=reason)
    texts = app.refusal["messages"] if app.refusal else {}
    portal.notify(app, "REGISTRATION_REFUSED", "V19", texts)
    await portal.sms(app, texts.get("ru", reason))
    log.info("registration refused", application=app.number)


async def _give_back_plate(portal: Portal, app: Application) -> None:
    """The plate's hold released in БМГ or, if БМГ issued it, the issue annulled: a refusal
    never leaves a plate issued to the vehicle.

    An earlier approval whose BMG_Issue got no answer (a timeout, a dropped link, БМГ killed)
    may have had the plate issued, or may still have it issued by a request on its way. The
    release comes first: once the hold is gone, no late issue can take the plate. If there
    was no hold to release, БМГ's own record decides: an issue to this buyer and VIN is
    annulled; none (the hold ran out, nothing issued) leaves nothing to give back. Without
    БМГ's answer the refusal is not made (503, try again): its outcome is never guessed."""
    assert app.plate is not None
    assert app.buyer_iin is not None
    released = await portal.checks.ask(
        "V19",
        RELEASE,
        ReleaseRequest(plate=app.plate, iin=app.buyer_iin, idempotency_key=f"{app.id}:release"),
        application_id=app.id,
        subject=app.plate,
    )
    if released.failure != "PLATE_NOT_RESERVED":
        return
    annulled = await portal.checks.ask(
        "V19",
        ANNUL,
        PlateOfObject(
            plate=app.plate,
            iin=app.buyer_iin,
            vin=app.vin,
            idempotency_key=f"{app.id}:V19:annul",
        ),
        application_id=app.id,
        subject=app.plate,
    )
    if annulled.passed:
        log.info("issued plate annulled", application=app.number, plate=app.plate)


def _params(app: Application) -> dict[str, object]:
    return {"number": app.number, "plate": app.plate or "—", "vin": app.vin or "—"}


_APPROVED = Texts(
    "Регистрация по заявке {number} одобрена: номер {plate} выдан, СРТС печатается",
    "{number} өтінім бойынша тіркеу мақұлданды: {plate} нөмірі берілді, КҚТК басылуда",
    "Registration under application {number} is approved: plate {plate} is issued and the "
    "СРТС is being printed",
)
