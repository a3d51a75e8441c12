"""Admin API of the message log: read, verify, export, prune.

Reads first wait (briefly) for the writer, so a tester sees the exchanges answered before the
call; the hot path never waits for the log.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime

from gateway.admin import AdminOnly
from gateway.message_log.chain import iso_utc
from gateway.message_log.log import MessageLog
from gateway.message_log.schemas import (
    BrokenRecord,
    LogPage,
    LogRecord,
    PruneOut,
    VerifyReport,
)
from servicekit.errors import Problem

router = APIRouter(prefix="/admin/log", tags=["admin: message log"])

FLUSH_WAIT = 5.0
"""Seconds a read waits for the writer before answering with what is committed."""

NDJSON = "application/x-ndjson"


async def _message_log(request: Request) -> MessageLog:
    message_log: MessageLog = request.app.state.message_log
    return message_log


MessageLogDep = Annotated[MessageLog, Depends(_message_log)]
"""The gateway's message log (made with the app, started with it)."""


async def _caught_up(message_log: MessageLog) -> None:
    """Wait for the writer; with the database down, answer with what is committed."""
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(FLUSH_WAIT):
            await message_log.writer.flush()


@router.get("", summary="The newest records, optionally of one service or one correlation")
async def recent(
    _: AdminOnly,
    message_log: MessageLogDep,
    service_id: Annotated[str | None, Query(alias="serviceId", max_length=100)] = None,
    correlation_id: Annotated[str | None, Query(alias="correlationId", max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> LogPage:
    await _caught_up(message_log)
    records = await message_log.recent(
        service_id=service_id, correlation_id=correlation_id, limit=limit
    )
    return LogPage(
        records=[LogRecord.model_validate(r) for r in records],
        queued=message_log.writer.queued,
        dropped=message_log.writer.dropped,
        failed_writes=message_log.writer.failures,
    )


@router.get(
    "/verify",
    summary="Recompute the hash chain: intact, or the first broken record",
)
async def verify(_: AdminOnly, message_log: MessageLogDep) -> VerifyReport:
    await _caught_up(message_log)
    result = await message_log.verify()
    broken = result.first_broken
    return VerifyReport(
        ok=result.ok,
        checked=result.checked,
        first_broken=BrokenRecord(**asdict(broken)) if broken else None,
    )


@router.get(
    "/export",
    summary="The records of [from, to) as JSON Lines, each verifiable offline",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "one record per line, in seq order, as `LogRecord`",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        }
    },
)
async def export(
    _: AdminOnly,
    message_log: MessageLogDep,
    start: Annotated[AwareDatetime, Query(alias="from")],
    end: Annotated[AwareDatetime, Query(alias="to")],
) -> StreamingResponse:
    if start >= end:
        raise Problem("INVALID_TIME_RANGE", status=422, field="from")
    await _caught_up(message_log)
    name = f"message-log-{_stamp(start)}-{_stamp(end)}.jsonl"
    return StreamingResponse(
        message_log.export(start, end),
        media_type=NDJSON,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.post("/prune", summary="Delete the records retention no longer keeps, now")
async def prune(_: AdminOnly, message_log: MessageLogDep) -> PruneOut:
    report = await message_log.prune()
    return PruneOut(deleted=report.deleted, anchor_seq=report.anchor_seq, cutoff=report.cutoff)


def _stamp(moment: AwareDatetime) -> str:
    """`2026-11-22T05:00:00.000000Z` → `20261122T050000Z`, for a file name."""
    return iso_utc(moment)[:19].replace("-", "").replace(":", "") + "Z"
