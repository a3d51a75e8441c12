"""ЕРАП's operations on the gateway's sync channel, and its admin API.

V14: the portal asks for the buyer's fines; unpaid ones stop the application with "pay the
fines and submit again". Paying (ERAP_PayFine, or the admin endpoint) changes the next answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Response
from starlette.status import HTTP_204_NO_CONTENT

from erap_fines.models import Fine
from erap_fines.repository import FineRepository
from erap_fines.schemas import (
    AdminPayIn,
    FineIn,
    FineRecord,
    FinesAnswer,
    FinesRequest,
    PayFineAnswer,
    PayFineRequest,
)
from erap_fines.seed import scenario_fine
from servicekit.admin import AdminOnly
from servicekit.app_state import BusClock
from servicekit.db import DbSession
from servicekit.errors import NotFound, Problem
from servicekit.identifiers import Iin
from servicekit.messages import Texts, register, texts_for
from servicekit.provider import SyncCall, SyncProvider

FINES_BY_IIN = "ERAP_FinesByIin"
PAY_FINE = "ERAP_PayFine"

SCENARIO_UNPAID = "erap_fines.unpaid_fines"
"""Answer as if the person had one unpaid fine (the seed file's `scenarioFine`)."""
SCENARIO_NONE = "erap_fines.none"
"""Answer as if the person had no fines at all."""

provider = SyncProvider(
    "erap_fines",
    {
        SCENARIO_UNPAID: "the person has one unpaid fine (the seed file's `scenarioFine`)",
        SCENARIO_NONE: "the person has no fines at all",
    },
)

register(
    {
        "UNPAID_FINES": Texts(
            "Имеются неоплаченные административные штрафы ({count}) на сумму {total} ₸: "
            "оплатите штрафы и подайте заявление снова",
            "Төленбеген әкімшілік айыппұлдар бар ({count}), сомасы {total} ₸: "
            "айыппұлдарды төлеп, өтінішті қайта беріңіз",
            "There are unpaid administrative fines ({count}) totalling {total} KZT: "
            "pay the fines and submit again",
        ),
        "FINE_NOT_FOUND": Texts(
            "Постановление о штрафе № {case_number} не найдено в ЕРАП",
            "№ {case_number} айыппұл туралы қаулы ӘҚБТ-да табылмады",
            "No fine decision No {case_number} in the unified register of administrative cases",
        ),
    }
)


def to_record(fine: Fine, today: date) -> FineRecord:
    return FineRecord(
        case_number=fine.case_number,
        iin=fine.iin,
        article=fine.article,
        description=fine.description,
        description_kk=fine.description_kk,
        decision_date=fine.decision_date,
        amount_mrp=fine.amount_mrp,
        amount=fine.amount,
        due_date=fine.due_date,
        paid=fine.paid,
        paid_at=fine.paid_at,
        overdue=not fine.paid and today > fine.due_date,
    )


def fines_answer(iin: str, fines: Sequence[Fine], today: date) -> FinesAnswer:
    unpaid = [f for f in fines if not f.paid]
    total = sum(f.amount for f in unpaid)
    answer = FinesAnswer(
        iin=iin,
        fines=[to_record(f, today) for f in fines],
        unpaid_count=len(unpaid),
        unpaid_total=total,
    )
    if unpaid:
        answer.code = "UNPAID_FINES"
        answer.messages = texts_for("UNPAID_FINES").render({"count": len(unpaid), "total": total})
    return answer


def _scenario_fines(scenario: str | None, iin: str) -> list[Fine] | None:
    """The fines a tester's scenario forces, or None to answer from the register."""
    if scenario == SCENARIO_UNPAID:
        return [scenario_fine(iin)]
    if scenario == SCENARIO_NONE:
        return []
    return None


@provider.operation(FINES_BY_IIN, FinesRequest)
async def fines_by_iin(data: FinesRequest, call: SyncCall) -> FinesAnswer:
    forced = _scenario_fines(call.scenario, data.iin)
    fines = forced if forced is not None else await FineRepository(call.session).by_iin(data.iin)
    return fines_answer(data.iin, fines, call.clock.today())


@provider.operation(PAY_FINE, PayFineRequest, writes=True)
async def pay_fine(data: PayFineRequest, call: SyncCall) -> PayFineAnswer:
    repository = FineRepository(call.session)
    paid_now = await repository.mark_paid(data.case_number, data.payer_iin, call.clock.now())
    fine = await repository.get(data.case_number)
    if fine is None:
        return PayFineAnswer(
            found=False,
            code="FINE_NOT_FOUND",
            messages=texts_for("FINE_NOT_FOUND").render({"case_number": data.case_number}),
        )
    return PayFineAnswer(
        found=True, already_paid=not paid_now, fine=to_record(fine, call.clock.today())
    )


# --- admin API ---------------------------------------------------------------------------

admin = APIRouter(prefix="/admin", tags=["admin: fines"])

CaseNumber = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[0-9A-Z\-]+$")]


async def _existing(repository: FineRepository, case_number: str) -> Fine:
    fine = await repository.get(case_number)
    if fine is None:
        raise NotFound("FINE_NOT_FOUND", field="caseNumber", case_number=case_number)
    return fine


@admin.get("/fines", summary="Fines, by offender ИИН and paid or not")
async def list_fines(
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
    iin: Annotated[Iin | None, Query()] = None,
    paid: bool | None = None,
) -> list[FineRecord]:
    fines = await FineRepository(session).listing(iin, paid)
    return [to_record(f, clock.today()) for f in fines]


@admin.get(
    "/fines/{case_number}",
    summary="One fine by case number",
    responses={404: {"description": "FINE_NOT_FOUND: no such caseNumber"}},
)
async def get_fine(
    case_number: CaseNumber, _: AdminOnly, clock: BusClock, session: DbSession
) -> FineRecord:
    return to_record(await _existing(FineRepository(session), case_number), clock.today())


@admin.put("/fines/{case_number}", summary="Add or replace a fine")
async def put_fine(
    case_number: CaseNumber, body: FineIn, _: AdminOnly, clock: BusClock, session: DbSession
) -> FineRecord:
    if body.due_date < body.decision_date:
        raise Problem("INVALID_VALUE", status=422, field="dueDate")
    if body.paid_at is not None and not body.paid:
        raise Problem("INVALID_VALUE", status=422, field="paidAt")
    paid_at = (body.paid_at or clock.now()) if body.paid else None
    fine = Fine(
        case_number=case_number,
        **body.model_dump(exclude={"paid_at", "payer_iin"}),
        paid_at=paid_at,
        payer_iin=(body.payer_iin or body.iin) if body.paid else None,
    )
    await FineRepository(session).replace(fine)
    return to_record(fine, clock.today())


@admin.delete(
    "/fines/{case_number}",
    status_code=HTTP_204_NO_CONTENT,
    responses={404: {"description": "FINE_NOT_FOUND: no such caseNumber"}},
)
async def delete_fine(case_number: CaseNumber, _: AdminOnly, session: DbSession) -> Response:
    if not await FineRepository(session).delete(case_number):
        raise NotFound("FINE_NOT_FOUND", field="caseNumber", case_number=case_number)
    return Response(status_code=HTTP_204_NO_CONTENT)


@admin.post(
    "/fines/{case_number}/pay",
    summary="Mark a fine paid now (bus clock), as a payment would; a paid fine stays as it is",
    responses={404: {"description": "FINE_NOT_FOUND: no such caseNumber"}},
)
async def admin_pay_fine(
    case_number: CaseNumber,
    _: AdminOnly,
    clock: BusClock,
    session: DbSession,
    body: Annotated[AdminPayIn | None, Body()] = None,
) -> FineRecord:
    repository = FineRepository(session)
    fine = await _existing(repository, case_number)
    payer = body.payer_iin if body is not None and body.payer_iin else fine.iin
    await repository.mark_paid(case_number, payer, clock.now())
    return to_record(await _existing(repository, case_number), clock.today())
