"""M6.3: the fees and duties of the action, paid in ПШЭП and counted for one application."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.machinery.catalogue import FEES
from frontoffice_service.machinery.desk.repository import DeskRepository
from frontoffice_service.machinery.models import ApplicationStatus, FeeReceipt, MachineryApplication
from frontoffice_service.machinery.states import require_status
from frontoffice_service.registries import ask
from servicekit.documents import sha256
from servicekit.errors import StepRefusal
from servicekit.gateway_client import GatewayClient
from servicekit.registries.payments import (
    CREATE_INVOICE,
    PAID_FOR_PURPOSE,
    PAYMENTS,
    CheckRequest,
    CreateInvoiceRequest,
    Item,
)
from servicekit.states import set_state


async def check_fees(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication, now: datetime
) -> MachineryApplication:
    """M6.3: ПШЭП has a payment of the applicant for each purpose of the action that serves this
    application (of its own invoice, or made for no application and counted by no other).
    Unpaid is a 422 naming the purposes: the applicant may pay and the worker checks again."""
    require_status(app, ApplicationStatus.PACKAGE_ACCEPTED, step="M6.3")
    repository = DeskRepository(session)
    chosen, unpaid = await _receipts(repository, gateway, app)
    if unpaid:
        raise StepRefusal(
            "FEES_NOT_PAID",
            step="M6.3",
            registry=PAYMENTS,
            extra={"unpaid": unpaid},
            purposes=", ".join(unpaid),
        )
    if not await repository.use_receipts(chosen):
        raise StepRefusal("FEES_TAKEN_MEANWHILE", step="M6.3", status=409)
    app.fees = [
        {"invoiceNumber": r.invoice_number, "purpose": r.purpose, "amount": r.amount}
        for r in chosen
    ]
    set_state(app, ApplicationStatus.FEES_CONFIRMED)
    app.updated_at = now
    return app


async def _receipts(
    repository: DeskRepository, gateway: GatewayClient, app: MachineryApplication
) -> tuple[list[FeeReceipt], list[str]]:
    """For each purpose of the action, a payment of the applicant that serves this application,
    and the purposes without one. A payment of an invoice the desk made for an application
    serves that application only: ПШЭП keeps the application's number as the invoice's
    reference. One made for no application (paid ahead, at a terminal) serves the first
    application that counts it; this application's own comes first."""
    chosen: list[FeeReceipt] = []
    unpaid: list[str] = []
    for purpose in FEES[app.action]:
        answer = await ask(
            gateway,
            PAID_FOR_PURPOSE,
            CheckRequest(payer_iin=app.applicant_iin, payer_bin=app.applicant_bin, purpose=purpose),
            step="M6.3",
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
                paid_at=free[0].paid_at,
            )
        )
    return chosen, unpaid


async def invoice_fees(
    session: AsyncSession, gateway: GatewayClient, app: MachineryApplication
) -> dict[str, Any]:
    """M6.3 when something is unpaid: an invoice in ПШЭП for the purposes still unpaid, for
    the applicant to pay (at the ЦОН's terminal or online); asking again gives the same one."""
    require_status(app, ApplicationStatus.PACKAGE_ACCEPTED, step="M6.3")
    _, unpaid = await _receipts(DeskRepository(session), gateway, app)
    if not unpaid:
        raise StepRefusal("FEES_ALREADY_PAID", step="M6.3", status=409)
    request = CreateInvoiceRequest(
        payer_iin=app.applicant_iin,
        payer_bin=app.applicant_bin,
        items=[Item(purpose=purpose, quantity=1) for purpose in unpaid],
        reference=app.number,
        # One invoice per application and set of purposes (ПШЭП keys are at most 100 long).
        idempotency_key=f"{app.id}:{sha256('+'.join(unpaid).encode())[:16]}",
    )
    answer = await ask(gateway, CREATE_INVOICE, request, step="M6.3")
    return answer.invoice.model_dump(mode="json", by_alias=True)
