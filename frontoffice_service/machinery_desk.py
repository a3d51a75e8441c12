"""The front-office desk of the machinery service (M4–M9): the worker opens an application
for a called submission ticket, identifies the visitor (M6.1, M7), checks the package (M6.2,
M8) and the fees (M6.3), scans the documents (M6.4), forms the electronic application and signs
it (M6.5), and it goes to the provider of the office's region over the bus (M9).

A motivated refusal at the desk (M6.1 power of attorney, M7 face, M8 package) is kept: the
application ends REFUSED with its reasons in ru/kk/en, and answers 200 like any other state. A
mistake of the worker's input (an ID card that is not the person's, an unknown document code)
is a 4xx and changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from pydantic.alias_generators import to_camel
from sqlalchemy.ext.asyncio import AsyncSession

import frontoffice_service.machinery_problems  # noqa: F401  (the codes below)
from frontoffice_service import registries, scans
from frontoffice_service.access import Worker
from frontoffice_service.archive import keep_until
from frontoffice_service.identity import check_visitor
from frontoffice_service.machinery import (
    ACTION_NAMES,
    CHECKLISTS,
    FEES,
    Applicant,
    Item,
    Presented,
    checklist,
    missing,
    require_pilot,
)
from frontoffice_service.machinery_models import (
    ApplicationStatus,
    ArchiveStatus,
    FeeReceipt,
    MachineryApplication,
    MachineryScan,
    VisitorRole,
)
from frontoffice_service.machinery_repository import MachineryRepository
from frontoffice_service.machinery_schemas import MachineryApplicationIn, PackageIn
from frontoffice_service.models import QueueTicket, TicketKind, TicketStatus
from frontoffice_service.problems import Refusal
from frontoffice_service.repository import TicketRepository
from frontoffice_service.settings import Settings
from frontoffice_service.signing import require_signature
from servicekit.clock import ALMATY
from servicekit.documents import canonical, sha256
from servicekit.events import MachineryApplicationSent
from servicekit.gateway_client import GatewayClient
from servicekit.messages import texts_for
from servicekit.outbox import Outbox
from servicekit.service_centres import service_centre

log = structlog.get_logger(__name__)


def refuse(app: MachineryApplication, step: str, code: str, now: datetime, **params: Any) -> None:
    """End the application with a motivated refusal: the step, the code, the texts."""
    texts = texts_for(code).render(params)
    app.status = ApplicationStatus.REFUSED
    app.refusal = {"step": step, "code": code, "messages": texts, **_jsonable(params)}
    app.updated_at = now


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    # Localised params are already in the texts; the rest are facts worth keeping, named as
    # the rest of the contract names things.
    return {
        to_camel(k): v for k, v in params.items() if isinstance(v, str | int | float | bool | list)
    }


def _names(items: list[Item]) -> dict[str, str]:
    """The items' names joined, in each language (a localised param of a text)."""
    return {lang: ", ".join(getattr(i.names, lang) for i in items) for lang in ("ru", "kk", "en")}


