"""Every service follows the bus clock that testers move through the gateway.

The gateway publishes the clock's state (offset from real time, or the instant it is frozen
at) on the bus; each service keeps a durable queue bound to it and applies what arrives. The
state is absolute, so applying a message twice is harmless, and a service that was down
finds the changes waiting in its queue when it comes back.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import structlog

from servicekit.bus import Delivery, Message, MessageBus, QueueSpec, RetryPolicy, Subscription
from servicekit.clock import Clock, ClockState

log = structlog.get_logger(__name__)

CLOCK_KEY = "bus.clock"


def _message(state: ClockState) -> Message:
    return Message.from_json(
        {
            "offsetSeconds": state.offset.total_seconds(),
            "frozenAt": state.frozen_at.isoformat() if state.frozen_at else None,
        },
        type="clock.changed",
    )


def _state(payload: dict[str, object]) -> ClockState:
    frozen = payload.get("frozenAt")
    return ClockState(
        offset=timedelta(seconds=float(str(payload["offsetSeconds"]))),
        frozen_at=datetime.fromisoformat(frozen) if isinstance(frozen, str) else None,
    )


async def publish_clock(bus: MessageBus, state: ClockState) -> None:
    await bus.publish(CLOCK_KEY, _message(state))


async def follow_bus_clock(bus: MessageBus, clock: Clock, service: str) -> Subscription:
    queue = f"clock.{service}"
    await bus.declare_queue(
        QueueSpec(queue, bindings=(CLOCK_KEY,), retry=RetryPolicy(max_attempts=3, backoff=(0.5,)))
    )

    async def apply(delivery: Delivery) -> None:
        state = _state(delivery.message.json())
        clock.apply(state)
        log.info("bus clock changed", now=clock.now().isoformat(), frozen=bool(state.frozen_at))

    return await bus.consume(queue, apply)


async def catch_up(gateway_url: str, clock: Clock) -> None:
    """Take the gateway's clock as it is now; if the gateway is not up yet, the broadcasts will
    bring any change."""
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            view = (await client.get(f"{gateway_url}/clock")).raise_for_status().json()
    except (httpx.HTTPError, ValueError) as exc:
        log.debug("bus clock not read from the gateway", error=repr(exc))
        return
    now = datetime.fromisoformat(view["now"])
    if view["frozen"]:
        clock.apply(ClockState(frozen_at=now))
    else:
        clock.apply(ClockState(offset=timedelta(seconds=float(view["offsetSeconds"]))))
