"""Every service follows the bus clock that testers move through the gateway.

The gateway keeps the clock's state (offset from real time, or the instant it is frozen at) in
its database and publishes every change on the bus, and again when it starts; each service
keeps a durable queue bound to it and applies what arrives. A service that starts in a process
of its own also asks the gateway's `GET /clock`, so it runs on the bus clock from its first
request rather than on real time until the next change. Each state carries a version, and a
clock only ever takes a later one: an old message left in the queue, or an answer overtaken
by a broadcast, cannot set it back.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from servicekit.bus import Delivery, Message, MessageBus, QueueSpec, RetryPolicy, Subscription
from servicekit.clock import Clock, ClockState
from servicekit.http_clients import async_client

log = structlog.get_logger(__name__)

CLOCK_KEY = "bus.clock"
CLOCK_TYPE = "clock.changed"
CLOCK_RETRY = RetryPolicy(max_attempts=3, backoff=(0.5,))
"""A clock message that fails is soon stale: the next change, or a restart, brings a newer one."""


def clock_queue(service: str) -> QueueSpec:
    """The queue by which `service` follows the bus clock."""
    return QueueSpec(f"clock.{service}", bindings=(CLOCK_KEY,), retry=CLOCK_RETRY)


CATCH_UP_WITHIN = 15.0
"""How long a service waits for a gateway that answers but is still starting. Past its
restore step the gateway becomes ready at once; before it, the service's queue already exists
and gets the gateway's announcement."""


class ClockChanged(BaseModel):
    """What the gateway publishes on `bus.clock` when a tester moves the clock."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)

    offset_seconds: float = Field(description="the bus clock minus real time")
    frozen_at: datetime | None = Field(description="the instant it stands at, when frozen")
    version: int = Field(description="a clock only takes a later version than its own")


def _message(state: ClockState) -> Message:
    changed = ClockChanged(
        offset_seconds=state.offset.total_seconds(),
        frozen_at=state.frozen_at,
        version=state.version,
    )
    return Message.from_json(changed.model_dump(mode="json", by_alias=True), type=CLOCK_TYPE)


def _state(payload: dict[str, object]) -> ClockState:
    frozen = payload.get("frozenAt")
    return ClockState(
        offset=timedelta(seconds=float(str(payload["offsetSeconds"]))),
        frozen_at=datetime.fromisoformat(frozen) if isinstance(frozen, str) else None,
        version=int(str(payload.get("version", 0))),
    )


async def publish_clock(bus: MessageBus, state: ClockState) -> None:
    await bus.publish(CLOCK_KEY, _message(state))


async def follow_bus_clock(bus: MessageBus, clock: Clock, service: str) -> Subscription:
    spec = clock_queue(service)
    await bus.declare_queue(spec)

    async def apply(delivery: Delivery) -> None:
        state = _state(delivery.message.json())
        if clock.apply(state):
            log.info("bus clock changed", now=clock.now().isoformat(), frozen=bool(state.frozen_at))

    return await bus.consume(spec.name, apply)


async def catch_up(gateway_url: str, clock: Clock, within: float = CATCH_UP_WITHIN) -> None:
    """Take the gateway's clock as it is now. A gateway that does not answer has not started
    yet: its announcement will reach the queue `follow_bus_clock` declared. One that answers
    503 is starting and may have announced before that queue existed, so it is asked again
    until ready."""
    deadline = time.monotonic() + within
    async with async_client(timeout=2.0) as client:
        while True:
            try:
                reply = await client.get(f"{gateway_url}/clock")
            except httpx.HTTPError as exc:
                log.debug("bus clock not read from the gateway", error=repr(exc))
                return
            if reply.status_code != 503 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    try:
        view = reply.raise_for_status().json()
        state = ClockState(
            offset=timedelta(seconds=float(view["offsetSeconds"])),
            frozen_at=datetime.fromisoformat(view["now"]) if view["frozen"] else None,
            version=int(view["version"]),
        )
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        log.warning("bus clock not read from the gateway", error=repr(exc))
        return
    if clock.apply(state):
        log.info("bus clock taken from the gateway", now=clock.now().isoformat())
