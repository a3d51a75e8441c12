"""M9, M3, M14: an application arrives at the provider's desk over the bus. It is received
only when the digest and the worker's signature hold over the very bytes that arrived; then
its term counts and the checks run.

The consumer reads the application through the provider's own repository, and compares it
with what the event carries: the event is the delivery, the row is what the worker signed."""

from __future__ import annotations

from datetime import datetime

import orjson
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from frontoffice_service.provider.checks import run_checks
from frontoffice_service.provider.metrics import Metrics
from frontoffice_service.provider.models import Delivery
from frontoffice_service.provider.repository import ProviderRepository
from frontoffice_service.signing import signature_problems
from frontoffice_service.working_days import WorkingCalendar
from servicekit.correlation import correlate
from servicekit.documents import sha256
from servicekit.errors import StepRefusal
from servicekit.events import MachineryApplicationSent
from servicekit.gateway_client import GatewayClient
from servicekit.messages import texts_for
from servicekit.registries import RegistryUnavailable
from servicekit.states import set_state

log = structlog.get_logger(__name__)


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
    `RegistryUnavailable`, nothing is recorded, and the bus delivers the event again later."""
    repository = ProviderRepository(session)
    app = await repository.by_number(event.application_number, lock=True)
    if app is not None:
        correlate(app.id)
    if await repository.delivered(str(event.event_id)):
        # Judged already: asking НУЦ again would cost a call and, were it away, a retry.
        return False
    reason = _alteration(event, app) or await _signature_fails(gateway, event)
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
            _reject(app, reason, now)
        return True
    assert app is not None
    if app.status is not ApplicationStatus.SENT:
        return True  # already received under another event id
    await _take_in(session, gateway, calendar, app, now)
    return True


async def _signature_fails(gateway: GatewayClient, event: MachineryApplicationSent) -> str | None:
    """M3: why the worker's signature does not hold over what arrived, by НУЦ's answer."""
    document = orjson.loads(event.document)
    try:
        problems = await signature_problems(
            gateway, document, event.cms, signer_iin=event.worker_iin
        )
    except RegistryUnavailable as exc:
        log.warning(
            "M3: НУЦ unavailable, the arrival is retried",
            application=event.application_number,
            error=str(exc),
        )
        raise
    return "the worker's signature does not hold: " + ", ".join(problems) if problems else None


def _reject(app: MachineryApplication, reason: str, now: datetime) -> None:
    set_state(app, ApplicationStatus.DELIVERY_REJECTED)
    app.refusal = {
        "step": "M3",
        "code": "APPLICATION_ALTERED",
        "messages": texts_for("APPLICATION_ALTERED").render({"reason": reason}),
        "reason": reason,
    }
    app.updated_at = now


async def _take_in(
    session: AsyncSession,
    gateway: GatewayClient,
    calendar: WorkingCalendar,
    app: MachineryApplication,
    now: datetime,
) -> None:
    """M14: the term counts from the arrival; M10.1–M10.3: the checks run."""
    deadline = calendar.deadline(now)
    set_state(app, ApplicationStatus.RECEIVED)
    app.received_at, app.counts_from, app.due_at = now, deadline.received_on, deadline.due_at
    app.updated_at = now
    try:
        await run_checks(session, gateway, app, now)
    except StepRefusal as exc:
        # A registry out of reach must not keep the application from arriving: the officer
        # runs the checks again from the desk.
        log.warning("M10 checks postponed", application=app.number, code=exc.code)
    log.info("machinery application received", application=app.number, due=deadline.due_on)
