"""What the rooms' HTTP surfaces share — the answer to a repeated `Idempotency-Key`, the
statuses of a desk's token and of the visitor's ID check — and the offices themselves.

Each room serves its own router (`queue.routes`, `pickup.routes`, `machinery.desk.routes`,
`provider.routes`, `archive.routes`, `sms.routes`…); `app.py` mounts them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from frontoffice_service.schemas import OfficeRecord
from servicekit.db import DbSession
from servicekit.idempotency import Idempotency, IdempotencyKey, IdempotencyStore
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


@dataclass(frozen=True, slots=True)
class Once:
    """A desk's change in the request's transaction, done once per `Idempotency-Key`: a retry
    with the key and the same request gets the first answer again (every desk's POST/PUT)."""

    session: AsyncSession
    idempotency: Idempotency
    key: str | None

    async def run(
        self, scope: str, asked: object, model: type[M], work: Callable[[], Awaitable[M]]
    ) -> M:
        """`work`'s answer, or the one given to this key before in `scope` (the caller and the
        endpoint) for the same request `asked` (its path parameters and body)."""
        return await self.idempotency.run(
            self.session, key=self.key, scope=scope, request=asked, model=model, work=work
        )


async def _once(
    session: DbSession, idempotency: IdempotencyStore, key: IdempotencyKey = None
) -> Once:
    return Once(session, idempotency, key)


Idempotent = Annotated[Once, Depends(_once)]
"""Declare on a desk's POST/PUT: its optional `Idempotency-Key`, and the work done once per key."""


offices = APIRouter(tags=["offices"])


@offices.get("/offices", summary="The ЦОН offices of the pilot regions")
async def list_offices() -> list[OfficeRecord]:
    return [
        OfficeRecord(
            id=c.id, region_code=c.region_code, name=c.name, name_kk=c.name_kk, address=c.address
        )
        for c in SERVICE_CENTRES
    ]
