"""The provider's desk АРМ ГО (M9–M15): the akimat of a region receives the applications its
front offices send, unaltered (M3), with their term (M14); checks them (M10.1–M10.3); decides
with ЭЦП (M10.4), refusing with a motivated reason (M13); after an approval enters the
technical passport and the plate by hand (M12), which sends the applicant an SMS with the time
and place of issue (M11) and puts the document in their digital documents (M15).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import orjson
import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession

import frontoffice_service.machinery_problems  # noqa: F401  (the codes below)
from frontoffice_service import machine_registry, registries
from frontoffice_service.access import ProviderOfficer
from frontoffice_service.machinery import Applicant, checklist
from frontoffice_service.machinery_desk import refuse, wrong_step
from frontoffice_service.machinery_models import (
    ApplicationStatus,
    Delivery,
    DigitalDocument,
    Machine,
    MachineryApplication,
)
from frontoffice_service.machinery_repository import MachineryRepository
from frontoffice_service.machinery_schemas import CheckRecord, DecisionIn, EntryIn
from frontoffice_service.problems import Refusal
from frontoffice_service.signing import require_signature, signature_problems
from frontoffice_service.working_days import WorkingCalendar
from servicekit.clock import ALMATY, instant
from servicekit.documents import sha256
from servicekit.events import MachineryApplicationSent, SmsRequested
from servicekit.gateway_client import GatewayClient, GatewayFault, GatewayUnreachable
from servicekit.messages import texts_for
from servicekit.outbox import Outbox
from servicekit.service_centres import service_centre

log = structlog.get_logger(__name__)


class Metrics:
    """The desk's figures, in the app's own registry (each service of the embedded bus keeps
    its own)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.overdue = Gauge(
            "frontoffice_machinery_overdue_applications",
            "M14: applications in the provider's desk past their term and not decided",
            ["region"],
            registry=registry,
        )
        self.decisions = Counter(
            "frontoffice_machinery_decisions_total",
            "M10.4: the provider's decisions, by outcome and whether they came within the term",
            ["region", "outcome", "in_term"],
            registry=registry,
        )
        self.rejected = Counter(
            "frontoffice_machinery_deliveries_rejected_total",
            "M3: applications that arrived altered (digest or signature) and were not received",
            ["region"],
            registry=registry,
        )


# --- M9, M3, M14: arrival ---------------------------------------------------------------------


def _alteration(event: MachineryApplicationSent, app: MachineryApplication | None) -> str | None:
    """Why what arrived is not what the worker signed; None when it is (the signature itself
    is checked at НУЦ after this)."""
    text = event.document.encode()
    if sha256(text) != event.digest:
        return "the document does not match its digest"
    if app is None:
        return "no application of this number was formed at a front office"
    if app.digest != event.digest:
        return "the document is not the one the worker signed"
    if event.worker_iin != app.signed_by or event.region != app.region:
        return "the sender or the region is not the application's"
    return None


async def receive(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    calendar: WorkingCalendar,
    metrics: Metrics,
    event: MachineryApplicationSent,
    now: datetime,
) -> bool:
    """Take an application into the provider's desk. It is received only when the digest and
    the worker's signature hold over the very bytes that arrived (M3); then the term counts
    (M14) and the checks run (M10.1–M10.3). False for a redelivered event.

    Only НУЦ's answer may find the signature bad: НУЦ or the gateway failing raises
    `GatewayFault`/`GatewayUnreachable`, nothing is recorded, and the bus delivers the event
    again later."""
    repository = MachineryRepository(session)
    app = await repository.by_number(event.application_number, lock=True)
    reason = _alteration(event, app)
    if reason is None:
        document = orjson.loads(event.document)
        try:
            problems = await signature_problems(
                gateway, document, event.cms, signer_iin=event.worker_iin
            )
        except (GatewayFault, GatewayUnreachable) as exc:
            log.warning(
                "M3: НУЦ unavailable, the arrival is retried",
                application=event.application_number,
                error=str(exc),
            )
            raise
        if problems:
            reason = "the worker's signature does not hold: " + ", ".join(problems)
    delivery = Delivery(
        event_id=str(event.event_id),
        application_number=event.application_number,
        accepted=reason is None,
        reason=reason,
        arrived_at=now,
    )
    if not await repository.record_delivery(delivery):
        return False
    if reason is not None:
        metrics.rejected.labels(event.region).inc()
        log.warning(
            "M3: altered application rejected", application=event.application_number, reason=reason
        )
        if app is not None and app.status is ApplicationStatus.SENT:
            app.status = ApplicationStatus.DELIVERY_REJECTED
            app.refusal = {
                "step": "M3",
                "code": "APPLICATION_ALTERED",
                "messages": texts_for("APPLICATION_ALTERED").render({"reason": reason}),
                "reason": reason,
            }
            app.updated_at = now
        return True
    assert app is not None
    if app.status is not ApplicationStatus.SENT:
        return True  # already received under another event id
    deadline = calendar.deadline(now)
    app.status = ApplicationStatus.RECEIVED
    app.received_at, app.counts_from, app.due_at = now, deadline.received_on, deadline.due_at
    app.updated_at = now
    try:
        await _run_checks(session, gateway, app, now)
    except Refusal as exc:
        # A registry out of reach must not keep the application from arriving: the officer
        # runs the checks again from the desk.
        log.warning("M10 checks postponed", application=app.number, code=exc.code)
    log.info("machinery application received", application=app.number, due=deadline.due_on)
    return True


