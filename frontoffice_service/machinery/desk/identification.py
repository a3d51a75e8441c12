"""M4, M5, M6.1, M7: the application is opened for the visitor at the window — the ID, the
applicant, the face and, for a representative, the power of attorney."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import Worker
from frontoffice_service.identity import check_visitor
from frontoffice_service.machinery.catalogue import Applicant, require_pilot
from frontoffice_service.machinery.desk.repository import DeskRepository
from frontoffice_service.machinery.desk.schemas import MachineryApplicationIn
from frontoffice_service.machinery.desk.tickets import called_submission_ticket, visit_over
from frontoffice_service.machinery.models import (
    ApplicationStatus,
    MachineryApplication,
    VisitorRole,
)
from frontoffice_service.machinery.states import refuse
from frontoffice_service.registries import ask
from frontoffice_service.settings import Settings
from servicekit.clock import ALMATY
from servicekit.correlation import correlate
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.registries.gbd_fl import (
    BIOMETRIC_VERIFICATION,
    GBD_FL,
    PERSON_BY_IIN,
    BiometricRequest,
    PersonRequest,
)
from servicekit.registries.gbd_ul import GBD_UL, ORGANIZATION_BY_BIN, OrganizationRequest
from servicekit.registries.notary import (
    POWER_OF_ATTORNEY,
    PowerOfAttorney,
    PowerOfAttorneyRequest,
)

log = structlog.get_logger(__name__)


async def open_application(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    settings: Settings,
    worker: Worker,
    request: MachineryApplicationIn,
    now: datetime,
) -> MachineryApplication:
    """M4 scope, the ticket (M5), then M6.1: the ID in ГБД ФЛ, the applicant (a living person or
    an active legal entity), the face (M7) and, for a representative, the power of attorney in
    ЕНИС. The ID and the registries' answers come first; a failed face or power is a kept
    refusal."""
    office = worker.office
    today = now.astimezone(ALMATY).date()
    require_pilot(settings, office.id, today)
    ticket = await called_submission_ticket(session, office.id, str(request.ticket_id))
    # Named before the first registry call, so that M6.1's calls are the application's too.
    application_id = str(uuid.uuid4())
    correlate(application_id)
    visitor = request.visitor
    await check_visitor(gateway, visitor.iin, visitor.identification, step="M6.1")
    visitor_name = await _person_name(gateway, visitor.iin, field="visitor.iin")
    applicant_name = await _applicant_name(gateway, request, visitor_name)
    repository = DeskRepository(session)
    number = await repository.next_number(office.id, today)
    app = MachineryApplication(
        id=application_id,
        number=f"M-{office.id}-{today:%Y%m%d}-{number:03d}",
        office=office.id,
        region=office.region_code,
        ticket_id=ticket.id,
        status=ApplicationStatus.IDENTIFIED,
        action=request.action,
        machine_kind=request.machine.kind,
        first_registration=request.first_registration,
        machine_id=request.machine.id,
        plate=request.machine.plate,
        applicant_kind=request.applicant.kind,
        applicant_iin=request.applicant.iin,
        applicant_bin=request.applicant.bin,
        applicant_name=applicant_name,
        phone=request.phone,
        visitor_iin=visitor.iin,
        visitor_name=visitor_name,
        visitor_role=visitor.role,
        identification=visitor.identification.kind,
        id_card_number=visitor.identification.number,
        created_at=now,
        created_by=worker.iin,
        updated_at=now,
    )
    await _face_and_power(gateway, app, request, now)
    await repository.add(app)
    if app.status is ApplicationStatus.REFUSED:
        await visit_over(session, app, now)
    return app


async def _applicant_name(
    gateway: GatewayClient, request: MachineryApplicationIn, visitor_name: str
) -> str:
    """M6.1: the applicant as ГБД ФЛ or ГБД ЮЛ knows them, and the visitor's role towards
    them."""
    visitor, applicant = request.visitor, request.applicant
    if applicant.kind is Applicant.PERSON:
        assert applicant.iin is not None
        if visitor.role is VisitorRole.APPLICANT and visitor.iin != applicant.iin:
            raise StepRefusal("VISITOR_NOT_APPLICANT", step="M6.1", field="visitor.role")
        if visitor.role is VisitorRole.REPRESENTATIVE and visitor.iin == applicant.iin:
            raise StepRefusal("REPRESENTATIVE_IS_APPLICANT", step="M6.1", field="visitor.role")
        if visitor.iin == applicant.iin:
            return visitor_name
        return await _person_name(gateway, applicant.iin, field="applicant.iin")
    assert applicant.bin is not None
    # A legal entity acts through a person: its head or an employee with the entity's own
    # power of attorney (a paper of the package, not a notarised one in ЕНИС).
    if visitor.role is not VisitorRole.REPRESENTATIVE:
        raise StepRefusal("ENTITY_NEEDS_REPRESENTATIVE", step="M6.1", field="visitor.role")
    return await _entity_name(gateway, applicant.bin)


async def _face_and_power(
    gateway: GatewayClient,
    app: MachineryApplication,
    request: MachineryApplicationIn,
    now: datetime,
) -> None:
    """M7: the face; M6.1: a person's representative's power of attorney in ЕНИС. A failure of
    either is a kept refusal: the application ends REFUSED."""
    visitor, applicant = request.visitor, request.applicant
    face = await ask(
        gateway,
        BIOMETRIC_VERIFICATION,
        BiometricRequest(iin=visitor.iin, photo=visitor.photo),
        step="M6.1",
        fields={"iin": "visitor.iin", "photo": "visitor.photo"},
    )
    app.biometrics = {"verdict": face.verdict, "score": face.score, "threshold": face.threshold}
    if not face.match:
        refuse(app, "M7", "BIOMETRICS_FAILED", now, verdict=face.verdict)
        log.info("M7 refusal", application=app.number, verdict=face.verdict)
        return
    if visitor.role is not VisitorRole.REPRESENTATIVE:
        return
    if applicant.kind is not Applicant.PERSON:
        app.power_of_attorney = {"kind": "ENTITY", "principalBin": applicant.bin}
        return
    assert applicant.iin is not None
    power = await ask(
        gateway,
        POWER_OF_ATTORNEY,
        PowerOfAttorneyRequest(
            principal_iin=applicant.iin,
            representative_iin=visitor.iin,
            number=visitor.power_of_attorney,
        ),
        step="M6.1",
        fields={
            "principalIin": "applicant.iin",
            "representativeIin": "visitor.iin",
            "number": "visitor.powerOfAttorney",
        },
    )
    if not power.valid or power.power_of_attorney is None:
        refuse(
            app,
            "M6.1",
            "POWER_OF_ATTORNEY_INVALID",
            now,
            reason=(power.messages or {}).get("ru", power.code or ""),
            registry_code=power.code or "",
        )
        return
    app.power_of_attorney = _power_record(power.power_of_attorney)


def _power_record(power: PowerOfAttorney) -> dict[str, object]:
    """What the application keeps of ЕНИС's power of attorney."""
    return {
        "number": power.number,
        "status": power.status,
        "issuedOn": power.issued_on.isoformat(),
        "validUntil": power.valid_until.isoformat(),
        "powers": power.powers,
        "notary": power.notary.model_dump(mode="json", by_alias=True),
    }


async def _person_name(gateway: GatewayClient, iin: str, *, field: str) -> str:
    answer = await ask(gateway, PERSON_BY_IIN, PersonRequest(iin=iin), step="M6.1")
    if not answer.found or answer.person is None:
        raise StepRefusal("APPLICANT_NOT_FOUND", step="M6.1", field=field, registry=GBD_FL)
    if answer.person.life_status != "ALIVE":
        raise StepRefusal(
            "APPLICANT_NOT_ALIVE",
            step="M6.1",
            field=field,
            registry=GBD_FL,
            life_status=answer.person.life_status,
        )
    return answer.person.full_name


async def _entity_name(gateway: GatewayClient, bin_: str) -> str:
    answer = await ask(gateway, ORGANIZATION_BY_BIN, OrganizationRequest(bin=bin_), step="M6.1")
    if not answer.found or answer.organization is None:
        raise StepRefusal("ENTITY_NOT_FOUND", step="M6.1", field="applicant.bin", registry=GBD_UL)
    if answer.organization.status != "ACTIVE":
        raise StepRefusal(
            "ENTITY_NOT_ACTIVE",
            step="M6.1",
            field="applicant.bin",
            registry=GBD_UL,
            status_name=answer.organization.status,
        )
    return answer.organization.name
