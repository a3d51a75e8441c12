"""What the rooms' HTTP surfaces share — the answer to a repeated `Idempotency-Key`, the
statuses of a desk's token and of the visitor's ID check — and the offices themselves.

Each room serves its own router (`queue.routes`, `pickup.routes`, `machinery.desk.routes`,
`provider.routes`, `archive.routes`, `sms.routes`…); `app.py` mounts them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel

from frontoffice_service.schemas import OfficeRecord
from servicekit.db import DbSession
from servicekit.idempotency import Idempotency
from servicekit.service_centres import SERVICE_CENTRES

M = TypeVar("M", bound=BaseModel)


Responses = dict[int | str, dict[str, Any]]


WORKER: Responses = {
    403: {"description": "FRONTOFFICE_WORKER_REQUIRED; OFFICE_FORBIDDEN: not this office's"},
}


VISITOR: Responses = {
    422: {
        "description": "a motivated refusal naming its `step`: VISITOR_NOT_FOUND, "
        "VISITOR_DECEASED, VISITOR_IIN_INVALIDATED, VISITOR_ID_CARD_MISMATCH (ГБД ФЛ), and "
        "the step's own codes"
    },
    503: {"description": "VISITOR_CHECK_UNAVAILABLE: ГБД ФЛ cannot be reached, try again"},
}


async def once(
    request: Request,
    session: DbSession,
    *,
    key: str | None,
    scope: str,
    asked: object,
    model: type[M],
    work: Callable[[], Awaitable[M]],
) -> M:
    """`work`'s answer, or with an `Idempotency-Key` seen before in `scope` for the same
    request, the answer it gave then (every desk's POST goes through here)."""
    idempotency: Idempotency = request.app.state.idempotency
    return await idempotency.run(
        session, key=key, scope=scope, request=asked, model=model, work=work
    )


offices = APIRouter(tags=["offices"])


@offices.get("/offices", summary="The ЦОН offices of the pilot regions")
async def list_offices() -> list[OfficeRecord]:
    return [
        OfficeRecord(
            id=c.id, region_code=c.region_code, name=c.name, name_kk=c.name_kk, address=c.address
        )
        for c in SERVICE_CENTRES
    ]
