"""The message bus: one topic exchange, durable queues with delayed retries and dead letters.

`create_bus(url)` gives the RabbitMQ implementation; `create_bus(None, broker)` gives the
in-memory one on `broker`, which the services of one embedded bus share. Both behave the same.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from servicekit.bus.base import (
    BusError,
    BusStats,
    Delivery,
    Handler,
    Message,
    MessageBus,
    PublishError,
    QueueSpec,
    Reject,
    RetryPolicy,
    Subscription,
    Unavailable,
    UnknownQueueError,
    exponential_backoff,
)
from servicekit.bus.memory import InMemoryBroker, InMemoryBus
from servicekit.bus.rabbitmq import RabbitMQBus

__all__ = [
    "Bus",
    "BusError",
    "BusStats",
    "Delivery",
    "Handler",
    "InMemoryBroker",
    "InMemoryBus",
    "Message",
    "MessageBus",
    "PublishError",
    "QueueSpec",
    "RabbitMQBus",
    "Reject",
    "RetryPolicy",
    "Subscription",
    "Unavailable",
    "UnknownQueueError",
    "create_bus",
    "exponential_backoff",
]


def create_bus(
    amqp_url: str | None, broker: InMemoryBroker | None = None, *, exchange: str = "egov"
) -> MessageBus:
    """RabbitMQ at `amqp_url`; without a URL, the in-memory bus on `broker` (a broker of its
    own when none is given: the bus of a service alone in its process talks to itself)."""
    if amqp_url is None:
        return InMemoryBus(InMemoryBroker() if broker is None else broker, exchange=exchange)
    return RabbitMQBus(amqp_url, exchange=exchange)


async def _app_bus(request: Request) -> MessageBus:
    bus: MessageBus = request.app.state.bus
    return bus


Bus = Annotated[MessageBus, Depends(_app_bus)]
"""The service's message bus, connected at start."""
