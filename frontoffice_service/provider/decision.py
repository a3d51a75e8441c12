"""M10.4, M13: the provider approves, or refuses with a motivated reason, signed with ЭЦП."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.access import ProviderOfficer
from frontoffice_service.machinery.models import ApplicationStatus, MachineryApplication
from frontoffice_service.machinery.schemas import CheckRecord
from frontoffice_service.machinery.states import refuse, wrong_step
from frontoffice_service.provider.checks import run_checks
from frontoffice_service.provider.metrics import Metrics
from frontoffice_service.provider.notices import send_sms
from frontoffice_service.provider.schemas import DecisionIn
from frontoffice_service.signing import require_signature
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.outbox import Outbox
from servicekit.states import set_state


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
        raise StepRefusal("PROVIDER_REASON_REQUIRED", step="M13", field="reason")
    if request.approve:
        checks = [CheckRecord.model_validate(c) for c in app.checks or []]
        if not checks:
            checks = await run_checks(session, gateway, app, now)
        failed = [c for c in checks if not c.passed]
        if failed:
            raise StepRefusal(
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
        set_state(app, ApplicationStatus.APPROVED)
        app.updated_at = now
        metrics.decisions.labels(app.region, "approved", in_term).inc()
        return app
    assert request.reason is not None
    refuse(app, "M13", "PROVIDER_REFUSED", now, reason=request.reason)
    metrics.decisions.labels(app.region, "refused", in_term).inc()
    await send_sms(session, outbox, app, "SMS_MACHINERY_REFUSED", now, reason=request.reason)
    return app