# --- M10.1–M10.3 ------------------------------------------------------------------------------


async def _run_checks(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication, now: datetime
) -> list[CheckRecord]:
    checks = [
        await _documents(session, gateway, app),
        await _applicant(gateway, app),
        await machine_registry.check_plate(session, app),
    ]
    app.checks = [c.model_dump(mode="json", by_alias=True) for c in checks]
    app.checked_at = now
    return checks


def _check(step: str, check: str, code: str | None = None, **details: Any) -> CheckRecord:
    messages = texts_for(code).render(details) if code else None
    plain = {k: v for k, v in details.items() if not isinstance(v, dict) or k == "passport"}
    return CheckRecord(
        step=step, name=check, passed=code is None, code=code, messages=messages, details=plain
    )


async def _documents(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication
) -> CheckRecord:
    """M10.1: the package complete and valid, each presented document scanned with the very
    bytes the application names, and the machine's ЭПСМ in force (for a machine with a VIN)."""
    needed = checklist(app.action, app.applicant_kind, first_registration=app.first_registration)
    good = {d["code"] for d in app.package or [] if d["present"] and d["valid"]}
    absent = [i.code for i in needed if i.code not in good]
    if absent:
        return _check(
            "M10.1", "DOCUMENTS", "CHECK_DOCUMENTS_INCOMPLETE", documents=", ".join(absent)
        )
    stored = {s.document_code: s.sha256 for s in await MachineryRepository(session).scans(app.id)}
    listed = {
        d["code"]: d["scan"]["sha256"]
        for d in (app.document or {}).get("documents", [])
        if d.get("scan")
    }
    altered = [code for code, digest in listed.items() if stored.get(code) != digest]
    if altered or set(listed) != {d["code"] for d in app.package or [] if d["present"]}:
        return _check(
            "M10.1", "DOCUMENTS", "CHECK_SCANS_ALTERED", documents=", ".join(altered) or "—"
        )
    if len(app.machine_id) != 17:
        return _check(
            "M10.1",
            "DOCUMENTS",
            note="no VIN: the paper passport of the machine was checked at the desk",
        )
    answer = await registries.machine_passport(gateway, app.machine_id, step="M10.1")
    if not answer.found or answer.passport is None:
        return _check(
            "M10.1", "DOCUMENTS", "CHECK_MACHINE_PASSPORT_NOT_FOUND", machine_id=app.machine_id
        )
    passport = answer.passport
    if passport.get("status") != "VALID":
        return _check(
            "M10.1",
            "DOCUMENTS",
            "CHECK_MACHINE_PASSPORT_NOT_VALID",
            machine_id=app.machine_id,
            status_label=str(passport.get("statusLabel") or passport.get("status")),
        )
    owner = passport.get("owner") or {}
    applicant_id = app.applicant_iin or app.applicant_bin
    if app.action.value == "REGISTRATION" and applicant_id not in (
        owner.get("iin"),
        owner.get("bin"),
    ):
        return _check(
            "M10.1",
            "DOCUMENTS",
            "CHECK_MACHINE_OWNER_DIFFERS",
            machine_id=app.machine_id,
            owner=str(owner.get("name") or ""),
        )
    return _check(
        "M10.1",
        "DOCUMENTS",
        passport={
            "number": passport.get("number"),
            "name": _machine_name(passport),
            "year": passport.get("yearOfManufacture"),
            "category": passport.get("category"),
        },
    )


