"""`Idempotency-Key` for the state-changing requests of the state services.

The first request with a key does the work and stores its answer with the key, in the same
transaction; a retry with the same key and the same request gets the stored answer and does
nothing again. The same key with another request is a 409. Two copies racing each other are
decided by the database: the second waits on the key's unique index and then replays the
first's answer. A request that failed stores nothing, so retrying it tries again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import orjson
from fastapi import Depends, Header
from pydantic import BaseModel
from sqlalchemy import Column, LargeBinary, MetaData, String, Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.app_state import app_state
from servicekit.clock import Clock
from servicekit.db import UtcDateTime, insert_new
from servicekit.errors import Conflict
from servicekit.messages import Texts, register

register(
    {
        "IDEMPOTENCY_KEY_REUSED": Texts(
            "Этот Idempotency-Key уже использован для другого запроса: возьмите новый ключ",
            "Бұл Idempotency-Key басқа сұрау үшін қолданылған: жаңа кілт алыңыз",
            "This Idempotency-Key was used for another request: use a new key",
        ),
    }
)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="A key of your choosing (a UUID): a retry with the same key replays the "
        "first answer and changes nothing again.",
    ),
]

M = TypeVar("M", bound=BaseModel)


def define_idempotency_table(metadata: MetaData) -> Table:
    return Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(200), primary_key=True),
        Column("key", String(100), primary_key=True),
        Column("request_digest", String(64), nullable=False),
        Column("answer", LargeBinary, nullable=True),
        Column("created_at", UtcDateTime, nullable=False),
    )


class Idempotency:
    def __init__(self, table: Table, clock: Clock) -> None:
        self.table, self.clock = table, clock
        c = table.c
        self._take = insert_new(table, c.key)
        self._stored = select(c.request_digest, c.answer).where(
            c.scope == bindparam("b_scope"), c.key == bindparam("b_key")
        )
        self._answer = (
            update(table)
            .where(c.scope == bindparam("b_scope"), c.key == bindparam("b_key"))
            .values(answer=bindparam("answer"))
        )

    async def run(
        self,
        session: AsyncSession,
        *,
        key: str | None,
        scope: str,
        request: object,
        model: type[M],
        work: Callable[[], Awaitable[M]],
    ) -> M:
        """`work()`'s answer, or the stored answer of an earlier request with this key.

        `scope` says whose key it is and for what (a caller and an endpoint), so two callers
        never share keys; `request` is what was asked (path parameters and body).
        """
        if key is None:
            return await work()
        digest = hashlib.sha256(orjson.dumps(request, option=orjson.OPT_SORT_KEYS)).hexdigest()
        stored = await self._claim(session, scope, key, digest)
        if stored is not None:
            return model.model_validate_json(stored)
        answer = await work()
        await session.execute(
            self._answer,
            {
                "b_scope": scope,
                "b_key": key,
                "answer": answer.model_dump_json(by_alias=True).encode(),
            },
        )
        return answer

    async def _claim(
        self, session: AsyncSession, scope: str, key: str, digest: str
    ) -> bytes | None:
        """None when this request has taken the key (it does the work); else the answer an
        earlier request with the key committed."""
        # One statement for a new key, the common case. A key that another request holds
        # uncommitted makes the INSERT wait on the unique index; then it does nothing if that
        # request committed (its answer is replayed below) or takes the key if it rolled back.
        take = self._take(session)
        row_values = {
            "scope": scope,
            "key": key,
            "request_digest": digest,
            "created_at": self.clock.now(),
        }
        for _ in range(2):
            if await session.scalar(take, row_values) is not None:
                return None
            row = (
                await session.execute(self._stored, {"b_scope": scope, "b_key": key})
            ).one_or_none()
            if row is not None:
                if row.request_digest != digest:
                    raise Conflict("IDEMPOTENCY_KEY_REUSED", field="Idempotency-Key")
                answer: bytes = row.answer
                return answer
        raise Conflict("IDEMPOTENCY_KEY_REUSED", field="Idempotency-Key")


IdempotencyStore = Annotated[Idempotency, Depends(app_state("idempotency"))]
"""The answers kept by `Idempotency-Key`, of a service that made one at start
(`app.state.idempotency = Idempotency(table, clock)`)."""
