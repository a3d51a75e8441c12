"""Parked messages are incidents: every service shows its own and can put them back.

A message lands in its queue's dead letters when it can never succeed (`Reject`), when its
handler failed for a temporary cause for longer than the outage budget, or after a few failures
of an unknown cause (`servicekit.bus.RetryPolicy`). Each service that consumes the bus then has

- on `/metrics`: `egov_bus_parked_messages{queue}` (what lies in the dead letters now; alert on
  it above 0), `egov_bus_dead_lettered_total{queue,reason}`, `egov_bus_retries_total{queue,cause}`
  (an outage shows here long before anything is parked) and `egov_bus_redriven_total{queue}`;
- `GET /admin/bus/dead-letters`: the parked messages, left in place;
- `POST /admin/bus/dead-letters/redrive`: one (by `messageId`) or all of them back on their
  queue, as new messages with a fresh budget — once the cause is fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from servicekit.admin import AdminOnly
from servicekit.bus import Bus, BusError, BusStats, Message, MessageBus
from servicekit.bus.base import (
    DEAD_ATTEMPTS_HEADER,
    DEAD_ERROR_HEADER,
    DEAD_FAILING_SINCE_HEADER,
    DEAD_REASON_HEADER,
    REDRIVEN_HEADER,
)
from servicekit.errors import NotFound, Problem
from servicekit.logging import mask_identifiers
from servicekit.messages import Texts, register
from servicekit.redaction import shown

register(
    {
        "BUS_QUEUE_NOT_FOUND": Texts(
            "Очередь {queue} не объявлена этим сервисом",
            "{queue} кезегін бұл қызмет жарияламаған",
            "This service has declared no queue {queue}",
        ),
        "DEAD_LETTER_NOT_FOUND": Texts(
            "Среди отложенных сообщений нет сообщения {message_id}",
            "Кейінге қалдырылған хабарламалар арасында {message_id} хабарламасы жоқ",
            "No parked message has the id {message_id}",
        ),
        "BROKER_UNAVAILABLE": Texts(
            "Брокер сообщений сейчас недоступен: повторите позже",
            "Хабарлама брокері қазір қолжетімсіз: кейінірек қайталаңыз",
            "The message broker is unavailable now: try again later",
        ),
    }
)


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class ParkedMessage(_Model):
    queue: str
    message_id: str
    type: str | None
    reason: str | None = Field(description="rejected, outage-budget or max-attempts")
    attempts: int | None
    error: str | None = Field(description="the last failure, as the handler raised it")
    failing_since: str | None = Field(description="bus-clock instant of the first failure")
    redriven: int = Field(description="how many times it was put back before")
    body: Any = Field(
        description="the message (JSON, or text when it is not JSON) as `servicekit.redaction` "
        "shows it: ИИН/БИН, names and phones masked, documents as their digest"
    )


class RedriveIn(_Model):
    queue: str | None = Field(default=None, description="unset: every queue of this service")
    message_id: str | None = Field(default=None, description="unset: every parked message")


class Redriven(_Model):
    redriven: dict[str, int] = Field(description="queue → messages put back on it")


router = APIRouter(prefix="/admin/bus", tags=["admin"])


def _queues(bus: MessageBus, queue: str | None) -> list[str]:
    if queue is None:
        return bus.queues
    if queue not in bus.queues:
        raise NotFound("BUS_QUEUE_NOT_FOUND", field="queue", queue=queue)
    return [queue]


def _view(queue: str, message: Message) -> ParkedMessage:
    headers = message.headers

    def text(name: str) -> str | None:
        value = headers.get(name)
        return None if value is None else str(value)

    attempts, redriven = headers.get(DEAD_ATTEMPTS_HEADER), headers.get(REDRIVEN_HEADER, 0)
    return ParkedMessage(
        queue=queue,
        message_id=message.message_id,
        type=message.type,
        reason=text(DEAD_REASON_HEADER),
        attempts=attempts if isinstance(attempts, int) else None,
        error=mask_identifiers(error) if (error := text(DEAD_ERROR_HEADER)) else None,
        failing_since=text(DEAD_FAILING_SINCE_HEADER),
        redriven=redriven if isinstance(redriven, int) else 0,
        body=shown(message.body),
    )


@router.get(
    "/dead-letters",
    summary="Parked messages of this service's queues (left in place), oldest first",
    responses={404: {"description": "BUS_QUEUE_NOT_FOUND: no such queue"}},
)
async def dead_letters(
    _: AdminOnly,
    bus: Bus,
    queue: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ParkedMessage]:
    try:
        found: list[ParkedMessage] = []
        for name in _queues(bus, queue):
            found.extend(_view(name, m) for m in await bus.dead_letters(name, limit))
            await bus.count_parked(name)
    except BusError:
        raise Problem("BROKER_UNAVAILABLE", status=503) from None
    return found


@router.post(
    "/dead-letters/redrive",
    summary="Put parked messages (one, or all) back on their queue with a fresh retry budget",
    responses={404: {"description": "BUS_QUEUE_NOT_FOUND, DEAD_LETTER_NOT_FOUND"}},
)
async def redrive(_: AdminOnly, bus: Bus, body: RedriveIn) -> Redriven:
    counts: dict[str, int] = {}
    try:
        for name in _queues(bus, body.queue):
            count = await bus.redrive(name, body.message_id)
            if count:
                counts[name] = count
    except BusError:
        raise Problem("BROKER_UNAVAILABLE", status=503) from None
    if body.message_id is not None and not counts:
        raise NotFound("DEAD_LETTER_NOT_FOUND", field="messageId", message_id=body.message_id)
    return Redriven(redriven=counts)


class _BusCollector(Collector):
    """Reads the bus's figures when /metrics is scraped; the bus exists only once the app runs."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    def describe(self) -> Iterator[Metric]:
        return iter(())

    def collect(self) -> Iterator[Metric]:
        bus: MessageBus | None = getattr(self._app.state, "bus", None)
        stats = bus.stats if bus is not None else BusStats()
        parked = GaugeMetricFamily(
            "egov_bus_parked_messages",
            "Messages in a queue's dead letters, waiting for an operator (redrive)",
            labels=["queue"],
        )
        for queue, count in sorted(stats.parked.items()):
            parked.add_metric([queue], count)
        dead = CounterMetricFamily(
            "egov_bus_dead_lettered",
            "Messages this process parked, by reason (rejected, outage-budget, max-attempts)",
            labels=["queue", "reason"],
        )
        for (queue, reason), count in sorted(stats.dead_lettered.items()):
            dead.add_metric([queue, reason], count)
        retries = CounterMetricFamily(
            "egov_bus_retries",
            "Failed messages scheduled for another attempt, by cause (unavailable, error)",
            labels=["queue", "cause"],
        )
        for (queue, cause), count in sorted(stats.retried.items()):
            retries.add_metric([queue, cause], count)
        redriven = CounterMetricFamily(
            "egov_bus_redriven", "Parked messages put back on their queue", labels=["queue"]
        )
        for queue, count in sorted(stats.redriven.items()):
            redriven.add_metric([queue], count)
        yield from (parked, dead, retries, redriven)


def install(app: FastAPI) -> None:
    """Mount the admin routes and count the bus's incidents in the app's metrics."""
    app.include_router(router)
    registry: CollectorRegistry = app.state.metrics
    registry.register(_BusCollector(app))