def _machine_name(passport: dict[str, Any]) -> str:
    """Беларус-82.1, not «Беларус Беларус-82.1»: the make only when the name lacks it."""
    make, name = str(passport.get("make") or ""), str(passport.get("commercialName") or "")
    return name if name.startswith(make) else f"{make} {name}".strip()


async def _applicant(gateway: GatewayClient, app: MachineryApplication) -> CheckRecord:
    """M10.2: the applicant (and the representative) as the registries know them today."""
    if app.applicant_kind is Applicant.LEGAL_ENTITY:
        assert app.applicant_bin is not None
        entity = await registries.organization(gateway, app.applicant_bin, step="M10.2")
        if not entity.found or entity.organization is None:
            return _check("M10.2", "APPLICANT", "ENTITY_NOT_FOUND")
        if entity.organization.status != "ACTIVE":
            return _check(
                "M10.2", "APPLICANT", "ENTITY_NOT_ACTIVE", status_name=entity.organization.status
            )
    else:
        assert app.applicant_iin is not None
        person = await registries.person(gateway, app.applicant_iin, step="M10.2")
        if not person.found or person.person is None:
            return _check("M10.2", "APPLICANT", "APPLICANT_NOT_FOUND")
        if person.person.life_status != "ALIVE":
            return _check(
                "M10.2", "APPLICANT", "APPLICANT_NOT_ALIVE", life_status=person.person.life_status
            )
        if person.person.full_name != app.applicant_name:
            return _check(
                "M10.2", "APPLICANT", "CHECK_APPLICANT_NAME_DIFFERS", name=person.person.full_name
            )
        power = app.power_of_attorney or {}
        if power.get("number"):
            answer = await registries.power_of_attorney(
                gateway, app.applicant_iin, app.visitor_iin, power["number"]
            )
            if not answer.valid:
                reason = (answer.messages or {}).get("ru", answer.code or "")
                return _check("M10.2", "APPLICANT", "POWER_OF_ATTORNEY_INVALID", reason=reason)
    return _check("M10.2", "APPLICANT")


# --- the inbox --------------------------------------------------------------------------------


async def application_of(
    session: AsyncSession, officer: ProviderOfficer, number: str, *, lock: bool = False
) -> MachineryApplication:
    """An application this officer's provider received; another region's is not found."""
    app = await MachineryRepository(session).in_region(officer.region, number, lock=lock)
    if app is None:
        raise Refusal(
            "MACHINERY_APPLICATION_NOT_FOUND", step="M10", status=404, field="number", number=number
        )
    return app


def is_overdue(app: MachineryApplication, now: datetime) -> bool:
    return app.status is ApplicationStatus.RECEIVED and app.due_at is not None and app.due_at < now


async def refresh_overdue(
    session: AsyncSession, metrics: Metrics, regions: tuple[str, ...], now: datetime
) -> None:
    """Set the overdue gauge of every region from the database (M14)."""
    counts = await MachineryRepository(session).overdue_by_region(now)
    for region in {*regions, *counts}:
        metrics.overdue.labels(region).set(counts.get(region, 0))


async def recheck(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication, now: datetime
) -> MachineryApplication:
    if app.status is not ApplicationStatus.RECEIVED:
        raise wrong_step(app, "M10")
    await _run_checks(session, gateway, app, now)
    return app


# --- M10.4, M13 -------------------------------------------------------------------------------


def decision_document(
    app: MachineryApplication, officer: ProviderOfficer, approve: bool, reason: str | None
) -> dict[str, Any]:
    """What the officer signs for M10.4: the application (by its number and the digest of
    what the worker signed), the decision and its reason."""
    return {
        "kind": "MACHINERY_SERVICE_DECISION",
        "application": app.number,
        "applicationDigest": app.digest,
        "approve": approve,
        "reason": reason,
        "provider": {"region": app.region, "bin": officer.organisation_bin, "officer": officer.iin},
    }