# --- M5, M6.1, M7 -----------------------------------------------------------------------------


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
    ticket = await _called_submission_ticket(session, office.id, str(request.ticket_id))
    visitor = request.visitor
    await check_visitor(gateway, visitor.iin, visitor.identification, step="M6.1")
    visitor_name = await _person_name(gateway, visitor.iin, field="visitor.iin")

    applicant = request.applicant
    if applicant.kind is Applicant.PERSON:
        assert applicant.iin is not None
        if visitor.role is VisitorRole.APPLICANT and visitor.iin != applicant.iin:
            raise Refusal("VISITOR_NOT_APPLICANT", step="M6.1", field="visitor.role")
        if visitor.role is VisitorRole.REPRESENTATIVE and visitor.iin == applicant.iin:
            raise Refusal("REPRESENTATIVE_IS_APPLICANT", step="M6.1", field="visitor.role")
        applicant_name = (
            visitor_name
            if visitor.iin == applicant.iin
            else await _person_name(gateway, applicant.iin, field="applicant.iin")
        )
    else:
        assert applicant.bin is not None
        # A legal entity acts through a person: its head or an employee with the entity's own
        # power of attorney (a paper of the package, not a notarised one in ЕНИС).
        if visitor.role is not VisitorRole.REPRESENTATIVE:
            raise Refusal("ENTITY_NEEDS_REPRESENTATIVE", step="M6.1", field="visitor.role")
        applicant_name = await _entity_name(gateway, applicant.bin)

    repository = MachineryRepository(session)
    number = await repository.next_number(office.id, today)
    app = MachineryApplication(
        id=str(uuid.uuid4()),
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
        applicant_kind=applicant.kind,
        applicant_iin=applicant.iin,
        applicant_bin=applicant.bin,
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
    face = await registries.face_match(gateway, visitor.iin, visitor.photo)
    app.biometrics = {"verdict": face.verdict, "score": face.score, "threshold": face.threshold}
    if not face.match:
        refuse(app, "M7", "BIOMETRICS_FAILED", now, verdict=face.verdict)
        log.info("M7 refusal", application=app.number, verdict=face.verdict)
        await repository.add(app)
        await _visit_over(session, app, now)
        return app

    if visitor.role is VisitorRole.REPRESENTATIVE and applicant.kind is Applicant.PERSON:
        assert applicant.iin is not None
        power = await registries.power_of_attorney(
            gateway, applicant.iin, visitor.iin, visitor.power_of_attorney
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
            await repository.add(app)
            await _visit_over(session, app, now)
            return app
        app.power_of_attorney = _power_record(power.power_of_attorney)
    elif visitor.role is VisitorRole.REPRESENTATIVE:
        app.power_of_attorney = {"kind": "ENTITY", "principalBin": applicant.bin}
    await repository.add(app)
    return app


async def _visit_over(session: AsyncSession, app: MachineryApplication, now: datetime) -> None:
    """The visitor's ticket is served once the desk is done with them: the application sent,
    or refused there (a ticket the worker closed already stays as it is)."""
    await TicketRepository(session).finish(
        app.ticket_id, TicketStatus.SERVED, worker_iin=app.created_by, at=now
    )


def _power_record(power: dict[str, Any]) -> dict[str, Any]:
    keep = ("number", "status", "issuedOn", "validUntil", "powers", "notary")
    return {k: power[k] for k in keep if k in power}


async def _called_submission_ticket(
    session: AsyncSession, office: str, ticket_id: str
) -> QueueTicket:
    tickets = TicketRepository(session)
    ticket = await tickets.get(office, ticket_id)
    if ticket is None:
        raise Refusal(
            "TICKET_NOT_FOUND", step="M5", status=404, field="ticketId", ticket_id=ticket_id
        )
    if ticket.kind is not TicketKind.SUBMISSION:
        raise Refusal("TICKET_NOT_SUBMISSION", step="M5", field="ticketId", ticket=ticket.code)
    if ticket.status is not TicketStatus.CALLED:
        raise Refusal(
            "TICKET_NOT_CALLED",
            step="M5",
            status=409,
            field="ticketId",
            ticket=ticket.code,
            ticket_status=ticket.status.value,
        )
    return ticket


async def _person_name(gateway: GatewayClient, iin: str, *, field: str) -> str:
    answer = await registries.person(gateway, iin, step="M6.1")
    if not answer.found or answer.person is None:
        raise Refusal("APPLICANT_NOT_FOUND", step="M6.1", field=field, registry=registries.GBD_FL)
    if answer.person.life_status != "ALIVE":
        raise Refusal(
            "APPLICANT_NOT_ALIVE",
            step="M6.1",
            field=field,
            registry=registries.GBD_FL,
            life_status=answer.person.life_status,
        )
    return answer.person.full_name


async def _entity_name(gateway: GatewayClient, bin_: str) -> str:
    answer = await registries.organization(gateway, bin_, step="M6.1")
    if not answer.found or answer.organization is None:
        raise Refusal(
            "ENTITY_NOT_FOUND", step="M6.1", field="applicant.bin", registry=registries.GBD_UL
        )
    if answer.organization.status != "ACTIVE":
        raise Refusal(
            "ENTITY_NOT_ACTIVE",
            step="M6.1",
            field="applicant.bin",
            registry=registries.GBD_UL,
            status_name=answer.organization.status,
        )
    return answer.organization.name


# --- M6.2, M8 ---------------------------------------------------------------------------------


async def check_package(
    session: AsyncSession, app: MachineryApplication, request: PackageIn, now: datetime
) -> MachineryApplication:
    """M6.2: every document of the action's checklist present and valid, or M8: the refusal
    to accept the documents, listing what is missing or not valid."""
    _require(app, ApplicationStatus.IDENTIFIED, step="M6.2")
    known = {item.code for item in CHECKLISTS[app.action]}
    for index, document in enumerate(request.documents):
        if document.code not in known:
            raise Refusal(
                "DOCUMENT_NOT_IN_CHECKLIST",
                step="M6.2",
                field=f"documents[{index}].code",
                code_name=document.code,
                action=ACTION_NAMES[app.action].param(),
            )
    presented = [Presented(d.code, d.present, d.valid) for d in request.documents]
    app.package = [d.model_dump(mode="json") for d in request.documents]
    absent = missing(
        app.action, app.applicant_kind, presented, first_registration=app.first_registration
    )
    if absent:
        refuse(
            app,
            "M8",
            "PACKAGE_INCOMPLETE",
            now,
            documents=_names(absent),
            missing=[i.code for i in absent],
        )
        await _visit_over(session, app, now)
        return app
    app.status = ApplicationStatus.PACKAGE_ACCEPTED
    app.updated_at = now
    return app


# --- M6.3 -------------------------------------------------------------------------------------


async def check_fees(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication, now: datetime
) -> MachineryApplication:
    """M6.3: ПШЭП has a payment of the applicant for each purpose of the action that serves this
    application (of its own invoice, or made for no application and counted by no other).
    Unpaid is a 422 naming the purposes: the applicant may pay and the worker checks again."""
    _require(app, ApplicationStatus.PACKAGE_ACCEPTED, step="M6.3")
    repository = MachineryRepository(session)
    chosen, unpaid = await _receipts(repository, gateway, app)
    if unpaid:
        raise Refusal(
            "FEES_NOT_PAID",
            step="M6.3",
            registry=registries.PAYMENTS,
            extra={"unpaid": unpaid},
            purposes=", ".join(unpaid),
        )
    if not await repository.use_receipts(chosen):
        raise Refusal("FEES_TAKEN_MEANWHILE", step="M6.3", status=409)
    app.fees = [
        {"invoiceNumber": r.invoice_number, "purpose": r.purpose, "amount": r.amount}
        for r in chosen
    ]
    app.status = ApplicationStatus.FEES_CONFIRMED
    app.updated_at = now
    return app


async def _receipts(
    repository: MachineryRepository, gateway: GatewayClient, app: MachineryApplication
) -> tuple[list[FeeReceipt], list[str]]:
    """For each purpose of the action, a payment of the applicant that serves this application,
    and the purposes without one. A payment of an invoice the desk made for an application
    serves that application only: ПШЭП keeps the application's number as the invoice's
    reference. One made for no application (paid ahead, at a terminal) serves the first
    application that counts it; this application's own comes first."""
    chosen: list[FeeReceipt] = []
    unpaid: list[str] = []
    for purpose in FEES[app.action]:
        answer = await registries.payments(
            gateway, payer_iin=app.applicant_iin, payer_bin=app.applicant_bin, purpose=purpose
        )
        used = await repository.used_receipts(
            [(r.invoice_number, purpose) for r in answer.receipts]
        )
        others = await repository.application_numbers(
            {r.reference for r in answer.receipts if r.reference not in (None, app.number)}
        )
        free = sorted(
            (
                r
                for r in answer.receipts
                if (r.invoice_number, purpose) not in used and r.reference not in others
            ),
            key=lambda r: r.reference != app.number,
        )
        if not free:
            unpaid.append(purpose)
            continue
        chosen.append(
            FeeReceipt(
                invoice_number=free[0].invoice_number,
                purpose=purpose,
                application_id=app.id,
                amount=free[0].amount,
                paid_at=datetime.fromisoformat(free[0].paid_at),
            )
        )
    return chosen, unpaid


async def invoice_fees(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication
) -> dict[str, Any]:
    """M6.3 when something is unpaid: an invoice in ПШЭП for the purposes still unpaid, for
    the applicant to pay (at the ЦОН's terminal or online); asking again gives the same one."""
    _require(app, ApplicationStatus.PACKAGE_ACCEPTED, step="M6.3")
    _, unpaid = await _receipts(MachineryRepository(session), gateway, app)
    if not unpaid:
        raise Refusal("FEES_ALREADY_PAID", step="M6.3", status=409)
    return await registries.create_invoice(
        gateway,
        payer_iin=app.applicant_iin,
        payer_bin=app.applicant_bin,
        purposes=unpaid,
        reference=app.number,
        # One invoice per application and set of purposes (ПШЭП keys are at most 100 long).
        key=f"{app.id}:{sha256('+'.join(unpaid).encode())[:16]}",
    )


# --- M6.4 -------------------------------------------------------------------------------------


async def store_scan(
    session: AsyncSession,
    app: MachineryApplication,
    *,
    code: str,
    data: bytes,
    declared: str,
    filename: str,
    max_bytes: int,
    worker: Worker,
    now: datetime,
) -> MachineryScan:
    """M6.4: the scan of a document of the package, judged by its bytes, kept whole with its
    SHA-256; a second scan of the same document replaces the first until the application is
    signed."""
    if app.status not in (ApplicationStatus.PACKAGE_ACCEPTED, ApplicationStatus.FEES_CONFIRMED):
        raise wrong_step(app, "M6.4")
    if code not in _presented_codes(app):
        raise Refusal("SCAN_NOT_IN_PACKAGE", step="M6.4", field="code", code_name=code)
    inspected = scans.inspect(data, declared, max_bytes=max_bytes)
    scan = MachineryScan(
        id=str(uuid.uuid4()),
        application_id=app.id,
        document_code=code,
        filename=filename,
        content_type=inspected.content_type,
        size=len(data),
        sha256=inspected.sha256,
        content=data,
        uploaded_at=now,
        uploaded_by=worker.iin,
    )
    await MachineryRepository(session).put_scan(scan)
    app.updated_at = now
    return scan


def _presented_codes(app: MachineryApplication) -> list[str]:
    return [d["code"] for d in app.package or [] if d["present"]]


# --- M6.5, M9 ---------------------------------------------------------------------------------


def application_document(
    app: MachineryApplication, scans_of: list[MachineryScan]
) -> dict[str, Any]:
    """M6.5: the electronic application the worker signs and the provider receives (M9):
    who applies and how identified, the machine, the action, the package with each scan's
    SHA-256, and the fees. Its canonical bytes are what the digest of M3 is taken over."""
    centre = service_centre(app.office)
    needed = checklist(app.action, app.applicant_kind, first_registration=app.first_registration)
    by_code = {s.document_code: s for s in scans_of}
    return {
        "kind": "MACHINERY_SERVICE_APPLICATION",
        "number": app.number,
        "action": app.action.value,
        "office": {
            "id": app.office,
            "name": centre.name if centre else app.office,
            "region": app.region,
        },
        "applicant": {
            "kind": app.applicant_kind.value,
            "iin": app.applicant_iin,
            "bin": app.applicant_bin,
            "name": app.applicant_name,
            "phone": app.phone,
        },
        "visitor": {
            "iin": app.visitor_iin,
            "name": app.visitor_name,
            "role": app.visitor_role.value,
            "identification": app.identification.value,
            "biometrics": app.biometrics,
            "powerOfAttorney": app.power_of_attorney,
        },
        "machine": {
            "id": app.machine_id,
            "kind": app.machine_kind.value,
            "plate": app.plate,
            "firstRegistration": app.first_registration,
        },
        "documents": [
            {
                "code": item.code,
                "name": item.names.ru,
                "scan": (
                    {
                        "sha256": by_code[item.code].sha256,
                        "contentType": by_code[item.code].content_type,
                        "size": by_code[item.code].size,
                    }
                    if item.code in by_code
                    else None
                ),
            }
            for item in needed
        ],
        "fees": app.fees or [],
        "formedBy": app.created_by,
    }


async def document_to_sign(session: AsyncSession, app: MachineryApplication) -> dict[str, Any]:
    _require(app, ApplicationStatus.FEES_CONFIRMED, step="M6.5")
    scans_of = list(await MachineryRepository(session).scans(app.id))
    _require_scans(app, scans_of)
    return application_document(app, scans_of)


def _require_scans(app: MachineryApplication, scans_of: list[MachineryScan]) -> None:
    have = {s.document_code for s in scans_of}
    lacking = [code for code in _presented_codes(app) if code not in have]
    if lacking:
        raise Refusal(
            "SCANS_MISSING",
            step="M6.4",
            status=409,
            extra={"documents": lacking},
            documents=", ".join(lacking),
        )


async def sign_and_send(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    outbox: Outbox,
    app: MachineryApplication,
    worker: Worker,
    cms: str,
    now: datetime,
) -> MachineryApplication:
    """M6.5: the worker's ЭЦП over the application; M9: it leaves for the provider of the
    office's region through the outbox, with the digest of what was signed (M3). The paper
    basis stays at the office for a month from today (M16)."""
    document = await document_to_sign(session, app)
    await require_signature(gateway, document, cms, signer_iin=worker.iin, step="M6.5")
    text = canonical(document)
    app.document = document
    app.digest = sha256(text)
    app.worker_cms = cms
    app.signed_by = worker.iin
    app.sent_at = now
    app.status = ApplicationStatus.SENT
    app.archive_status = ArchiveStatus.AT_OFFICE
    app.keep_until = keep_until(now)
    app.updated_at = now
    event = MachineryApplicationSent(
        occurred_at=now,
        application_number=app.number,
        region=app.region,
        office=app.office,
        document=text.decode(),
        digest=app.digest,
        cms=cms,
        worker_iin=worker.iin,
    )
    await outbox.stage(session, event)
    await _visit_over(session, app, now)
    log.info("machinery application sent", application=app.number, region=app.region)
    return app


# --- state ------------------------------------------------------------------------------------


def _require(app: MachineryApplication, status: ApplicationStatus, *, step: str) -> None:
    if app.status is not status:
        raise wrong_step(app, step)


def wrong_step(app: MachineryApplication, step: str) -> Refusal:
    """409: the application is not at the step this action belongs to."""
    return Refusal(
        "MACHINERY_WRONG_STEP",
        step=step,
        status=409,
        extra={"status": app.status.value},
        status_name=app.status.value,
    )