async def decide(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    outbox: Outbox,
    metrics: Metrics,
    officer: ProviderOfficer,
    app: MachineryApplication,
    request: DecisionIn,
    now: datetime,
) -> MachineryApplication:
    if app.status is not ApplicationStatus.RECEIVED:
        raise wrong_step(app, "M10.4")
    if not request.approve and not request.reason:
        raise Refusal("PROVIDER_REASON_REQUIRED", step="M13", field="reason")
    if request.approve:
        checks = [CheckRecord.model_validate(c) for c in app.checks or []]
        if not checks:
            checks = await _run_checks(session, gateway, app, now)
        failed = [c for c in checks if not c.passed]
        if failed:
            raise Refusal(
                "MACHINERY_CHECKS_FAILED",
                step="M10.4",
                status=409,
                extra={"failed": [c.code for c in failed]},
                checks=", ".join(f"{c.step} {c.code}" for c in failed),
            )
    document = decision_document(app, officer, request.approve, request.reason)
    await require_signature(gateway, document, request.cms, signer_iin=officer.iin, step="M10.4")
    in_term = "yes" if app.due_at is None or now < app.due_at else "no"
    app.decided_at, app.decided_by, app.decision_cms = now, officer.iin, request.cms
    if request.approve:
        app.status = ApplicationStatus.APPROVED
        app.updated_at = now
        metrics.decisions.labels(app.region, "approved", in_term).inc()
        return app
    assert request.reason is not None
    refuse(app, "M13", "PROVIDER_REFUSED", now, reason=request.reason)
    metrics.decisions.labels(app.region, "refused", in_term).inc()
    await _sms(session, outbox, app, "SMS_MACHINERY_REFUSED", now, reason=request.reason)
    return app


# --- M12, M11, M15 ----------------------------------------------------------------------------


async def enter(
    session: AsyncSession,
    *,
    gateway: GatewayClient,
    outbox: Outbox,
    app: MachineryApplication,
    request: EntryIn,
    now: datetime,
) -> MachineryApplication:
    """M12: the data entered by hand go into the registry (validated there); then M11, the SMS
    with the time and place of issue, and M15, the digital document."""
    if app.status is not ApplicationStatus.APPROVED:
        raise wrong_step(app, "M12")
    if request.issue_at <= now:
        raise Refusal("ISSUE_TIME_IN_PAST", step="M11", field="issueAt")
    entered = await machine_registry.enter(session, gateway, app, request, now)
    machine = await machine_registry.RegistryRepository(session).machine(app.machine_id)
    centre = service_centre(app.office)
    place = f"{centre.name}, {centre.address}" if centre else app.office
    issue_at = request.issue_at.astimezone(ALMATY)
    app.entry = {**entered, "issueAt": instant(issue_at), "place": place}
    document = DigitalDocument(
        id=str(uuid.uuid4()),
        kind=_DOCUMENT_KIND[app.action.value],
        holder_iin=app.applicant_iin,
        holder_bin=app.applicant_bin,
        application_number=app.number,
        data=_document_data(app, entered, machine, now),
        issued_at=now,
    )
    await MachineryRepository(session).add_document(document)
    app.digital_document_id = document.id
    app.status = ApplicationStatus.ISSUED
    app.issued_at = now
    app.updated_at = now
    await _sms(
        session,
        outbox,
        app,
        "SMS_MACHINERY_READY",
        now,
        when=issue_at.strftime("%d.%m.%Y %H:%M"),
        place=place,
    )
    return app


_DOCUMENT_KIND = {
    "REGISTRATION": "MACHINE_TECHNICAL_PASSPORT",
    "REREGISTRATION": "MACHINE_TECHNICAL_PASSPORT",
    "DUPLICATE": "MACHINE_TECHNICAL_PASSPORT",
    "PLATE": "MACHINE_PLATE_CERTIFICATE",
    "DEREGISTRATION": "MACHINE_DEREGISTRATION_CERTIFICATE",
}


def _document_data(
    app: MachineryApplication, entered: dict[str, Any], machine: Machine | None, now: datetime
) -> dict[str, Any]:
    # The registry names a machine it knows nothing of by its identifier: no make and model.
    named = machine is not None and machine.name != app.machine_id
    return {
        "applicationNumber": app.number,
        "action": app.action.value,
        "holder": {"iin": app.applicant_iin, "bin": app.applicant_bin, "name": app.applicant_name},
        "machine": {
            "id": app.machine_id,
            "kind": app.machine_kind.value,
            "name": machine.name if machine is not None and named else None,
            "year": machine.year if machine is not None and machine.year else None,
        },
        "technicalPassport": entered.get("technicalPassport"),
        "plate": entered.get("plate"),
        "region": app.region,
        "issuedOn": now.astimezone(ALMATY).date().isoformat(),
    }


async def _sms(
    session: AsyncSession,
    outbox: Outbox,
    app: MachineryApplication,
    code: str,
    now: datetime,
    **params: Any,
) -> None:
    text = texts_for(code).render({"number": app.number, **params})["ru"]
    await outbox.stage(
        session,
        SmsRequested(
            occurred_at=now,
            phone=app.phone,
            text=text,
            sender="frontoffice_service",
            reference=app.number,
        ),
    )
